/**
 * Merging a sharded evaluation (see ./shard): the project files of its N shards are checked to hold one run — the
 * same settings in everything but the shard index (model fingerprint, layer, preprocessing, methods, score, curve
 * steps, precision, provider, camscope version, dataset root and labels, sample size and seed, and the sample's
 * digest, which stands for the dataset's identity), every shard 0…N−1 present once and complete — and their records
 * are put back in the run's order (image k of shard I is image k·N + I of the run). The table is computed from them
 * exactly as an unsharded run computes it from its own records, so it is the same to the last digit.
 *
 * Anything missing or inconsistent is refused with one line per problem, naming the shards and their files.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CamscopeError } from '../errors';
import { withLocalization } from '../metrics/localization/evaluation';
import { computeTable } from '../metrics/table';
import { ProjectDb } from './project-db';
import { isCorrect } from './run';
import { withScoreFree } from './score-free';
import { runPosition, shardLabel, shardSize } from './shard';
import type { EvaluationSettings, ImageRecord, MetricTable, RunOutcome } from './types';

type ImageRow = ReturnType<ProjectDb['images']>[number];

/** One shard as read from its project file. */
export interface ShardRun {
  /** The project file (as given). */
  project: string;
  evalId: number;
  settings: EvaluationSettings & { shard: NonNullable<EvaluationSettings['shard']> };
  status: 'running' | 'complete' | 'cancelled';
  elapsedSeconds: number;
  rows: ImageRow[];
}

/**
 * The union of the shards as one run: `settings` as an unsharded run records them (no shard, started when the first
 * shard started), every image's record in the run's order, and the shards' computing times added up.
 */
export interface MergedRun extends RunOutcome {
  shards: number;
}

/** Reads every sharded evaluation in these project files (a file may hold several shards). Nothing is written to them. */
export function readShards(projects: string[]): ShardRun[] {
  const out: ShardRun[] = [];
  for (const project of projects) {
    // Opening a missing file would create an empty project: refuse it first.
    if (!existsSync(project)) throw new CamscopeError('INVALID_ARGUMENT', `The project file ${project} does not exist; give the project file of each shard (the --project of its evaluate command).`);
    if (statSync(project).isDirectory()) throw new CamscopeError('INVALID_ARGUMENT', `${project} is a folder, not a project file; give the project file of each shard.`);
    const db = new ProjectDb(project);
    try {
      const runs = db.evaluations().filter((e) => e.settings.shard);
      if (runs.length === 0) {
        throw new CamscopeError('INVALID_ARGUMENT', `The project file ${project} holds no shard of a sharded evaluation (evaluate with --shard I/N writes one).`);
      }
      for (const e of runs) {
        out.push({ project, evalId: e.id, settings: e.settings as ShardRun['settings'], status: e.status, elapsedSeconds: e.elapsedSeconds, rows: db.images(e.id) });
      }
    } finally {
      db.close();
    }
  }
  return out;
}

/** Where two values differ, as dotted paths (e.g. `methods`, `preprocessing.mean`), with both values. */
export function settingDifferences(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown }[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => settingDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, a, b }];
}

/** The settings that must be equal across the shards of one run: all but the start time and the shard index. */
function comparable(s: ShardRun['settings']): unknown {
  const { created: _created, shard, ...rest } = s;
  return { ...rest, shard: { count: shard.count, images: shard.images, sample: shard.sample } };
}

const FIELD_NAMES: Record<string, string> = {
  'model.fingerprint': 'model fingerprint',
  'model.path': 'model file',
  'layer.name': 'layer',
  'dataset.root': 'dataset folder',
  'dataset.labels': 'labels file',
  'dataset.total': 'number of images in the dataset',
  'sample.size': 'sample size',
  'sample.seed': 'sample seed',
  'shard.count': 'number of shards',
  'shard.images': 'number of images in the run',
  'shard.sample': 'sample (the dataset it was drawn from differs)',
  camscope: 'camscope version',
  'provider.used': 'execution provider used',
  'provider.requested': 'execution provider requested',
  curveSteps: 'curve steps',
};

function show(v: unknown): string {
  const text = v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function who(s: ShardRun): string {
  return `shard ${shardLabel(s.settings.shard)} (${basename(s.project)})`;
}

/**
 * Checks that the shards form one complete run and merges them; throws one error listing every problem (missing,
 * duplicate or incomplete shards, shards of different runs and how they differ) otherwise.
 */
export function mergeShards(shards: ShardRun[]): MergedRun {
  if (shards.length === 0) throw new CamscopeError('INVALID_ARGUMENT', 'Give the project files of the shards to merge.');
  const problems: string[] = [];
  // By index; shards of one index stay in the order given (sort is stable), so messages name the files in that order.
  const sorted = [...shards].sort((a, b) => a.settings.shard.index - b.settings.shard.index);
  const ref = sorted[0];
  const count = ref.settings.shard.count;

  // One run: every setting but the start time and the index equal.
  for (const s of sorted.slice(1)) {
    const diffs = settingDifferences(comparable(ref.settings), comparable(s.settings));
    if (diffs.length) {
      const what = diffs.slice(0, 6).map((d) => `${FIELD_NAMES[d.path] ?? d.path} (${show(d.b)} vs ${show(d.a)})`).join(', ');
      problems.push(`${who(s)} is not a shard of the same run as ${who(ref)}: it differs in ${what}${diffs.length > 6 ? ` and ${diffs.length - 6} more setting(s)` : ''}`);
    }
  }
  if (problems.length) throw mergeError(shards, problems);

  // Every shard once.
  const byIndex = new Map<number, ShardRun[]>();
  for (const s of sorted) byIndex.set(s.settings.shard.index, [...(byIndex.get(s.settings.shard.index) ?? []), s]);
  for (const [index, list] of byIndex) {
    if (list.length > 1) problems.push(`shard ${index}/${count} is given twice: ${list.map((s) => `${basename(s.project)}${list.filter((t) => t.project === s.project).length > 1 ? ` (evaluation ${s.evalId})` : ''}`).join(' and ')}`);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    const shown = missing.slice(0, 20).map((i) => `${i}/${count}`).join(', ');
    problems.push(`${missing.length === 1 ? `shard ${shown} is` : `shards ${shown}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''} are`} missing: no project file given holds ${missing.length === 1 ? 'it' : 'them'}`);
  }

  // Every shard complete, with each of its images once.
  const total = ref.settings.shard.images;
  for (const s of sorted) {
    const expected = shardSize(total, s.settings.shard);
    const positions = new Set(s.rows.map((r) => r.idx));
    const complete = s.rows.length === expected && positions.size === expected && s.rows.every((r) => r.idx >= 0 && r.idx < expected);
    if (s.status !== 'complete' || !complete) {
      problems.push(`${who(s)} is incomplete: ${s.rows.length} of its ${expected} images done${s.status !== 'complete' ? ` (it was ${s.status === 'running' ? 'stopped while running' : 'cancelled'})` : ''}; run its task again — it resumes where it stopped`);
    }
  }
  if (problems.length) throw mergeError(shards, problems);

  // Each image in one shard only (the digest makes this so unless a project was tampered with).
  const owner = new Map<string, ShardRun>();
  const slots: (ImageRow | undefined)[] = new Array(total);
  for (const s of sorted) {
    for (const row of s.rows) {
      const other = owner.get(row.file);
      if (other) problems.push(`image ${row.file} is in both ${who(other)} and ${who(s)}`);
      owner.set(row.file, s);
      slots[runPosition(row.idx, s.settings.shard)] = row;
    }
  }
  if (problems.length) throw mergeError(shards, problems);

  const rows = slots as ImageRow[];
  const records = rows.flatMap((r) => (r.record ? [r.record] : []));
  const failed = rows.flatMap((r) => (r.error !== null ? [{ file: r.file, message: r.error }] : []));
  const labelled = records.filter((r) => r.label !== null);
  const { shard: _shard, ...settings } = ref.settings;
  settings.created = sorted.map((s) => s.settings.created).sort()[0];
  return {
    settings,
    records,
    failed,
    // Computed exactly as runEvaluation computes an unsharded run's table.
    table: withScoreFree(withLocalization(computeTable(records, settings.methods, settings.score), records), records),
    accuracy: labelled.length ? { correct: labelled.filter(isCorrect).length, labelled: labelled.length } : null,
    elapsedSeconds: sorted.reduce((sum, s) => sum + s.elapsedSeconds, 0),
    shards: count,
  };
}

function mergeError(shards: ShardRun[], problems: string[]): CamscopeError {
  const files = [...new Set(shards.map((s) => resolve(s.project)))].length;
  return new CamscopeError('INVALID_ARGUMENT', `Cannot merge the ${files} project file(s) into one report:\n${problems.map((p) => `  - ${p}.`).join('\n')}`);
}
