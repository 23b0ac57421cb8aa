/**
 * The random reference that `camscope evaluate` adds by default: on its own line in every table, it changes none of
 * the other methods' numbers, Win % or "best" markers (a hand-derived case where random would win if it were
 * counted, and the same run through the CLI with and without it); --no-reference leaves it out; explain is unchanged.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { UsageError } from '../../src/main/cli/common';
import { evaluateMethods } from '../../src/main/cli/evaluate';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import type { ImageRecord, MethodResult } from '../../src/main/engine/evaluate/types';
import { computeTable } from '../../src/main/engine/metrics/table';
import { metricRows } from '../../src/main/engine/report/format';
import type { ReportInput } from '../../src/main/engine/report/types';
import { demoSubset } from './demo-subset';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, stdout: () => out.join(''), stderr: () => err.join('') };
}

const PAPER = 'gradcam,gradcam++,xgradcam,layercam,scorecam,scorecam++';

describe('evaluate method list', () => {
  it('adds random to the default and to a given list, once, and --no-reference leaves it out', () => {
    expect(evaluateMethods(undefined, true)).toBe(`${PAPER},random`);
    expect(evaluateMethods(undefined, false)).toBe(PAPER);
    expect(evaluateMethods('gradcam, LayerCAM', true)).toBe('gradcam,layercam,random');
    expect(evaluateMethods('random,gradcam', true)).toBe('random,gradcam');
    expect(evaluateMethods('gradcam,scorecam@topk=8', false)).toBe('gradcam,scorecam@topk=8');
    expect(evaluateMethods('all', false).split(',')).not.toContain('random');
    expect(evaluateMethods('all', true).split(',').filter((m) => m === 'random')).toHaveLength(1);
    expect(() => evaluateMethods('gradcam,random', false)).toThrow(UsageError);
    expect(() => evaluateMethods('gradcam,random', false)).toThrow('--no-reference leaves out the random reference, but --methods lists it');
  });
});

/** A record with Y = 1 and the given O per method (probability and logit alike). */
function record(file: string, O: Record<string, number>): ImageRecord {
  const methods: Record<string, MethodResult> = {};
  for (const [m, o] of Object.entries(O)) {
    methods[m] = { O_prob: o, O_logit: o, removedLogit: 1 - o, deletionAuc: null, insertionAuc: null, flat: false, mapSha: '0', timeMs: 1 };
  }
  return { file, label: 0, predicted: 0, target: 0, Y_prob: 1, Y_logit: 1, methods };
}

function view(methods: string[], records: ImageRecord[]): { text: string; best: boolean }[][] {
  const table = computeTable(records, methods, 'prob');
  const input = { settings: { methods }, table } as unknown as ReportInput;
  return metricRows(input).map((r) => r.cells);
}

describe('the random reference in the metric table', () => {
  // Random has the largest O on images 1 and 3 and the lowest Average Drop: counted, it would win and be best.
  const records = [
    record('1.png', { a: 0.5, b: 0.4, random: 0.9 }),
    record('2.png', { a: 0.3, b: 0.6, random: 0.1 }),
    record('3.png', { a: 0.7, b: 0.2, random: 0.8 }),
  ];

  it('leaves Win %, every number and every "best" of the other methods as they are without it (hand-derived)', () => {
    const withRef = computeTable(records, ['a', 'b', 'random'], 'prob');
    const without = computeTable(records, ['a', 'b'], 'prob');
    // By hand: a has the largest O among {a, b} on images 1 and 3, b on image 2; drops a = (0.5+0.7+0.3)/3, b = (0.6+0.8+0.4)/3.
    expect(without.rows.a.win_pct).toBeCloseTo(200 / 3, 12);
    expect(without.rows.b.win_pct).toBeCloseTo(100 / 3, 12);
    expect(without.rows.a.average_drop_pct).toBeCloseTo(50, 12);
    expect(without.rows.b.average_drop_pct).toBeCloseTo(60, 12);
    expect(withRef.rows.random.average_drop_pct).toBeCloseTo(40, 12);
    expect(withRef.rows.random.win_pct).toBeNull();
    for (const m of ['a', 'b']) expect(withRef.rows[m]).toEqual(without.rows[m]);
    expect(withRef.images).toBe(without.images);

    const cellsWith = view(['a', 'b', 'random'], records);
    const cellsWithout = view(['a', 'b'], records);
    expect(cellsWith.map((row) => row.slice(0, 2))).toEqual(cellsWithout);
    expect(cellsWith.every((row) => !row[2].best)).toBe(true);
    // Average Drop (lower is better): a is best, though random's 40.00 is lower.
    expect(cellsWith[0].map((c) => [c.text, c.best])).toEqual([['50.00', true], ['60.00', false], ['40.00', false]]);
  });
});

/** The paper-form table of report.html: per metric row, each cell's text and whether it is marked best. */
function htmlCells(html: string): Record<string, { text: string; best: boolean }[]> {
  const rows: Record<string, { text: string; best: boolean }[]> = {};
  const table = html.slice(html.indexOf('<table class="metrics">'), html.indexOf('</table>', html.indexOf('<table class="metrics">')));
  for (const m of table.matchAll(/<tr class="metric" data-metric="([^"]+)">(.*?)<\/tr>/g)) {
    rows[m[1]] = [...m[2].matchAll(/<td( class="([^"]*)")?>(?:<strong>)?([^<]*)/g)].map((c) => ({ text: c[3], best: /\bbest\b/.test(c[2] ?? '') }));
  }
  return rows;
}

describe('camscope evaluate with and without the reference', () => {
  let dir: string;
  const reports: Record<'ref' | 'bare', { json: { settings: { methods: string[] }; table: Record<string, Record<string, unknown>>; images: { methods: Record<string, unknown> }[] }; html: string }> = {} as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camscope-reference-'));
    const { dataset, labels } = demoSubset(dir, 12);
    const common = ['evaluate', '--model', demoModelPath(), '--dataset', dataset, '--labels', labels, '--methods', 'gradcam,gradcam++,layercam,scorecam++', '--steps', '2', '--figure', '0'];
    for (const [key, extra] of [['ref', []], ['bare', ['--no-reference']]] as const) {
      const c = capture();
      const out = join(dir, key);
      expect(await runCli([...common, ...extra, '--out', out], c.io), c.stderr()).toBe(0);
      // ScoreCAM++ reports progress within each image: the log still says once what the run evaluates.
      expect(c.stderr().match(/camscope: evaluating/g), c.stderr()).toHaveLength(1);
      reports[key] = { json: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), html: readFileSync(join(out, 'report.html'), 'utf8') };
    }
  }, 120_000);

  it('adds random by default; the other methods\' table, per-image values and paper-form cells are identical', () => {
    const { ref, bare } = reports;
    expect(ref.json.settings.methods).toEqual(['gradcam', 'gradcam++', 'layercam', 'scorecam++', 'random']);
    expect(bare.json.settings.methods).toEqual(['gradcam', 'gradcam++', 'layercam', 'scorecam++']);
    expect(ref.json.table.random.win_pct).toBeNull();
    expect(bare.json.table.random).toBeUndefined();
    for (const m of bare.json.settings.methods) expect(ref.json.table[m]).toEqual(bare.json.table[m]);
    expect(ref.json.images.length).toBe(12);
    ref.json.images.forEach((img, i) => {
      const { random, ...others } = img.methods;
      expect(random).toBeDefined();
      expect(JSON.stringify(others)).toBe(JSON.stringify(bare.json.images[i].methods));
    });
    const cellsRef = htmlCells(ref.html);
    const cellsBare = htmlCells(bare.html);
    expect(Object.keys(cellsRef)).toEqual(['average_drop_pct', 'increase_in_confidence_pct', 'win_pct', 'logit_drop', 'deletion_auc', 'insertion_auc']);
    for (const [metric, cells] of Object.entries(cellsRef)) {
      expect(cells).toHaveLength(5);
      expect(cells.slice(0, 4), metric).toEqual(cellsBare[metric]);
      expect(cells[4].best, metric).toBe(false);
    }
    expect(ref.html).toContain('(reference)');
  });

  it('leaves explain as it was: only the methods asked for', async () => {
    const c = capture();
    const out = join(dir, 'explain');
    expect(await runCli(['explain', '--model', demoModelPath(), '--methods', 'gradcam', '--out', out, join(demoImagesDir(), '000_ankle-boot.png')], c.io)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.settings.methods.map((m: { id: string }) => m.id)).toEqual(['gradcam']);
    expect(Object.keys(results.images[0].methods)).toEqual(['gradcam']);
  });

  it('refuses --no-reference with random named, and --no-reference on explain', async () => {
    const c = capture();
    expect(await runCli(['evaluate', '--model', demoModelPath(), '--dataset', demoImagesDir(), '--methods', 'gradcam,random', '--no-reference', '--out', join(dir, 'x')], c.io)).toBe(2);
    expect(c.stderr()).toContain('--no-reference leaves out the random reference, but --methods lists it; drop one of the two.');
    const e = capture();
    expect(await runCli(['explain', '--model', demoModelPath(), '--no-reference', '--out', join(dir, 'y'), demoImagesDir()], e.io)).toBe(2);
    expect(e.stderr()).toContain("Unknown option '--no-reference'");
  });
});
