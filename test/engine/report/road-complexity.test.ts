/** Reports of a run with ROAD and complexity: table rows and keys, per-image columns, the verdict in HTML and PDF. */
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ImageRecord, MethodResult } from '../../../src/main/engine/evaluate/types';
import { computeTable } from '../../../src/main/engine/metrics/table';
import { buildReportJson, CSV_COMPLEXITY_COLUMNS, CSV_METHOD_COLUMNS, CSV_ROAD_COLUMNS, renderCsv, renderHtml, renderPdf } from '../../../src/main/engine/report';
import { reportInput, settings } from './fixture';

const level = (v: number): number[] => Array(9).fill(v);
const res = (O: number, road: { morf: number[]; lerf: number[] }, sparseness: number | null, complexity: number | null, extra: Partial<MethodResult> = {}): MethodResult => ({
  O_prob: O, O_logit: O, removedLogit: 0, deletionAuc: 0.2, insertionAuc: 0.5, flat: false, mapSha: '0', timeMs: 1, road, sparseness, complexity, ...extra,
});
// Grad-CAM is better on logit drop (3 against 2) and deletion (0.1 against 0.2), worse on insertion (0.4 against 0.5).
const gradcamExtra = { removedLogit: -1, deletionAuc: 0.1, insertionAuc: 0.4 };

// Grad-CAM: MoRF 0.3 and 0.1 → 0.2; LeRF 0.8. ScoreCAM++: MoRF 0.4; LeRF 0.7 and 0.9 → 0.8. Random: 0.5 / 0.5.
const records: ImageRecord[] = [
  { file: 'a.png', label: 0, predicted: 0, target: 0, Y_prob: 0.9, Y_logit: 2, methods: {
    gradcam: res(0.5, { morf: level(0.3), lerf: level(0.8) }, 0.6, 5, gradcamExtra),
    'scorecam++': res(0.8, { morf: level(0.4), lerf: level(0.7) }, 0.5, 6),
    random: res(0.4, { morf: level(0.5), lerf: level(0.5) }, 0.1, 6.5),
  } },
  { file: 'b.png', label: 0, predicted: 0, target: 0, Y_prob: 0.9, Y_logit: 2, methods: {
    gradcam: res(0.6, { morf: level(0.1), lerf: level(0.8) }, 0.4, 5.5, gradcamExtra),
    'scorecam++': res(0.95, { morf: level(0.4), lerf: level(0.9) }, null, null), // an all-zero map
    random: res(0.3, { morf: level(0.5), lerf: level(0.5) }, 0.1, 6.5),
  } },
];
const methods = ['gradcam', 'scorecam++', 'random'];
const names = { gradcam: 'Grad-CAM', 'scorecam++': 'ScoreCAM++', random: 'Random' };

function input() {
  return reportInput({
    settings: settings({ methods, score: 'prob', road: { fractions: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], noiseStd: 0.01 } }),
    table: computeTable(records, methods, 'prob'), records, methodNames: names, figure: [],
  });
}

/** Every text run of the PDF's pages, joined (pdfkit writes WinAnsi hex strings in deflated streams). */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, raw.indexOf('endstream', start))).toString('latin1');
    } catch {
      continue; // an image
    }
    for (const op of content.matchAll(/\[((?:[^\]])*)\] TJ/g)) {
      out.push([...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''));
    }
  }
  return out.join('\n');
}

describe('the table of a run with ROAD and complexity', () => {
  it('holds the means: ROAD over levels and images, complexity over the images that have it', () => {
    const t = input().table;
    expect(t.rows.gradcam.road_morf).toBeCloseTo(0.2, 12);
    expect(t.rows.gradcam.road_lerf).toBeCloseTo(0.8, 12);
    expect(t.rows.gradcam.road_combined).toBeCloseTo(0.3, 12);
    expect(t.rows['scorecam++'].road_combined).toBeCloseTo(0.2, 12);
    expect(t.rows.random.road_combined).toBeCloseTo(0, 12);
    expect(t.rows.gradcam.sparseness).toBeCloseTo(0.5, 12);
    expect(t.rows.gradcam.complexity).toBeCloseTo(5.25, 12);
    expect(t.rows['scorecam++'].sparseness).toBeCloseTo(0.5, 12); // the all-zero map left out
    // Records without them (older runs) give no such columns.
    const plain = computeTable(reportInput().records, reportInput().settings.methods, 'logit');
    expect(plain.rows.gradcam).not.toHaveProperty('road_combined');
    expect(plain.rows.gradcam).not.toHaveProperty('sparseness');
  });
});

describe('reports of a run with ROAD and complexity', () => {
  it('report.json: the table keys and each image’s curves', () => {
    const j = buildReportJson(input());
    expect(Object.keys(j.table.gradcam).slice(9)).toEqual(['road_morf', 'road_lerf', 'road_combined', 'sparseness', 'complexity']);
    expect(j.table.gradcam.road_combined).toBeCloseTo(0.3, 12);
    expect(j.settings.road).toEqual(input().settings.road);
    expect(j.images[1].methods['scorecam++']).toMatchObject({ road: { morf: level(0.4), lerf: level(0.9) }, sparseness: null, complexity: null });
  });

  it('report.csv: per-method ROAD and complexity columns after the others, one image per row', () => {
    const [head, a, b] = renderCsv(input()).split('\r\n').map((l) => l.split(','));
    const base = 9 + CSV_METHOD_COLUMNS.length;
    expect(head.slice(base, base + 5)).toEqual([...CSV_ROAD_COLUMNS, ...CSV_COMPLEXITY_COLUMNS].map((c) => `gradcam_${c}`));
    expect(head).toHaveLength(9 + 3 * (CSV_METHOD_COLUMNS.length + 5));
    expect(Number(a[head.indexOf('gradcam_road_morf')])).toBeCloseTo(0.3, 12);
    expect(Number(b[head.indexOf('scorecam_pp_road_lerf')])).toBeCloseTo(0.9, 12);
    expect(Number(b[head.indexOf('gradcam_road_combined')])).toBeCloseTo(0.35, 12);
    expect(b[head.indexOf('scorecam_pp_sparseness')]).toBe('');
    expect(a[head.indexOf('random_complexity')]).toBe('6.5');
  });

  it('report.html: ROAD rows in the faithfulness table (best in its direction), the complexity block, the verdict', () => {
    const html = renderHtml(input(), null);
    const row = (key: string): string => html.match(new RegExp(`<tr [^>]*data-metric="${key}"[^>]*>([\\s\\S]*?)</tr>`))![1];
    // Lower MoRF is better: Grad-CAM (0.2); LeRF is a tie at 0.8000; combined: Grad-CAM. Random is never marked.
    expect(row('road_morf')).toMatch(/<td class="best"><strong>0\.2000<\/strong><\/td><td>0\.4000<\/td><td class="reference">0\.5000<\/td>/);
    expect(row('road_lerf')).toMatch(/<strong>0\.8000<\/strong><\/td><td class="best"><strong>0\.8000<\/strong>/);
    expect(row('road_combined')).toMatch(/<td class="best"><strong>0\.3000<\/strong><\/td><td>0\.2000<\/td>/);
    expect(html).toContain('<h2>Complexity of the maps</h2>');
    expect(html.slice(html.indexOf('id="complexity"'))).toMatch(/data-metric="complexity".*<td class="best"><strong>5\.250<\/strong>/);
    const verdict = html.match(/<ul id="verdict">([\s\S]*?)<\/ul>/)![1];
    expect(verdict).toContain('<li>ScoreCAM++ is best on 4 of 7 metrics; Logit drop, Deletion AUC and ROAD disagree (best there: Grad-CAM).</li>');
    // Without ROAD or complexity in the run, neither appears; the verdict always does.
    const plain = renderHtml(reportInput(), null);
    expect(plain).not.toContain('data-metric="road_combined"');
    expect(plain).not.toContain('Complexity of the maps');
    expect(plain).toContain('<li>ScoreCAM++ is best on all 6 metrics.</li>');
  });

  it('report.pdf: the ROAD rows, the complexity block and the verdict', async () => {
    const text = pdfText(await renderPdf(input(), null));
    for (const s of ['ROAD MoRF', 'ROAD LeRF', 'ROAD combined', 'Complexity of the maps', 'Sparseness (Gini)', 'Verdict across metrics']) expect(text).toContain(s);
    expect(text.replace(/\s+/g, ' ')).toContain('ScoreCAM++ is best on 4 of 7 metrics');
  });
});
