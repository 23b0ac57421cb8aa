/**
 * Cluster commands of the CLI: `merge` (the reports of a sharded evaluation, from its shards' project files) and the
 * job generators `slurm` (an sbatch array script, one shard per array task, plus a merge job that depends on it)
 * and `k8s` (a Kubernetes Indexed Job, one shard per completion index, plus a merge Job). The generated jobs run this
 * checkout's camscope by absolute path and read the model and the dataset in place: nothing is copied per task.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Classifier, CamscopeError, parseMethodList } from '../engine';
import { mergeShards, readShards } from '../engine/evaluate/merge';
import { MAX_SHARDS } from '../engine/evaluate/shard';
import type { ImageRecord } from '../engine/evaluate/types';
import { COLORMAPS, type ColormapName } from '../engine/image/colormap';
import { methodDisplayNames } from '../engine/methods/registry';
import { writeReports } from '../engine/report';
import { RUN_OPTIONS } from './common';
import { evaluateArgs, figureRows, UsageError, type CliIo, type EvaluateArgs } from './run';

// ---------------------------------------------------------------------------------------------------------------
// merge

const MERGE_OPTIONS = {
  out: { type: 'string' },
  figure: { type: 'string' },
  model: { type: 'string' },
  ep: { type: 'string' },
  batch: { type: 'string' },
  colormap: { type: 'string' },
} as const;

function wholeNumber(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}".`);
  return n;
}

/**
 * `camscope merge --out DIR [--figure 4] [--model M.onnx] [--ep …] [--batch N] [--colormap …] PROJECT...`: checks
 * that the projects hold every shard of one run once, each complete, and writes the run's reports into DIR — the
 * same reports an unsharded evaluation writes (the figure explains its first images again, with the run's model).
 */
export async function mergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: MERGE_OPTIONS, allowPositionals: true, strict: true });
  if (!values.out) throw new UsageError('--out is required.');
  if (positionals.length === 0) throw new UsageError('Name the project file of every shard to merge.');
  const figure = wholeNumber('figure', values.figure, 4, 0, 100);
  const batch = values.batch === undefined ? undefined : wholeNumber('batch', values.batch, 32, 1, 4096);
  const colormap = (values.colormap ?? 'jet') as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);

  const merged = mergeShards(readShards(positionals));
  const { settings } = merged;
  io.stderr.write(`camscope: merging ${merged.shards} shard(s): ${merged.records.length} image(s) evaluated, ${merged.failed.length} failed\n`);

  let figureData: Awaited<ReturnType<typeof figureRows>> = [];
  if (figure > 0 && merged.records.length > 0) {
    // The figure's maps are not stored: its images are explained again, as the unsharded run does at its end.
    const model = values.model ?? settings.model.path;
    const ep = (values.ep ?? settings.provider.requested) as EvaluateArgs['ep'];
    const classifier = await Classifier.load(model, { ep, precision: settings.precision ?? 'fp32', layer: settings.layer.name });
    try {
      if (classifier.inspection.fingerprint !== settings.model.fingerprint) {
        throw new CamscopeError('INVALID_ARGUMENT', `The model ${model} is not the one the shards evaluated (its fingerprint differs); give that model with --model, or --figure 0 for no figure.`);
      }
      // The figure shows the first images of the run that have a result, as an unsharded run's figure does.
      const first = merged.records.slice(0, figure);
      const items = first.map((r: ImageRecord) => ({ file: r.file, path: join(settings.dataset.root, r.file), label: r.label, labelName: null }));
      figureData = await figureRows({ items, records: first, settings }, { figure, batch, colormap }, classifier);
    } finally {
      await classifier.release();
    }
  }
  const methodNames = methodDisplayNames();
  for (const m of parseMethodList(settings.methods.join(','))) methodNames[m.id] ??= m.displayName;
  const files = await writeReports(values.out, {
    settings, table: merged.table, accuracy: merged.accuracy, failed: merged.failed, records: merged.records,
    elapsedSeconds: merged.elapsedSeconds, methodNames, figure: figureData,
  });
  for (const f of merged.failed) io.stderr.write(`error: ${f.file}: ${f.message}\n`);
  io.stdout.write(`${merged.records.length} image(s) from ${merged.shards} shard(s) merged (${merged.failed.length} failed); reports: ${files.map((f) => basename(f)).join(', ')} in ${resolve(values.out)}\n`);
  return merged.failed.length ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// job generators

/** Single-quotes a word for sh/bash where needed. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The root of this checkout (the folder with camscope's package.json), from this module's location. */
function checkoutRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'camscope.js'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new CamscopeError('INVALID_ARGUMENT', 'Cannot find the camscope checkout this command runs from; give the command that runs camscope on the nodes with --camscope.');
    dir = up;
  }
}

/**
 * How the jobs run camscope: this Node by absolute path with this checkout — its TypeScript sources through tsx when
 * this process runs from them, else bin/camscope.js (the built CLI).
 */
export function defaultCamscopeCommand(): string[] {
  const root = checkoutRoot();
  if (fileURLToPath(import.meta.url).endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return [process.execPath, '--import', tsx, join(root, 'src', 'main', 'cli', 'main.ts')];
  }
  return [process.execPath, join(root, 'bin', 'camscope.js')];
}

export interface ClusterJob {
  /** Evaluate arguments (absolute paths), without --shard, --project, --out and --figure. */
  evaluate: string[];
  shards: number;
  out: string;
  camscope: string;
  figure: number;
  colormap: string;
  ep: string;
  gpusPerTask: number;
  cpusPerTask: number;
  mem?: string;
  time?: string;
  mergeTime?: string;
  jobName: string;
}

export interface SlurmJob extends ClusterJob {
  partition?: string;
  account?: string;
  /** Extra `#SBATCH` options for both scripts, e.g. "--constraint=a100". */
  sbatch: string[];
}

export interface K8sJob extends ClusterJob {
  image: string;
  pvc: string;
  mount: string;
  namespace?: string;
  parallelism: number;
}

/** Where a shard's project file lives in a generated job's output folder. */
export function shardProject(out: string, index: number | string, count: number): string {
  return join(out, 'shards', `shard-${index}-of-${count}.camscope`);
}

/** A double-quoted shell word in which `$I` (the shard index) is expanded and nothing else is. */
function withIndex(text: string): string {
  return text.split('$I').map((part) => `"${part.replace(/[\\"$`]/g, '\\$&')}"`).join('$I');
}

function shardCommand(j: ClusterJob): string {
  const args = [...j.evaluate, '--figure', '0'].map(shellQuote).join(' ');
  return `${j.camscope} evaluate ${args} \\\n  --shard "$I/${j.shards}" --project ${withIndex(shardProject(j.out, '$I', j.shards))} --out ${withIndex(join(j.out, 'shards', '$I'))}`;
}

function mergeCommandLine(j: ClusterJob): string {
  const args = ['--out', join(j.out, 'report'), '--figure', String(j.figure), '--colormap', j.colormap, '--ep', j.ep].map(shellQuote).join(' ');
  // The glob names every shard's project; merge checks that all of them are there and from one run.
  return `${j.camscope} merge ${args} ${shellQuote(join(j.out, 'shards'))}/shard-*-of-${j.shards}.camscope`;
}

const EXIT_NOTE = `# Exit status 1 means some images could not be read: they are recorded as failed in the shard's project and
# listed in the merged report, so the task still counts as done. 2 (bad model or options) and 130 (cancelled) fail it.`;

/** The sbatch array script, the merge script and submit.sh, by file name. */
export function slurmScripts(j: SlurmJob): Record<string, string> {
  const common = [
    ...(j.partition ? [`#SBATCH --partition=${j.partition}`] : []),
    ...(j.account ? [`#SBATCH --account=${j.account}`] : []),
    ...j.sbatch.map((o) => `#SBATCH ${o}`),
  ];
  const shards = [
    '#!/bin/bash',
    `# camscope: one shard of the evaluation per array task (${j.shards} tasks). Generated by "camscope slurm".`,
    `#SBATCH --job-name=${j.jobName}`,
    `#SBATCH --array=0-${j.shards - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${j.cpusPerTask}`,
    ...(j.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${j.gpusPerTask}`] : []),
    ...(j.mem ? [`#SBATCH --mem=${j.mem}`] : []),
    ...(j.time ? [`#SBATCH --time=${j.time}`] : []),
    `#SBATCH --output=${join(j.out, 'logs', 'shard-%a.out')}`,
    ...common,
    'set -u',
    '# The shard index comes from Slurm explicitly here; camscope itself never reads SLURM_* variables.',
    'I="${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it is an array job)}"',
    `mkdir -p ${withIndex(join(j.out, 'shards', '$I'))}`,
    '# A task that was killed or requeued resumes from its project file: finished images are not computed again.',
    shardCommand(j),
    'rc=$?',
    EXIT_NOTE,
    'if [ "$rc" -eq 1 ]; then exit 0; fi',
    'exit "$rc"',
    '',
  ].join('\n');
  const merge = [
    '#!/bin/bash',
    '# camscope: merges the shards into the run\'s reports once every array task succeeded. Generated by "camscope slurm".',
    `#SBATCH --job-name=${j.jobName}-merge`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${Math.min(j.cpusPerTask, 4)}`,
    ...(j.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=1`] : []),
    ...(j.mergeTime ? [`#SBATCH --time=${j.mergeTime}`] : []),
    `#SBATCH --output=${join(j.out, 'logs', 'merge.out')}`,
    ...common,
    'set -u',
    mergeCommandLine(j),
    'rc=$?',
    'if [ "$rc" -eq 1 ]; then exit 0; fi',
    'exit "$rc"',
    '',
  ].join('\n');
  const dir = shellQuote(j.out);
  const submit = [
    '#!/bin/bash',
    '# Submits the shards (an array job) and the merge, which starts when every shard has succeeded (afterok).',
    'set -euo pipefail',
    `mkdir -p ${shellQuote(join(j.out, 'logs'))} ${shellQuote(join(j.out, 'shards'))}`,
    `array=$(sbatch --parsable ${dir}/camscope-shards.sbatch)`,
    'array=${array%%;*}',
    `merge=$(sbatch --parsable --dependency=afterok:"$array" ${dir}/camscope-merge.sbatch)`,
    'merge=${merge%%;*}',
    `echo "shards: job $array (array 0-${j.shards - 1}); merge: job $merge, after all shards succeed; reports in ${join(j.out, 'report')}"`,
    `echo "A failed shard: sbatch --array=I ${join(j.out, 'camscope-shards.sbatch')} (it resumes), then sbatch ${join(j.out, 'camscope-merge.sbatch')}"`,
    '',
  ].join('\n');
  return { 'camscope-shards.sbatch': shards, 'camscope-merge.sbatch': merge, 'submit.sh': submit };
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/** The Indexed Job, the merge Job and submit-k8s.sh, by file name. */
export function k8sManifests(j: K8sJob): Record<string, string> {
  const ns = j.namespace ? [`  namespace: ${yamlString(j.namespace)}`] : [];
  const resources = (cpus: number, gpus: number, mem?: string): string[] => [
    '          resources:',
    '            requests:',
    `              cpu: "${cpus}"`,
    ...(mem ? [`              memory: ${yamlString(mem)}`] : []),
    ...(gpus > 0 || mem ? ['            limits:'] : []),
    ...(mem ? [`              memory: ${yamlString(mem)}`] : []),
    ...(gpus > 0 ? [`              nvidia.com/gpu: ${gpus}`] : []),
  ];
  const volume = [
    '          volumeMounts:',
    '            - name: shared',
    `              mountPath: ${yamlString(j.mount)}`,
    '      volumes:',
    '        - name: shared',
    '          persistentVolumeClaim:',
    `            claimName: ${yamlString(j.pvc)}`,
  ];
  const script = (body: string): string[] => ['          command: ["/bin/bash", "-c"]', '          args:', `            - ${yamlString(body)}`];
  const shardBody = [
    'set -u',
    'I="${JOB_COMPLETION_INDEX:?not an Indexed Job pod}"',
    `mkdir -p ${withIndex(join(j.out, 'shards', '$I'))} ${shellQuote(join(j.out, 'logs'))}`,
    shardCommand(j).replace(/ \\\n {2}/g, ' '),
    'rc=$?',
    'if [ "$rc" -eq 1 ]; then exit 0; fi',
    'exit "$rc"',
  ].join('\n');
  const shards = [
    '# camscope: one shard of the evaluation per completion index. Generated by "camscope k8s".',
    `# The checkout (${j.camscope.split(' ').slice(-1)[0]}), the model, the dataset and ${j.out} must be on the volume`,
    `# ${j.pvc}, mounted at ${j.mount}, under the same paths as here. A pod that fails is retried and resumes.`,
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${j.jobName}`,
    ...ns,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${j.shards}`,
    `  parallelism: ${j.parallelism}`,
    `  backoffLimit: ${Math.max(6, 2 * j.shards)}`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: shard',
    `          image: ${yamlString(j.image)}`,
    ...script(shardBody),
    ...resources(j.cpusPerTask, j.gpusPerTask, j.mem),
    ...volume,
    '',
  ].join('\n');
  const merge = [
    '# camscope: merges the shards into the run\'s reports; apply it once the shard Job is complete (submit-k8s.sh does).',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${j.jobName}-merge`,
    ...ns,
    'spec:',
    '  backoffLimit: 2',
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: merge',
    `          image: ${yamlString(j.image)}`,
    ...script(['set -u', mergeCommandLine(j), 'rc=$?', 'if [ "$rc" -eq 1 ]; then exit 0; fi', 'exit "$rc"'].join('\n')),
    ...resources(Math.min(j.cpusPerTask, 4), j.gpusPerTask > 0 ? 1 : 0, j.mem),
    ...volume,
    '',
  ].join('\n');
  const nsFlag = j.namespace ? ` -n ${shellQuote(j.namespace)}` : '';
  const submit = [
    '#!/bin/bash',
    '# Starts the shards (an Indexed Job), waits for it to complete, then starts the merge.',
    'set -euo pipefail',
    `kubectl${nsFlag} apply -f ${shellQuote(join(j.out, 'camscope-shards.yaml'))}`,
    `kubectl${nsFlag} wait --for=condition=complete --timeout=-1s job/${j.jobName}`,
    `kubectl${nsFlag} apply -f ${shellQuote(join(j.out, 'camscope-merge.yaml'))}`,
    `kubectl${nsFlag} wait --for=condition=complete --timeout=-1s job/${j.jobName}-merge`,
    `echo "reports in ${join(j.out, 'report')}"`,
    '',
  ].join('\n');
  return { 'camscope-shards.yaml': shards, 'camscope-merge.yaml': merge, 'submit-k8s.sh': submit };
}

const JOB_OPTIONS = {
  ...RUN_OPTIONS,
  shards: { type: 'string' },
  'gpus-per-task': { type: 'string' },
  'cpus-per-task': { type: 'string' },
  mem: { type: 'string' },
  time: { type: 'string' },
  'merge-time': { type: 'string' },
  'job-name': { type: 'string' },
  camscope: { type: 'string' },
} as const;

const SLURM_OPTIONS = { ...JOB_OPTIONS, partition: { type: 'string' }, account: { type: 'string' }, sbatch: { type: 'string', multiple: true } } as const;
const K8S_OPTIONS = { ...JOB_OPTIONS, image: { type: 'string' }, pvc: { type: 'string' }, mount: { type: 'string' }, namespace: { type: 'string' }, parallelism: { type: 'string' } } as const;

function clusterJob(values: Record<string, string | boolean | string[] | undefined>): ClusterJob {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  if (!str('shards')) throw new UsageError('--shards is required (the number of array tasks).');
  const shards = wholeNumber('shards', str('shards'), 1, 1, MAX_SHARDS);
  const gpusPerTask = wholeNumber('gpus-per-task', str('gpus-per-task'), 0, 0, 64);
  const ev = evaluateArgs({ ...values, ep: str('ep') ?? (gpusPerTask > 0 ? 'cuda' : 'cpu') } as Record<string, string | undefined>);
  parseMethodList(ev.methods); // unknown methods fail now, not on the cluster
  const abs = (p: string): string => resolve(p);
  for (const [name, p] of [['model', ev.model], ['dataset', ev.dataset], ...(ev.labels ? [['labels', ev.labels]] : [])]) {
    if (!existsSync(p)) throw new UsageError(`--${name} ${p} does not exist here; the jobs read it in place, so give its path on the shared filesystem.`);
  }
  for (const k of ['time', 'merge-time']) {
    const t = str(k);
    if (t !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(t)) throw new UsageError(`--${k} must be a Slurm time such as 30, 4:00:00 or 1-12:00:00, not "${t}".`);
  }
  const evaluate = [
    '--model', abs(ev.model), '--dataset', abs(ev.dataset), ...(ev.labels ? ['--labels', abs(ev.labels)] : []),
    ...(ev.sample !== null ? ['--sample', String(ev.sample)] : []), '--seed', String(ev.seed), '--methods', ev.methods,
    ...(ev.reference ? [] : ['--no-reference']),
    '--score', ev.score, '--steps', String(ev.steps), ...(ev.layer ? ['--layer', ev.layer] : []), '--ep', ev.ep,
    '--precision', ev.precision, ...(ev.batch !== undefined ? ['--batch', String(ev.batch)] : []),
  ];
  const camscope = str('camscope') ?? defaultCamscopeCommand().map(shellQuote).join(' ');
  const jobName = str('job-name') ?? 'camscope';
  if (!/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/.test(jobName)) throw new UsageError(`--job-name must be lower-case letters, digits and '-' (a valid Kubernetes name), not "${jobName}".`);
  return {
    evaluate, shards, out: abs(ev.out), camscope, figure: ev.figure, colormap: ev.colormap, ep: ev.ep, gpusPerTask,
    cpusPerTask: wholeNumber('cpus-per-task', str('cpus-per-task'), gpusPerTask > 0 ? 4 : 2, 1, 1024),
    mem: str('mem'), time: str('time'), mergeTime: str('merge-time'), jobName,
  };
}

function writeJobFiles(out: string, files: Record<string, string>): string[] {
  mkdirSync(join(out, 'logs'), { recursive: true });
  mkdirSync(join(out, 'shards'), { recursive: true });
  return Object.entries(files).map(([name, text]) => {
    const path = join(out, name);
    writeFileSync(path, text);
    if (name.endsWith('.sh') || name.endsWith('.sbatch')) chmodSync(path, 0o755);
    return path;
  });
}

/** `camscope slurm ...` / `camscope k8s ...`: writes the job files into --out and says how to submit them. */
export async function clusterCommand(kind: 'slurm' | 'k8s', argv: string[], io: CliIo): Promise<number> {
  if (kind === 'slurm') {
    const { values } = parseArgs({ args: argv, options: SLURM_OPTIONS, allowPositionals: false, strict: true });
    const job: SlurmJob = { ...clusterJob(values), partition: values.partition, account: values.account, sbatch: values.sbatch ?? [] };
    const files = writeJobFiles(job.out, slurmScripts(job));
    io.stdout.write(`Wrote ${files.map((f) => basename(f)).join(', ')} in ${job.out}: ${job.shards} shard(s) as one array job and a merge job after them.\nSubmit with: bash ${shellQuote(join(job.out, 'submit.sh'))}\n`);
    return 0;
  }
  const { values } = parseArgs({ args: argv, options: K8S_OPTIONS, allowPositionals: false, strict: true });
  if (!values.image) throw new UsageError('--image is required (a container image with Node.js 20 or later, e.g. node:20-bookworm).');
  if (!values.pvc || !values.mount) throw new UsageError('--pvc and --mount are required: the volume claim holding the checkout, the model, the dataset and --out, and where it is mounted.');
  const base = clusterJob(values);
  const job: K8sJob = {
    ...base, image: values.image, pvc: values.pvc, mount: values.mount, namespace: values.namespace,
    parallelism: wholeNumber('parallelism', values.parallelism, base.shards, 1, MAX_SHARDS),
  };
  const files = writeJobFiles(job.out, k8sManifests(job));
  io.stdout.write(`Wrote ${files.map((f) => basename(f)).join(', ')} in ${job.out}: ${job.shards} shard(s) as one Indexed Job and a merge Job.\nSubmit with: bash ${shellQuote(join(job.out, 'submit-k8s.sh'))}\n`);
  return 0;
}
