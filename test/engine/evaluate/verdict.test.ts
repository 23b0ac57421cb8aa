/** The verdict across metrics on hand-made tables: ranks in each metric's direction, median ranks, sentences. */
import { describe, expect, it } from 'vitest';
import { computeVerdict, listWords, type VerdictMetric } from '../../../src/main/engine/evaluate/verdict';
import type { MethodRow, MetricTable } from '../../../src/main/engine/evaluate/types';
import { verdictMetrics } from '../../../src/main/engine/report/format';
import { reportInput } from '../report/fixture';

const NAMES: Record<string, string> = { gradcam: 'Grad-CAM', layercam: 'LayerCAM', 'scorecam++': 'ScoreCAM++', random: 'Random', a: 'A', b: 'B', c: 'C' };
const name = (id: string): string => NAMES[id] ?? id;

const base: MethodRow = {
  average_drop_pct: null, increase_in_confidence_pct: null, win_pct: null, logit_drop: null, deletion_auc: null, insertion_auc: null,
  images: 4, excluded_nonpositive_Y: 0, flat_maps: 0,
};

function table(rows: Record<string, Partial<MethodRow>>): MetricTable {
  return { score: 'prob', methods: Object.keys(rows), images: 4, rows: Object.fromEntries(Object.entries(rows).map(([id, r]) => [id, { ...base, ...r }])) };
}

/** The report's metric list for a run with ROAD (the directions under test). */
const withRoad = verdictMetrics(reportInput({
  table: { ...reportInput().table, rows: Object.fromEntries(Object.entries(reportInput().table.rows).map(([id, r]) => [id, { ...r, road_morf: 0.3, road_lerf: 0.6, road_combined: 0.15 }])) },
}));

describe('the verdict’s metrics', () => {
  it('rank each metric in its direction, and ROAD by its combined score only', () => {
    expect(withRoad.map((m) => [m.key, m.better])).toEqual([
      ['average_drop_pct', 'lower'], ['increase_in_confidence_pct', 'higher'], ['win_pct', 'higher'], ['logit_drop', 'higher'],
      ['deletion_auc', 'lower'], ['insertion_auc', 'higher'], ['road_combined', 'higher'],
    ]);
    // Without ROAD in the run, the six paper metrics.
    expect(verdictMetrics(reportInput()).map((m) => m.key)).not.toContain('road_combined');
  });
});

describe('computeVerdict', () => {
  // ScoreCAM++ best on AD, IC, Win, logit drop and (tied with LayerCAM) insertion; Grad-CAM on deletion and ROAD.
  const split = table({
    gradcam: { average_drop_pct: 5, increase_in_confidence_pct: 40, win_pct: 10, logit_drop: 1, deletion_auc: 0.1, insertion_auc: 0.5, road_combined: 0.2 },
    layercam: { average_drop_pct: 4, increase_in_confidence_pct: 45, win_pct: 20, logit_drop: 1.5, deletion_auc: 0.2, insertion_auc: 0.6, road_combined: 0.1 },
    'scorecam++': { average_drop_pct: 3, increase_in_confidence_pct: 50, win_pct: 70, logit_drop: 2, deletion_auc: 0.3, insertion_auc: 0.6, road_combined: 0.05 },
    random: { average_drop_pct: 50, increase_in_confidence_pct: 42, win_pct: null, logit_drop: 0.1, deletion_auc: 0.5, insertion_auc: 0.1, road_combined: 0 },
  });

  it('ranks with competition ranks in each direction, leaves the reference out, takes medians', () => {
    const v = computeVerdict(split, withRoad, name);
    expect(Object.keys(v.ranks)).toEqual(['gradcam', 'layercam', 'scorecam++']);
    expect(v.ranks.gradcam).toEqual({ average_drop_pct: 3, increase_in_confidence_pct: 3, win_pct: 3, logit_drop: 3, deletion_auc: 1, insertion_auc: 3, road_combined: 1 });
    expect(v.ranks.layercam).toEqual({ average_drop_pct: 2, increase_in_confidence_pct: 2, win_pct: 2, logit_drop: 2, deletion_auc: 2, insertion_auc: 1, road_combined: 2 });
    expect(v.ranks['scorecam++']).toEqual({ average_drop_pct: 1, increase_in_confidence_pct: 1, win_pct: 1, logit_drop: 1, deletion_auc: 3, insertion_auc: 1, road_combined: 3 });
    expect(v.median).toEqual({ gradcam: 3, layercam: 2, 'scorecam++': 1 });
    expect(v.best.insertion_auc).toEqual(['layercam', 'scorecam++']);
  });

  it('names the split, the tie, the median ranks and who does worse than the reference', () => {
    expect(computeVerdict(split, withRoad, name).sentences).toEqual([
      'ScoreCAM++ is best on 5 of 7 metrics; Deletion AUC and ROAD disagree (best there: Grad-CAM).',
      'Tied for best: Insertion AUC (LayerCAM and ScoreCAM++).',
      'Median rank over the 7 metrics (1 = best): ScoreCAM++ 1, LayerCAM 2, Grad-CAM 3.',
      'Worse than the reference Random: Grad-CAM on Increase in Confidence.',
    ]);
  });

  it('groups disagreeing metrics by who is best there, ties included', () => {
    const t = table({
      a: { average_drop_pct: 1, increase_in_confidence_pct: 9, win_pct: 9, logit_drop: 1, deletion_auc: 0.5 },
      b: { average_drop_pct: 2, increase_in_confidence_pct: 8, win_pct: 5, logit_drop: 3, deletion_auc: 0.1 },
      c: { average_drop_pct: 3, increase_in_confidence_pct: 7, win_pct: 4, logit_drop: 3, deletion_auc: 0.3 },
    });
    expect(computeVerdict(t, withRoad, name).sentences[0]).toBe(
      'A is best on 3 of 5 metrics; Logit drop disagrees (best there: B and C, tied) and Deletion AUC disagrees (best there: B).',
    );
  });

  it('says when no method leads on its own, and lists the best of every metric', () => {
    const t = table({
      a: { average_drop_pct: 1, increase_in_confidence_pct: 60, win_pct: 40, logit_drop: 2 },
      b: { average_drop_pct: 2, increase_in_confidence_pct: 70, win_pct: 60, logit_drop: 1 },
    });
    expect(computeVerdict(t, withRoad, name).sentences).toEqual([
      'No method leads on its own: A and B are each best on 2 of 4 metrics.',
      'Best per metric: Average Drop: A; Increase in Confidence: B; Win %: B; Logit drop: A.',
      'Median rank over the 4 metrics (1 = best): A 1.5, B 1.5.',
      'Not ranked (fewer than two methods have a value): Deletion AUC, Insertion AUC and ROAD.',
    ]);
  });

  it('compares values as shown: equal after rounding is a tie, and the next rank skips', () => {
    const metric: VerdictMetric[] = [{ key: 'deletion_auc', name: 'Deletion AUC', better: 'lower', digits: 4 }];
    const v = computeVerdict(table({ a: { deletion_auc: 0.12344 }, b: { deletion_auc: 0.12341 }, c: { deletion_auc: 0.2 } }), metric, name);
    expect([v.ranks.a.deletion_auc, v.ranks.b.deletion_auc, v.ranks.c.deletion_auc]).toEqual([1, 1, 3]);
    expect(v.sentences[0]).toBe('No method leads on its own: A and B are each best on the one metric ranked.');
  });

  it('says when the median rank disagrees with the count of bests', () => {
    // A is best on 3 of 7 but last on the other 4; B and C split those and rank second or better more often.
    const higher = (key: VerdictMetric['key']): VerdictMetric => ({ key, name: key, better: 'higher', digits: 2 });
    const metrics = (['average_drop_pct', 'increase_in_confidence_pct', 'win_pct', 'logit_drop', 'deletion_auc', 'insertion_auc', 'road_combined'] as const).map(higher);
    const t = table({
      a: { average_drop_pct: 3, increase_in_confidence_pct: 3, win_pct: 3, logit_drop: 1, deletion_auc: 1, insertion_auc: 1, road_combined: 1 },
      b: { average_drop_pct: 2, increase_in_confidence_pct: 2, win_pct: 2, logit_drop: 3, deletion_auc: 3, insertion_auc: 2, road_combined: 2 },
      c: { average_drop_pct: 1, increase_in_confidence_pct: 1, win_pct: 1, logit_drop: 2, deletion_auc: 2, insertion_auc: 3, road_combined: 3 },
    });
    const v = computeVerdict(t, metrics, name);
    expect(v.median).toEqual({ a: 3, b: 2, c: 2 });
    expect(v.sentences).toContain('By median rank B and C come first, although A is best on more metrics.');
  });

  it('counts a method without a value on a metric as unranked there, and says so', () => {
    const t = table({ a: { average_drop_pct: 1, win_pct: 50 }, b: { average_drop_pct: 2, win_pct: 50 }, c: { average_drop_pct: 3 } });
    const v = computeVerdict(t, withRoad.slice(0, 3), name);
    expect(v.ranks.c).toEqual({ average_drop_pct: 3 });
    expect(v.sentences).toEqual([
      'A is best on both metrics.',
      'Tied for best: Win % (A and B).',
      'Median rank over the 2 metrics (1 = best): A 1, B 1.5, C 3 (ranked on 1).',
      'Not ranked (fewer than two methods have a value): Increase in Confidence.',
    ]);
  });

  it('has nothing to compare with one method', () => {
    expect(computeVerdict(table({ gradcam: { average_drop_pct: 1 }, random: { average_drop_pct: 9 } }), withRoad, name).sentences).toEqual([
      'Only Grad-CAM was evaluated (besides any reference), so there is no comparison across methods.',
    ]);
  });

  it('lists words in plain English', () => {
    expect([listWords([]), listWords(['a']), listWords(['a', 'b']), listWords(['a', 'b', 'c'])]).toEqual(['', 'a', 'a and b', 'a, b and c']);
  });
});
