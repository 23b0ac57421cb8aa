// The app's evaluation with ROAD on, through the real engine process (src/main/workbench/worker.ts under tsx, as the
// web bridge runs it): the request's `road` reaches the run, the detail carries ROAD and complexity rows, and its
// verdict is the engine's verdict function on the same table.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost, forkedEngine } from '../../../src/main/engine-host/host';
import { computeVerdict } from '../../../src/main/engine/evaluate/verdict';
import { methodDisplayNames } from '../../../src/main/engine/methods/registry';
import { COMPLEXITY_METRICS, METRICS, ROAD_METRICS } from '../../../src/main/engine/report';
import { channels, type EvaluationDetail } from '../../../src/shared/api';
import type { EngineOps } from '../../../src/main/workbench/ops';

const entry = fileURLToPath(new URL('../../../src/main/workbench/worker.ts', import.meta.url));
const demoModel = fileURLToPath(new URL('../../../resources/demo/fashion-cnn.onnx', import.meta.url));
const METHODS = ['gradcam', 'layercam'];
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('evaluation:run validates road', () => {
  const base = { jobId: 'ev-1', methods: ['gradcam'], sample: 4, seed: 0, score: 'prob' };
  it('accepts true, false or absent and refuses anything else, naming the field', () => {
    expect(channels['evaluation:run'].request({ ...base, road: true })).toMatchObject({ road: true });
    expect(channels['evaluation:run'].request({ ...base, road: false })).toMatchObject({ road: false });
    expect(channels['evaluation:run'].request(base)).not.toHaveProperty('road');
    expect(() => channels['evaluation:run'].request({ ...base, road: 'yes' })).toThrow(/road/);
  });
});

describe.skipIf(!existsSync(demoModel))('the app evaluation with ROAD on the demo', () => {
  const host = new EngineHost<EngineOps>({ spawn: forkedEngine(entry, { execArgv: ['--import', 'tsx'] }) });
  const tmp = mkdtempSync(join(tmpdir(), 'camscope-eval-road-'));
  let withRoad: EvaluationDetail;
  let without: EvaluationDetail;

  beforeAll(async () => {
    await host.call('openProject', { path: join(tmp, 'p.camscope') });
    const paths = await host.call('demoPaths', {});
    await host.call('loadModel', { path: paths.model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
    await host.call('openDataset', { root: paths.images });
    const run = async (road: boolean | undefined): Promise<EvaluationDetail> => {
      const s = await host.call('evaluate', { methods: METHODS, sample: 4, seed: 3, score: 'prob', ...(road === undefined ? {} : { road }) }, { onPartial: () => {} });
      return host.call('getEvaluation', { id: s.id });
    };
    without = await run(undefined);
    withRoad = await run(true);
  }, 120_000);
  afterAll(async () => {
    await host.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is a run of its own (not a resume of the run without ROAD) on the same images', () => {
    expect(withRoad.id).not.toBe(without.id);
    expect(withRoad.settings.road?.fractions).toHaveLength(9);
    expect(without.settings.road).toBeUndefined();
    expect(withRoad.records.map((r) => r.file)).toEqual(without.records.map((r) => r.file));
    expect(withRoad.images).toBe(4);
  });

  it('records 9 MoRF and 9 LeRF probabilities per image and method; the rows are their means', () => {
    for (const m of METHODS) {
      const curves = withRoad.records.map((r) => r.methods[m].road!);
      for (const c of curves) {
        expect(c.morf).toHaveLength(9);
        expect(c.lerf).toHaveLength(9);
        for (const p of [...c.morf, ...c.lerf]) expect(p).toBeGreaterThanOrEqual(0), expect(p).toBeLessThanOrEqual(1);
      }
      const morf = mean(curves.map((c) => mean(c.morf)));
      const lerf = mean(curves.map((c) => mean(c.lerf)));
      const row = withRoad.table.rows[m];
      expect(row.road_morf).toBeCloseTo(morf, 12);
      expect(row.road_lerf).toBeCloseTo(lerf, 12);
      expect(row.road_combined).toBeCloseTo((lerf - morf) / 2, 12);
      // ROAD adds rows; it changes none of the others.
      expect(row.average_drop_pct).toBe(without.table.rows[m].average_drop_pct);
      expect(row.sparseness).toBe(without.table.rows[m].sparseness);
      expect(without.table.rows[m].road_morf).toBeUndefined();
    }
    expect(withRoad.roadMetrics.map((r) => [r.key, r.better])).toEqual([['road_morf', 'lower'], ['road_lerf', 'higher'], ['road_combined', 'higher']]);
    expect(without.roadMetrics).toEqual([]);
  });

  it('carries the complexity block in both runs', () => {
    for (const d of [withRoad, without]) {
      expect(d.complexityMetrics.map((r) => r.key)).toEqual(COMPLEXITY_METRICS.map((r) => r.key));
      expect(d.complexityNote).toMatch(/not whether it is faithful/);
      for (const m of METHODS) expect(d.table.rows[m].sparseness).toEqual(expect.any(Number));
    }
  });

  it('gives the engine verdict on the same table, ROAD ranked once (by its combined score)', () => {
    const ranked = [...METRICS, ...ROAD_METRICS.filter((r) => r.key === 'road_combined')]
      .map((x) => ({ key: x.key, name: x.short ?? x.label, better: x.better, digits: x.digits }));
    const names = methodDisplayNames();
    expect(withRoad.verdict).toEqual(computeVerdict(withRoad.table, ranked, (id) => names[id] ?? id));
    expect(without.verdict).toEqual(computeVerdict(without.table, ranked.slice(0, METRICS.length), (id) => names[id] ?? id));
    expect(withRoad.verdict.sentences.join(' ')).toMatch(/Median rank over the/);
    expect(withRoad.verdict.sentences.join(' ')).toContain('Grad-CAM');
  });

  it('ranks by hand: competition ranks on the shown values, the median over the metrics', () => {
    const [a, b] = METHODS;
    const metrics = [...METRICS, ...ROAD_METRICS.filter((r) => r.key === 'road_combined')];
    const ranks: Record<string, number[]> = { [a]: [], [b]: [] };
    for (const x of metrics) {
      const shown = (m: string): number => Number((withRoad.table.rows[m][x.key] as number).toFixed(x.digits));
      const sign = x.better === 'higher' ? -1 : 1;
      ranks[a].push(sign * shown(b) < sign * shown(a) ? 2 : 1);
      ranks[b].push(sign * shown(a) < sign * shown(b) ? 2 : 1);
    }
    for (const m of METHODS) {
      const s = [...ranks[m]].sort((x, y) => x - y);
      expect(withRoad.verdict.median[m]).toBe(s[(s.length - 1) / 2]); // 7 metrics: the middle one
      expect(metrics.map((x) => withRoad.verdict.ranks[m][x.key])).toEqual(ranks[m]);
    }
  });
});
