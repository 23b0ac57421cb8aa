/**
 * Resumes that notice change: between two sessions of one run the dataset loses files, has files replaced (same
 * name, other picture), gains files and has a label changed; a failed image becomes readable. The resumed run says
 * what changed, recomputes exactly what it must, and ends equal to a fresh run on the dataset as it is now.
 */
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeChanges } from '../../../src/main/cli/evaluate';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { runEvaluation, type EvaluationResult } from '../../../src/main/engine/evaluate/run';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { demoFiles, demoSubset } from '../../cli/demo-subset';

const withoutTimes = (r: EvaluationResult) =>
  r.records.map((rec) => ({ ...rec, methods: Object.fromEntries(Object.entries(rec.methods).map(([k, m]) => [k, { ...m, timeMs: 0 }])) }));

describe('a resumed evaluation on a dataset that changed', () => {
  it('drops removed files, recomputes replaced ones, adds new ones, retries failures, and equals a fresh run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-changed-'));
    const { dataset, labels, files } = demoSubset(dir, 16);
    const all = demoFiles();
    // One image that cannot be read in the first session: a link to a file that does not exist yet.
    const late = 'zz-late.png';
    symlinkSync(join(dir, 'late-target.png'), join(dataset, late));
    const writeLabels = (rows: [string, string][]): void => writeFileSync(labels, ['file,label', ...rows.map(([f, l]) => `${f},${l}`)].join('\n') + '\n');
    writeLabels([...files.map((f): [string, string] => [f, labelOf(f)]), [late, labelOf(all[40])]]);

    const classifier = await Classifier.load(demoModelPath());
    try {
      const evaluate = (projectPath: string) =>
        runEvaluation({ classifier, methods: parseMethodList('gradcam,scorecam++'), datasetRoot: dataset, labelsCsv: labels, curveSteps: 3, batchSize: 4, projectPath });
      const project = join(dir, 'p.camscope');
      const first = await evaluate(project);
      expect(first.records).toHaveLength(16);
      expect(first.failed.map((f) => f.file)).toEqual([late]);

      // Between the sessions: 2 deleted, 2 replaced by other pictures, 3 added, the late image appears, a label changes.
      unlinkSync(join(dataset, files[3]));
      unlinkSync(join(dataset, files[9]));
      copyFileSync(join(demoImagesDir(), all[50]), join(dataset, files[5]));
      copyFileSync(join(demoImagesDir(), all[51]), join(dataset, files[12]));
      const added = [all[60], all[61], all[62]];
      for (const f of added) copyFileSync(join(demoImagesDir(), f), join(dataset, f));
      copyFileSync(join(demoImagesDir(), all[40]), join(dir, 'late-target.png'));
      const now = [...files.filter((f) => f !== files[3] && f !== files[9]), ...added].sort();
      const labelRows = new Map(now.map((f) => [f, labelOf(f)]));
      labelRows.set(files[5], labelOf(all[50]));
      labelRows.set(files[12], labelOf(all[51]));
      labelRows.set(files[7], labelOf(all[41])); // relabelled: same picture, the user corrected its label
      labelRows.set(late, labelOf(all[40]));
      writeLabels([...labelRows]);

      const resumed = await evaluate(project);
      expect(resumed.changes).toEqual({
        changed: [files[5], files[12]],
        removed: [files[3], files[9]],
        added: [...added].sort(),
        retried: [late],
        relabelled: labelOf(files[7]) === labelOf(all[41]) ? [] : [files[7]],
      });
      // Kept: 16 − 2 removed − 2 changed; computed: 2 changed + 3 added + the late one.
      expect(resumed.resumed).toBe(12);
      expect(describeChanges(resumed.changes)).toContain(`2 removed, dropped from the table (${files[3]}, ${files[9]})`);
      expect(resumed.settings.dataset.total).toBe(18);

      const fresh = await evaluate(join(dir, 'fresh.camscope'));
      expect(fresh.failed).toEqual([]);
      expect(resumed.failed).toEqual([]);
      expect(resumed.table).toEqual(fresh.table);
      expect(resumed.accuracy).toEqual(fresh.accuracy);
      expect(withoutTimes(resumed)).toEqual(withoutTimes(fresh));

      // Nothing changed since: a third session computes nothing and reports nothing.
      const third = await evaluate(project);
      expect(third.resumed).toBe(18);
      expect(describeChanges(third.changes)).toBe('');
      expect(third.table).toEqual(fresh.table);
    } finally {
      await classifier.release();
    }
  }, 120_000);
});

function labelOf(demoFile: string): string {
  const rows = readFileSync(join(demoImagesDir(), 'labels.csv'), 'utf8').trim().split('\n');
  return rows.find((r) => r.startsWith(`${demoFile},`))!.split(',')[1];
}
