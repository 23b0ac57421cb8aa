/**
 * Evaluations record, per image and score-weighted method, how far the exact map is from its score-free form
 * (Σ term(up_k) with equal weights), summarise it in the table and say it in report.json/html/pdf. The values are
 * checked against an independent computation here: the layer's activations from a plain forward pass, a hand-written
 * bilinear upsampling (half-pixel centres), the score-free sum, ReLU and min-max, then max |diff| and Pearson r by
 * hand against the maps the run wrote.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runEvaluation } from '../../../src/main/engine/evaluate/run';
import type { ImageExplanation } from '../../../src/main/engine/explain';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { writeReports } from '../../../src/main/engine/report';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const H = 16;
const h = 8;
const C = 6;

/** Bilinear [h, h] → [H, H] with half-pixel centres and edge clamping, written out for this test. */
function upsample(a: Float32Array, offset: number): Float64Array {
  const out = new Float64Array(H * H);
  const at = (y: number, x: number) => a[offset + y * h + x];
  const coord = (o: number) => {
    const s = Math.min(h - 1, Math.max(0, ((o + 0.5) * h) / H - 0.5));
    const i0 = Math.floor(s);
    return [i0, Math.min(h - 1, i0 + 1), s - i0] as const;
  };
  for (let y = 0; y < H; y++) {
    const [y0, y1, fy] = coord(y);
    for (let x = 0; x < H; x++) {
      const [x0, x1, fx] = coord(x);
      out[y * H + x] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
    }
  }
  return out;
}

function normalised(raw: Float64Array): Float64Array {
  const relu = raw.map((v) => Math.max(0, v));
  const min = Math.min(...relu);
  const max = Math.max(...relu);
  return relu.map((v) => (v - min) / (max - min));
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbsDiff: number; pearson: number } {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
    max = Math.max(max, Math.abs(a[i] - b[i]));
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return { maxAbsDiff: max, pearson: ab / Math.sqrt(aa * bb) };
}

const median = (v: number[]) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Text drawn in report.pdf (pdfkit: hex strings in Tj/TJ operators of deflated content streams, WinAnsi codes). */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let text = '';
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, raw.indexOf('endstream', start))).toString('latin1');
    } catch {
      continue;
    }
    for (const op of content.matchAll(/\[((?:[^\]])*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
      const hexes = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((x) => x[1]) : [op[2]];
      text += hexes.map((x) => Buffer.from(x, 'hex').toString('latin1')).join('');
    }
  }
  return text;
}

describe('score-free distance per evaluation', () => {
  it('records each image\'s distance of Score-CAM and ScoreCAM++ from their score-free maps, summarises and reports it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'camscope-scorefree-'));
    mkdirSync(join(root, 'a'));
    const n = 3;
    for (let i = 0; i < n; i++) {
      const pixels = Buffer.from(Array.from({ length: H * H * 3 }, (_, k) => (k * 7919 + i * 104729) % 251));
      await sharp(pixels, { raw: { width: H, height: H, channels: 3 } }).png().toFile(join(root, 'a', `${i}.png`));
    }
    const c = await Classifier.load(writeModel('score-free', tinyCnnOnnx(randomTinyCnn(11, { inC: 3, h, w: h, C, K: 3 })), { inputSize: [H, H], resize: 'stretch' }));
    const explained: Extract<ImageExplanation, { ok: true }>[] = [];
    const result = await runEvaluation({
      classifier: c, methods: parseMethodList('gradcam,scorecam,scorecam++'), datasetRoot: root, curveSteps: 0, batchSize: 4,
      projectPath: join(root, 'p.camscope'), onScored: (r) => explained.push(r),
    });
    expect(result.records).toHaveLength(n);
    const byMethod: Record<string, { maxAbsDiff: number; pearson: number }[]> = { scorecam: [], 'scorecam++': [] };
    for (const r of explained) {
      const record = result.records.find((x) => x.file === r.file.slice(root.length + 1).replaceAll('\\', '/'))!;
      const { activations } = await c.forward(r.image.tensor, 1, true);
      const hw = h * h;
      const sum = (term: (v: number) => number, keep: (k: number) => boolean) => {
        const raw = new Float64Array(H * H);
        for (let k = 0; k < C; k++) {
          if (!keep(k)) continue;
          const up = upsample(activations!, k * hw);
          for (let i = 0; i < raw.length; i++) raw[i] += term(up[i]);
        }
        return normalised(raw);
      };
      const plane = (k: number) => Array.from(activations!.subarray(k * hw, (k + 1) * hw));
      // ScoreCAM++: Σ tanh(up_k) over non-zero channels; Score-CAM: Σ up_k over non-constant channels.
      const free = {
        'scorecam++': sum(Math.tanh, (k) => plane(k).some((v) => v !== 0)),
        scorecam: sum((v) => v, (k) => new Set(plane(k)).size > 1),
      };
      for (const id of ['scorecam', 'scorecam++'] as const) {
        const map = r.maps.find((m) => m.method === id)!.result.map;
        const want = distance(map, free[id]);
        const got = record.methods[id].scoreFree!;
        expect(got.maxAbsDiff).toBeCloseTo(want.maxAbsDiff, 4);
        expect(got.pearson).toBeCloseTo(want.pearson, 4);
        byMethod[id].push(got);
      }
      expect(record.methods.gradcam.scoreFree).toBeUndefined();
    }
    // The random weights make the masked scores differ: the exact maps are not the score-free ones.
    expect(Math.max(...byMethod['scorecam++'].map((d) => d.maxAbsDiff))).toBeGreaterThan(1e-3);

    for (const id of ['scorecam', 'scorecam++'] as const) {
      const row = result.table.rows[id];
      const diffs = byMethod[id].map((d) => d.maxAbsDiff);
      expect(row.score_free_images).toBe(n);
      expect(row.score_free_max_diff_median).toBeCloseTo(median(diffs), 12);
      expect(row.score_free_max_diff_worst).toBeCloseTo(Math.max(...diffs), 12);
      expect(row.score_free_pearson_median).toBeCloseTo(median(byMethod[id].map((d) => d.pearson)), 12);
      expect(row.score_free_pearson_lowest).toBeCloseTo(Math.min(...byMethod[id].map((d) => d.pearson)), 12);
    }
    expect(result.table.rows.gradcam.score_free_images).toBeUndefined();

    const out = join(root, 'report');
    await writeReports(out, {
      settings: result.settings, table: result.table, accuracy: result.accuracy, failed: result.failed, records: result.records,
      elapsedSeconds: result.elapsedSeconds, methodNames: { gradcam: 'Grad-CAM', scorecam: 'Score-CAM', 'scorecam++': 'ScoreCAM++' }, figure: [],
    });
    await c.release();
    const row = result.table.rows['scorecam++'];
    const line = `ScoreCAM++ is within ${row.score_free_max_diff_median!.toFixed(2)} of its score-free form (median; worst ${row.score_free_max_diff_worst!.toFixed(2)}).`;
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(json.table['scorecam++'].score_free_max_diff_median).toBeCloseTo(row.score_free_max_diff_median!, 12);
    expect(json.table.gradcam.score_free_images).toBeUndefined();
    expect(json.images[0].methods['scorecam++'].scoreFree.maxAbsDiff).toBe(result.records[0].methods['scorecam++'].scoreFree!.maxAbsDiff);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`<li>${line}</li>`);
    expect(html).toContain('Score-CAM is within');
    expect(html).not.toContain('Grad-CAM is within');
    const pdf = pdfText(readFileSync(join(out, 'report.pdf'))).replace(/\s+/g, '');
    expect(pdf).toContain('Effectofthemaskedpasses');
    expect(pdf).toContain(line.replace(/\s+/g, ''));
  });
});
