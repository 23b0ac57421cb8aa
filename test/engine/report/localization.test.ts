/** Reports of runs with expert regions and with the random reference: the localization block, columns and marking. */
import { describe, expect, it } from 'vitest';
import { computeTable } from '../../../src/main/engine/metrics/table';
import { withLocalization } from '../../../src/main/engine/metrics/localization/evaluation';
import { buildReportJson, renderCsv, renderHtml, renderPdf } from '../../../src/main/engine/report';
import { metricRows } from '../../../src/main/engine/report/format';
import type { ImageRecord, MethodResult } from '../../../src/main/engine/evaluate/types';
import { reportInput, settings } from './fixture';

const res = (O: number, loc?: Partial<MethodResult>, flat = false): MethodResult => ({
  O_prob: O, O_logit: O, removedLogit: 0, deletionAuc: null, insertionAuc: null, flat, mapSha: '0', timeMs: 1, ...loc,
});

// Three images; the second has no regions, the third only a point.
const records: ImageRecord[] = [
  { file: 'a.png', label: 0, predicted: 0, target: 0, Y_prob: 0.9, Y_logit: 0.9, methods: {
    gradcam: res(0.5, { pointing_hit: true, energy_in_region: 0.6, rank_accuracy: 0.5, iou: 0.25 }),
    random: res(0.95, { pointing_hit: false, energy_in_region: 0.2, rank_accuracy: 0.1, iou: 0.05 }),
  } },
  { file: 'b.png', label: 0, predicted: 0, target: 0, Y_prob: 0.9, Y_logit: 0.9, methods: { gradcam: res(0.8), random: res(0.7) } },
  { file: 'c.png', label: 0, predicted: 0, target: 0, Y_prob: 0.9, Y_logit: 0.9, methods: {
    gradcam: res(0.6, { pointing_hit: false, energy_in_region: null, rank_accuracy: null, iou: null }),
    random: res(0.9, { pointing_hit: true, energy_in_region: null, rank_accuracy: null, iou: null }),
  } },
];
const methods = ['gradcam', 'random'];
const localization = { source: 'coco:regions.json', fingerprint: 'f', regionClass: 'all' as const, pointingTolerance: 15, iouThreshold: 0.5 };

function input() {
  const table = withLocalization(computeTable(records, methods, 'prob'), records);
  return reportInput({
    settings: settings({ methods, score: 'prob', localization }), table, records,
    methodNames: { gradcam: 'Grad-CAM', random: 'Random' }, figure: [],
  });
}

describe('random reference', () => {
  it('is never counted in Win % nor marked best', () => {
    const t = computeTable(records, methods, 'prob');
    // Random has the highest O on a and c, but only Grad-CAM competes: it wins all three images.
    expect(t.rows.gradcam.win_pct).toBe(100);
    expect(t.rows.random.win_pct).toBeNull();
    const rows = metricRows(input());
    const ic = rows.find((r) => r.info.key === 'increase_in_confidence_pct')!;
    expect(ic.cells.map((c) => c.best)).toEqual([true, false]);
    expect(renderHtml(input(), null)).toContain('Random (reference)');
  });
});

describe('localization block', () => {
  it('table rows: means over images with regions, counts', () => {
    const row = input().table.rows.gradcam;
    expect(row).toMatchObject({ pointing_game_pct: 50, energy_pointing_game: 0.6, rank_accuracy: 0.5, iou: 0.25, images_with_regions: 2, images_with_region_pixels: 1, energy_excluded_flat: 0 });
    // Without any localization value the table is unchanged.
    const plain = computeTable(records.map((r) => ({ ...r, methods: { gradcam: res(0.5), random: res(0.4) } })), methods, 'prob');
    expect(withLocalization(plain, [])).toBe(plain);
  });

  it('report.json has the table keys and per-image values', () => {
    const j = buildReportJson(input());
    expect(Object.keys(j.table.gradcam)).toEqual(expect.arrayContaining(['pointing_game_pct', 'energy_pointing_game', 'rank_accuracy', 'iou', 'images_with_regions']));
    expect(j.table.random.pointing_game_pct).toBe(50);
    expect(j.images[0].methods.gradcam).toMatchObject({ pointing_hit: true, energy_in_region: 0.6, rank_accuracy: 0.5, iou: 0.25 });
    expect(j.images[1].methods.gradcam).not.toHaveProperty('pointing_hit');
  });

  it('report.csv has the per-image columns, report.html and report.pdf the block', async () => {
    const csv = renderCsv(input()).split('\r\n');
    const head = csv[0].split(',');
    expect(head).toContain('gradcam_pointing_hit');
    expect(head).toContain('random_iou');
    const first = csv[1].split(',');
    expect(first[head.indexOf('gradcam_energy_in_region')]).toBe('0.6');
    expect(csv[2].split(',')[head.indexOf('gradcam_iou')]).toBe('');
    const html = renderHtml(input(), null);
    expect(html).toContain('<h2>Localization (expert regions)</h2>');
    const block = html.slice(html.indexOf('id="localization"'));
    expect(block).toMatch(/data-metric="pointing_game_pct".*<td class="best"><strong>50\.00<\/strong><\/td><td class="reference">50\.00<\/td>/);
    expect(block).toMatch(/data-count="images_with_regions"><th scope="row">Images with regions<\/th><td>2<\/td><td>2<\/td>/);
    const pdf = (await renderPdf(input(), null)).toString('latin1');
    expect(pdf.length).toBeGreaterThan(1000);
    // Without regions, no block.
    const none = reportInput();
    expect(renderHtml(none, null)).not.toContain('Localization (expert regions)');
  });
});
