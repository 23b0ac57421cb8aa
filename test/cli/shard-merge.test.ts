/**
 * Sharded evaluations through the CLI: `evaluate --shard I/N` into one project per shard, `merge` into the reports an
 * unsharded run writes (same CSV bytes, same table and per-image values, same figure), merge refusals with the
 * problem named, and the job generators (`slurm`, `k8s`) — the generated array and merge scripts are also run with
 * bash as Slurm would run them (SLURM_ARRAY_TASK_ID set per task), without a cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { demoModelPath } from '../../src/main/engine/demo';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';
import { demoSubset } from './demo-subset';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], options: { abortOn?: RegExp } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: {
      write: (s: string) => {
        stderr += s;
        if (options.abortOn?.test(s)) controller.abort();
      },
    },
    signal: controller.signal,
  });
  return { code, stdout, stderr };
}

function report(dir: string) {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
}

/** The parts of two report.json files that must be equal between a merged and an unsharded run. */
function expectSameReport(merged: string, single: string): void {
  const a = report(merged);
  const b = report(single);
  expect(a.table).toEqual(b.table);
  expect(a.images).toEqual(b.images);
  expect(a.accuracy).toEqual(b.accuracy);
  expect(a.failed).toEqual(b.failed);
  expect(a.excluded).toEqual(b.excluded);
  const { created: _a, ...sa } = a.settings;
  const { created: _b, ...sb } = b.settings;
  expect(sa).toEqual(sb);
  expect(readFileSync(join(merged, 'report.csv'), 'utf8')).toBe(readFileSync(join(single, 'report.csv'), 'utf8'));
}

let dir: string;
let common: string[];
const project = (name: string) => join(dir, `${name}.camscope`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-shards-'));
  const { dataset, labels } = demoSubset(dir, 14);
  common = ['--model', demoModelPath(), '--dataset', dataset, '--labels', labels, '--sample', '13', '--seed', '3', '--methods', 'gradcam,scorecam++', '--steps', '2'];
  // SLURM_ARRAY_TASK_ID is set but never read: without --shard the run is unsharded.
  process.env.SLURM_ARRAY_TASK_ID = '1';
  process.env.SLURM_ARRAY_TASK_COUNT = '3';
  try {
    expect((await cli(['evaluate', ...common, '--figure', '2', '--project', project('single'), '--out', join(dir, 'single')])).code).toBe(0);
  } finally {
    delete process.env.SLURM_ARRAY_TASK_ID;
    delete process.env.SLURM_ARRAY_TASK_COUNT;
  }
  for (let i = 0; i < 3; i++) {
    const r = await cli(['evaluate', ...common, '--figure', '0', '--shard', `${i}/3`, '--project', project(`s${i}`), '--out', join(dir, `s${i}`)]);
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('evaluate --shard and merge', () => {
  it('an unsharded run ignores SLURM_ARRAY_TASK_ID and records no shard; each shard records the run settings and its shard', () => {
    expect(report(join(dir, 'single')).images).toHaveLength(13);
    expect(report(join(dir, 'single')).settings.shard).toBeUndefined();
    const digests = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const db = new ProjectDb(project(`s${i}`));
      try {
        const [run] = db.evaluations();
        expect(run.status).toBe('complete');
        expect(run.settings.shard).toMatchObject({ index: i, count: 3, images: 13 });
        expect(run.settings.sample).toEqual({ size: 13, seed: 3 });
        // The random reference is added by default, so it is part of every shard's settings (and of the run key).
        expect(run.settings.methods).toEqual(['gradcam', 'scorecam++', 'random']);
        digests.add(run.settings.shard!.sample);
        expect(db.images(run.id)).toHaveLength([5, 4, 4][i]);
      } finally {
        db.close();
      }
    }
    expect(digests.size).toBe(1);
  });

  it('merges the shards (given in any order) into the reports of the unsharded run, figure included', async () => {
    const out = join(dir, 'merged');
    const r = await cli(['merge', '--out', out, '--figure', '2', project('s2'), project('s0'), project('s1')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/13 image\(s\) from 3 shard\(s\) merged \(0 failed\)/);
    expectSameReport(out, join(dir, 'single'));
    expect(readFileSync(join(out, 'figure.svg'), 'utf8')).toBe(readFileSync(join(dir, 'single', 'figure.svg'), 'utf8'));
  });

  it('refuses a missing shard, naming it', async () => {
    const r = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('s2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shard 1/3 is missing: no project file given holds it');
    expect(existsSync(join(dir, 'x', 'report.json'))).toBe(false);
  });

  it('refuses a shard given twice, naming both files', async () => {
    copyFileSync(project('s1'), project('s1-copy'));
    const r = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('s1'), project('s1-copy'), project('s2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shard 1/3 is given twice: s1.camscope and s1-copy.camscope');
  });

  it('refuses shards of a run with other settings, saying which settings differ', async () => {
    const other = await cli(['evaluate', ...common.slice(0, -4), '--methods', 'gradcam', '--steps', '0', '--figure', '0', '--shard', '1/3', '--project', project('other'), '--out', join(dir, 'other')]);
    expect(other.code, other.stderr).toBe(0);
    const r = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('other'), project('s2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shard 1/3 (other.camscope) is not a shard of the same run as shard 0/3 (s0.camscope): it differs in methods (["gradcam","random"] vs ["gradcam","scorecam++","random"]), curve steps (0 vs 2)');

    // A shard without the reference is another run: its method list differs.
    const bare = await cli(['evaluate', ...common, '--no-reference', '--figure', '0', '--shard', '1/3', '--project', project('bare'), '--out', join(dir, 'bare')]);
    expect(bare.code, bare.stderr).toBe(0);
    const b = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('bare'), project('s2')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('it differs in methods (["gradcam","scorecam++"] vs ["gradcam","scorecam++","random"])');

    const seed = await cli(['evaluate', ...common.slice(0, -6), '--seed', '4', ...common.slice(-4), '--figure', '0', '--shard', '2/3', '--project', project('seed'), '--out', join(dir, 'seed')]);
    expect(seed.code, seed.stderr).toBe(0);
    const s = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('s1'), project('seed')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/shard 2\/3 \(seed\.camscope\) is not a shard of the same run as shard 0\/3 \(s0\.camscope\): it differs in sample seed \(4 vs 3\), sample \(the dataset it was drawn from differs\)/);

    const two = await cli(['evaluate', ...common, '--figure', '0', '--shard', '1/2', '--project', project('two'), '--out', join(dir, 'two')]);
    expect(two.code, two.stderr).toBe(0);
    const t = await cli(['merge', '--out', join(dir, 'x'), project('s0'), project('two')]);
    expect(t.stderr).toContain('shard 1/2 (two.camscope) is not a shard of the same run as shard 0/3 (s0.camscope): it differs in number of shards (2 vs 3)');
  });

  it('refuses an interrupted shard, and merges once it has resumed', async () => {
    const cut = await cli(['evaluate', ...common, '--figure', '0', '--shard', '0/3', '--project', project('cut'), '--out', join(dir, 'cut')], { abortOn: /^evaluated 1\/5/ });
    expect(cut.code).toBe(130);
    const r = await cli(['merge', '--out', join(dir, 'x'), project('cut'), project('s1'), project('s2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shard 0/3 (cut.camscope) is incomplete: 1 of its 5 images done (it was cancelled); run its task again — it resumes where it stopped');
    const resumed = await cli(['evaluate', ...common, '--figure', '0', '--shard', '0/3', '--project', project('cut'), '--out', join(dir, 'cut')]);
    expect(resumed.stderr).toContain('resuming, 1 already done');
    const out = join(dir, 'merged-resumed');
    const m = await cli(['merge', '--out', out, '--figure', '0', project('cut'), project('s1'), project('s2')]);
    expect(m.code, m.stderr).toBe(0);
    expectSameReport(out, join(dir, 'single'));
  });

  it('refuses a project without shards and a file that does not exist', async () => {
    const r = await cli(['merge', '--out', join(dir, 'x'), project('single')]);
    expect(r.stderr).toContain(`The project file ${project('single')} holds no shard of a sharded evaluation`);
    const missing = await cli(['merge', '--out', join(dir, 'x'), join(dir, 'nope.camscope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.camscope does not exist');
    expect(existsSync(join(dir, 'nope.camscope'))).toBe(false);
  });

  it('refuses a bad --shard', async () => {
    const r = await cli(['evaluate', ...common, '--shard', '3/3', '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--shard 3/3: the shard index counts from 0, so it must be below 3');
  });
});

describe('camscope slurm and camscope k8s', () => {
  it('writes an array script, a merge job after it (afterok) and submit.sh, that run as Slurm would run them', async () => {
    const out = join(dir, 'slurm');
    const r = await cli(['slurm', ...common, '--shards', '3', '--time', '0:30:00', '--partition', 'debug', '--sbatch=--constraint=cpu', '--figure', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const array = readFileSync(join(out, 'camscope-shards.sbatch'), 'utf8');
    const merge = readFileSync(join(out, 'camscope-merge.sbatch'), 'utf8');
    const submit = readFileSync(join(out, 'submit.sh'), 'utf8');
    expect(array).toContain('#SBATCH --array=0-2');
    expect(array).toContain('#SBATCH --time=0:30:00');
    expect(array).toContain('#SBATCH --partition=debug');
    expect(array).toContain('#SBATCH --constraint=cpu');
    expect(array).not.toContain('--gpus-per-task');
    expect(array).toContain('--shard "$I/3"');
    expect(array).toContain(`--model ${demoModelPath()}`);
    expect(array).toMatch(/^\S*node\S* --import \S+ \S+\/src\/main\/cli\/main\.ts evaluate /m);
    expect(merge).toContain(`merge --out ${join(out, 'report')} --figure 2`);
    expect(submit).toContain('--dependency=afterok:"$array"');
    for (const f of ['camscope-shards.sbatch', 'camscope-merge.sbatch', 'submit.sh']) execFileSync('bash', ['-n', join(out, f)]);

    for (let i = 0; i < 3; i++) {
      const task = spawnSync('bash', [join(out, 'camscope-shards.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) }, encoding: 'utf8' });
      expect(task.status, task.stderr).toBe(0);
    }
    const m = spawnSync('bash', [join(out, 'camscope-merge.sbatch')], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    expectSameReport(join(out, 'report'), join(dir, 'single'));
    expect(readFileSync(join(out, 'report', 'figure.svg'), 'utf8')).toBe(readFileSync(join(dir, 'single', 'figure.svg'), 'utf8'));

    const gpu = await cli(['slurm', ...common, '--shards', '8', '--gpus-per-task', '1', '--out', join(dir, 'slurm-gpu')]);
    expect(gpu.code, gpu.stderr).toBe(0);
    const g = readFileSync(join(dir, 'slurm-gpu', 'camscope-shards.sbatch'), 'utf8');
    expect(g).toContain('#SBATCH --gpus-per-task=1');
    expect(g).toContain('--ep cuda');
    expect(g).toContain('#SBATCH --array=0-7');
    expect(g).toContain('--methods gradcam,scorecam++,random ');
    expect(g).not.toContain('--no-reference');

    // --no-reference reaches every shard's command: otherwise each shard would add the reference again.
    const bare = await cli(['slurm', ...common, '--no-reference', '--shards', '2', '--out', join(dir, 'slurm-bare')]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(readFileSync(join(dir, 'slurm-bare', 'camscope-shards.sbatch'), 'utf8')).toContain('--methods gradcam,scorecam++ --no-reference ');
  });

  it('writes an Indexed Job and a merge Job for Kubernetes', async () => {
    const out = join(dir, 'k8s');
    const r = await cli(['k8s', ...common, '--shards', '4', '--gpus-per-task', '1', '--image', 'node:20-bookworm', '--pvc', 'lab-data', '--mount', '/data', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const job = readFileSync(join(out, 'camscope-shards.yaml'), 'utf8');
    expect(job).toContain('completionMode: Indexed');
    expect(job).toContain('completions: 4');
    expect(job).toContain('nvidia.com/gpu: 1');
    expect(job).toContain('claimName: "lab-data"');
    expect(job).toContain('JOB_COMPLETION_INDEX');
    expect(job).toContain('--shard \\"$I/4\\"');
    expect(readFileSync(join(out, 'camscope-merge.yaml'), 'utf8')).toContain(`merge --out ${join(out, 'report')}`);
    expect(readFileSync(join(out, 'submit-k8s.sh'), 'utf8')).toContain('kubectl wait --for=condition=complete --timeout=-1s job/camscope');
    // The container's command is the same bash the Slurm task runs.
    const body = JSON.parse(job.split('\n').find((l) => l.trim().startsWith('- "set -u'))!.trim().slice(2));
    const check = spawnSync('bash', ['-n'], { input: body, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('refuses missing inputs and bad options before writing anything', async () => {
    const r = await cli(['slurm', ...common.slice(2), '--model', join(dir, 'none.onnx'), '--shards', '3', '--out', join(dir, 'bad-slurm')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('none.onnx does not exist here; the jobs read it in place');
    expect(existsSync(join(dir, 'bad-slurm'))).toBe(false);
    expect((await cli(['slurm', ...common, '--out', join(dir, 'bad-slurm')])).stderr).toContain('--shards is required');
    expect((await cli(['slurm', ...common, '--shards', '2', '--time', 'soon', '--out', join(dir, 'bad-slurm')])).stderr).toContain('--time must be a Slurm time');
    expect((await cli(['k8s', ...common, '--shards', '2', '--out', join(dir, 'bad-k8s')])).stderr).toContain('--image is required');
  });
});
