/**
 * The evaluation report's comparison section: from a known comparison (two images, one method) report.html, .json
 * and comparison.csv carry its numbers, checked against the values written here; without a comparison none appears.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComparisonSection } from '../../../src/main/engine/compare/section';
import type { ComparedImage } from '../../../src/main/engine/compare/types';
import { writeReports } from '../../../src/main/engine/report';
import { reportInput } from '../report/fixture';

function image(file: string, a: string, b: string, d: { diff: number; r: number | null; iou: number }): ComparedImage {
  return {
    file, label: 'cat',
    predicted: { a: { classIndex: 0, className: a, probability: 0.9 }, b: { classIndex: 1, className: b, probability: 0.8 } },
    agree: a === b,
    explained: { className: a, a: { classIndex: 0, probability: 0.9 }, b: { classIndex: 0, probability: 0.4 } },
    grid: { width: 8, height: 8, pixels: 64 },
    methods: { gradcam: { map_max_abs_diff: d.diff, map_pearson: d.r, map_top20_iou: d.iou } },
  };
}

const comparison: ComparisonSection = {
  models: { a: 'alpha.onnx', b: 'beta.onnx' },
  created: '2026-12-01T10:00:00.000Z',
  datasetRoot: '/data/pets',
  sample: { size: null, seed: 0 },
  methods: ['gradcam'],
  summary: {
    images: 2, compared: 2, failed: 0,
    accuracy: { a: { correct: 2, labelled: 2, fraction: 1 }, b: { correct: 1, labelled: 2, fraction: 0.5 } },
    agreement: { agree: 1, compared: 2, fraction: 0.5 },
    crossTable: { classes: ['cat', 'dog'], counts: [[1, 1], [0, 0]] },
    methods: { gradcam: { images: 2, mean_map_max_abs_diff: 0.625, mean_map_pearson: 0.125, pearson_undefined: 0, mean_map_top20_iou: 0.375 } },
  },
  images: [image('b/most-different.png', 'cat', 'dog', { diff: 0.75, r: -0.25, iou: 0.25 }), image('a/alike.png', 'cat', 'cat', { diff: 0.5, r: 0.5, iou: 0.5 })],
  failed: [],
};

async function write(c: ComparisonSection | null): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-section-'));
  await writeReports(dir, reportInput({ comparison: c }));
  return dir;
}

describe('report comparison section', () => {
  it('report.html shows accuracy, agreement, the cross-table, the distances and the most different images first', async () => {
    const dir = await write(comparison);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const section = html.slice(html.indexOf('<section class="comparison" id="comparison">'), html.indexOf('</section>', html.indexOf('id="comparison"')));
    expect(section).toContain('<h2>Model comparison</h2>');
    expect(section).toContain('accuracy of A (alpha.onnx) (2 of 2 labelled)');
    expect(section).toMatch(/<div class="value">100\.0 %<\/div><div class="label">accuracy of A/);
    expect(section).toMatch(/<div class="value">50\.0 %<\/div><div class="label">accuracy of B \(beta\.onnx\) \(1 of 2 labelled\)/);
    expect(section).toMatch(/<div class="value">50\.0 %<\/div><div class="label">prediction agreement \(1 of 2\)/);
    expect(section).toContain('<th scope="row">Grad-CAM</th><td>0.625</td><td>0.125</td><td>0.375</td><td>2</td>');
    // A zero is an empty cell; the diagonal is shaded.
    expect(section).toContain('<tr><th scope="row">cat</th><td class="same">1</td><td class="">1</td></tr><tr><th scope="row">dog</th><td class=""></td><td class="same"></td></tr>');
    const rows = [...section.matchAll(/<tr><th scope="row"><code>([^<]+)<\/code><\/th>.*?<td>([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([['b/most-different.png', '0.75 · -0.25 · 0.25'], ['a/alike.png', '0.50 · 0.50 · 0.50']]);
  });

  it('report.json carries it under `comparison`, comparison.csv every image, report.pdf its heading', async () => {
    const dir = await write(comparison);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.comparison.models).toEqual({ a: 'alpha.onnx', b: 'beta.onnx' });
    expect(json.comparison.summary.agreement).toEqual({ agree: 1, compared: 2, fraction: 0.5 });
    expect(json.comparison.summary.methods.gradcam.mean_map_top20_iou).toBe(0.375);
    expect(json.comparison.mostDifferent.map((i: { file: string }) => i.file)).toEqual(['b/most-different.png', 'a/alike.png']);
    const csv = readFileSync(join(dir, 'comparison.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('file,label,a_predicted,a_probability,b_predicted,b_probability,agree,explained,gradcam_max_abs_diff,gradcam_pearson,gradcam_top20_iou');
    expect(csv[1]).toBe('b/most-different.png,cat,cat,0.9,dog,0.8,false,cat,0.75,-0.25,0.25');
    expect(readFileSync(join(dir, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('without a comparison there is no section, no `comparison` key and no comparison.csv', async () => {
    const dir = await write(null);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).not.toContain('id="comparison"');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).not.toHaveProperty('comparison');
    expect(existsSync(join(dir, 'comparison.csv'))).toBe(false);
  });
});
