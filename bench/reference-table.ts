/**
 * Compares an evaluation of the shared ResNet-18 with the reference: the table camscope computed (report.json of
 * `camscope evaluate`) against the table recomputed from ../shared/reference/resnet18/reference.json `per_image` for
 * exactly the same images. Prints both and the largest difference per cell (target: ≤ 0.3 points).
 *   npx tsx bench/reference-table.ts OUT_DIR/report.json
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { computeTable } from '../src/main/engine/metrics/table';
import type { ImageRecord } from '../src/main/engine/evaluate/types';

const REF_NAMES: Record<string, string> = {
  gradcam: 'GradCAM', 'gradcam++': 'GradCAM++', xgradcam: 'XGradCAM', layercam: 'LayerCAM', scorecam: 'ScoreCAM', 'scorecam++': 'ScoreCAM++',
};
const METRICS = ['average_drop_pct', 'increase_in_confidence_pct', 'win_pct'] as const;

const reportPath = process.argv[2];
if (!reportPath) throw new Error('usage: tsx bench/reference-table.ts REPORT.json');
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const shared = resolve(process.env.CAMSCOPE_SHARED ?? join(import.meta.dirname, '..', '..', 'shared'));
const ref = JSON.parse(readFileSync(join(shared, 'reference', 'resnet18', 'reference.json'), 'utf8'));
const index = new Map<string, number>(ref.files.map((f: string, i: number) => [f, i]));
const methods: string[] = report.settings.methods;
const score: 'prob' | 'logit' = report.settings.score;

const records: ImageRecord[] = report.images.map((img: { file: string }) => {
  const i = index.get(img.file);
  if (i === undefined) throw new Error(`${img.file} is not a reference image`);
  return {
    file: img.file, label: ref.per_image.label[i], predicted: ref.per_image.pred[i], target: ref.per_image.pred[i],
    Y_prob: ref.per_image.Y_prob[i], Y_logit: ref.per_image.Y_logit[i],
    methods: Object.fromEntries(methods.map((m) => {
      const o = ref.per_image[REF_NAMES[m]];
      return [m, { O_prob: o.O_prob[i], O_logit: o.O_logit[i], removedLogit: 0, deletionAuc: null, insertionAuc: null, flat: false, mapSha: '', timeMs: 0 }];
    })),
  };
});
const expected = computeTable(records, methods, score);

console.log(`${report.images.length} images (sample ${report.settings.sample.size ?? 'all'}, seed ${report.settings.sample.seed}), score ${score}`);
console.log(`| metric | ${methods.map((m) => `${m} (camscope / reference)`).join(' | ')} |`);
console.log(`|---|${methods.map(() => '---').join('|')}|`);
let worst = 0;
for (const metric of METRICS) {
  const cells = methods.map((m) => {
    const got = report.table[m][metric] as number;
    const want = expected.rows[m][metric] as number;
    worst = Math.max(worst, Math.abs(got - want));
    return `${got.toFixed(2)} / ${want.toFixed(2)}`;
  });
  console.log(`| ${metric} | ${cells.join(' | ')} |`);
}
console.log(`largest difference: ${worst.toFixed(3)} points (target ≤ 0.3)`);
process.exitCode = worst <= 0.3 ? 0 : 1;
