/**
 * A verdict across metrics: each method's rank on each faithfulness metric (in that metric's direction), its median
 * rank, and sentences in plain words that say where the metrics agree and where they split — never one winner that
 * hides a split, ties always stated. Reference methods (the random baseline) are not ranked, but a method that does
 * worse than the reference on a metric is named.
 *
 * Values are compared as the report shows them (rounded to the metric's digits), so methods that look equal in
 * the table tie here too. Ranks are competition ranks: 1 + the number of methods strictly better.
 */
import { REFERENCE_METHODS } from '../metrics/table';
import type { MethodRow, MetricTable } from './types';

type NumericKey = { [K in keyof MethodRow]-?: NonNullable<MethodRow[K]> extends number ? K : never }[keyof MethodRow];

export interface VerdictMetric {
  key: NumericKey;
  /** The metric as a sentence names it, e.g. "Average Drop". */
  name: string;
  better: 'higher' | 'lower';
  digits: number;
}

export interface Verdict {
  /** The metrics that were ranked (two or more methods with a value), in the order given. */
  ranked: VerdictMetric[];
  /** Metrics left out: fewer than two methods have a value. */
  unranked: VerdictMetric[];
  /** Per method id (reference methods excluded), its rank on each ranked metric (absent where it has no value). */
  ranks: Record<string, Partial<Record<NumericKey, number>>>;
  /** Median of the method's ranks (null when it has none). */
  median: Record<string, number | null>;
  /** Per ranked metric, the methods ranked first (several on a tie). */
  best: Partial<Record<NumericKey, string[]>>;
  sentences: string[];
}

function shown(v: number | null | undefined, digits: number): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits));
}

function median(v: number[]): number | null {
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** "A", "A and B", "A, B and C". */
export function listWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function computeVerdict(table: MetricTable, metrics: readonly VerdictMetric[], name: (id: string) => string = (id) => id): Verdict {
  const methods = table.methods.filter((m) => !REFERENCE_METHODS.includes(m) && table.rows[m]);
  const references = table.methods.filter((m) => REFERENCE_METHODS.includes(m) && table.rows[m]);
  const ranks: Verdict['ranks'] = Object.fromEntries(methods.map((m) => [m, {}]));
  const best: Verdict['best'] = {};
  const ranked: VerdictMetric[] = [];
  const unranked: VerdictMetric[] = [];
  const worseThanReference: Worse[] = [];
  for (const metric of metrics) {
    const sign = metric.better === 'higher' ? -1 : 1; // smaller signed value = better
    const values = methods.map((m) => shown(table.rows[m][metric.key], metric.digits));
    const present = values.filter((v): v is number => v !== null);
    if (present.length < 2) {
      unranked.push(metric);
      continue;
    }
    ranked.push(metric);
    methods.forEach((m, i) => {
      const v = values[i];
      if (v === null) return;
      ranks[m][metric.key] = 1 + present.filter((w) => sign * w < sign * v).length;
    });
    best[metric.key] = methods.filter((m) => ranks[m][metric.key] === 1);
    for (const ref of references) {
      const r = shown(table.rows[ref][metric.key], metric.digits);
      if (r === null) continue;
      methods.forEach((m, i) => {
        if (values[i] !== null && sign * values[i]! > sign * r) worseThanReference.push({ method: m, reference: ref, metric });
      });
    }
  }
  const medians: Verdict['median'] = Object.fromEntries(methods.map((m) => [m, median(Object.values(ranks[m]) as number[])]));
  return { ranked, unranked, ranks, median: medians, best, sentences: sentences(methods, ranked, unranked, ranks, medians, best, worseThanReference, name) };
}

/** A method whose value on a metric is worse than a reference method's. */
interface Worse {
  method: string;
  reference: string;
  metric: VerdictMetric;
}

function sentences(
  methods: string[], ranked: VerdictMetric[], unranked: VerdictMetric[], ranks: Verdict['ranks'], medians: Verdict['median'],
  best: Verdict['best'], worse: Worse[], name: (id: string) => string,
): string[] {
  if (methods.length < 2) {
    return [methods.length === 1
      ? `Only ${name(methods[0])} was evaluated (besides any reference), so there is no comparison across methods.`
      : 'No method was evaluated besides the reference, so there is no verdict.'];
  }
  if (ranked.length === 0) return ['No metric has values for two or more methods, so there is no verdict.'];
  const out: string[] = [];
  const N = ranked.length;
  const bestOf = (m: string): VerdictMetric[] => ranked.filter((x) => best[x.key]!.includes(m));
  const wins = methods.map((m) => bestOf(m).length);
  const top = Math.max(...wins);
  const leaders = methods.filter((_, i) => wins[i] === top);
  const names = (ids: readonly string[]): string => listWords(ids.map(name));
  const metricNames = (ms: readonly VerdictMetric[]): string => listWords(ms.map((x) => x.name));
  const bestThere = (x: VerdictMetric): string => {
    const b = best[x.key]!;
    return b.length > 1 ? `${names(b)}, tied` : name(b[0]);
  };

  if (leaders.length === 1) {
    const leader = leaders[0];
    const others = ranked.filter((x) => !best[x.key]!.includes(leader));
    if (others.length === 0) {
      out.push(`${name(leader)} is best on ${N === 1 ? 'the one metric ranked' : N === 2 ? 'both metrics' : `all ${N} metrics`}.`);
    } else {
      // The disagreeing metrics, grouped by who is best there (in metric order).
      const groups = new Map<string, VerdictMetric[]>();
      for (const x of others) groups.set(bestThere(x), [...(groups.get(bestThere(x)) ?? []), x]);
      const parts = [...groups].map(([who, ms]) => `${metricNames(ms)} ${ms.length === 1 ? 'disagrees' : 'disagree'} (best there: ${who})`);
      out.push(`${name(leader)} is best on ${top} of ${N} metrics; ${listWords(parts)}.`);
    }
  } else {
    out.push(`No method leads on its own: ${names(leaders)} are each best on ${N === 1 ? 'the one metric ranked' : `${top} of ${N} metrics`}.`);
    out.push(`Best per metric: ${ranked.map((x) => `${x.name}: ${bestThere(x)}`).join('; ')}.`);
  }

  const ties = ranked.filter((x) => best[x.key]!.length > 1);
  if (ties.length && leaders.length === 1) {
    out.push(`Tied for best: ${ties.map((x) => `${x.name} (${names(best[x.key]!)})`).join('; ')}.`);
  }

  const order = [...methods].sort((a, b) => (medians[a] ?? Infinity) - (medians[b] ?? Infinity) || methods.indexOf(a) - methods.indexOf(b));
  const fmt = (v: number | null): string => (v === null ? 'none' : Number.isInteger(v) ? String(v) : v.toFixed(1));
  out.push(`Median rank over the ${N === 1 ? 'one metric' : `${N} metrics`} (1 = best): ${order.map((m) => {
    const n = Object.keys(ranks[m]).length;
    return `${name(m)} ${fmt(medians[m])}${n < N ? ` (ranked on ${n})` : ''}`;
  }).join(', ')}.`);
  const lowest = medians[order[0]];
  const firstByMedian = methods.filter((m) => medians[m] === lowest);
  if (leaders.length === 1 && !firstByMedian.includes(leaders[0])) {
    out.push(`By median rank ${names(firstByMedian)} ${firstByMedian.length === 1 ? 'comes' : 'come'} first, although ${name(leaders[0])} is best on more metrics.`);
  }

  for (const ref of new Set(worse.map((w) => w.reference))) {
    const byMethod = new Map<string, VerdictMetric[]>();
    for (const w of worse) if (w.reference === ref) byMethod.set(w.method, [...(byMethod.get(w.method) ?? []), w.metric]);
    out.push(`Worse than the reference ${name(ref)}: ${[...byMethod].map(([m, ms]) => `${name(m)} on ${metricNames(ms)}`).join('; ')}.`);
  }
  if (unranked.length) out.push(`Not ranked (fewer than two methods have a value): ${metricNames(unranked)}.`);
  return out;
}
