import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { runEvaluation } from '../../../src/main/engine/evaluate/run';
import { ProjectDb } from '../../../src/main/engine/evaluate/project-db';
import { parseMethodList } from '../../../src/main/engine/methods/registry';

describe('cancelling an evaluation', () => {
  it('stops within a batch, keeps what finished, marks the run cancelled, and reports rate and ETA on the way', async () => {
    const project = join(mkdtempSync(join(tmpdir(), 'camscope-cancel-')), 'p.camscope');
    const classifier = await Classifier.load(demoModelPath());
    const controller = new AbortController();
    const seen: { done: number; rate: number; eta: number | null }[] = [];
    try {
      await expect(runEvaluation({
        classifier, methods: parseMethodList('gradcam,scorecam++'), datasetRoot: demoImagesDir(), curveSteps: 0, batchSize: 4, projectPath: project,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push({ done: p.done, rate: p.imagesPerSecond, eta: p.etaSeconds });
          if (p.done === 10) controller.abort();
        },
      })).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      await classifier.release();
    }
    const db = new ProjectDb(project);
    const [run] = db.evaluations();
    expect(run.status).toBe('cancelled');
    expect(db.images(run.id)).toHaveLength(10);
    db.close();
    const last = seen.at(-1)!;
    expect(last.done).toBe(10);
    expect(last.rate).toBeGreaterThan(0);
    expect(last.eta).toBeGreaterThan(0);
  });
});
