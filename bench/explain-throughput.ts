/**
 * `camscope explain` throughput over a long run: does it keep its speed as results pile up?
 *
 * Runs the CLI's explain path in-process (the embedded Fashion-MNIST model, Grad-CAM by default) on the 100 demo
 * images, then on the same images repeated to N (default 2,000) in one run, and prints the images/s of the first
 * 100 images, of every tenth of the long run (from its "explained k/N" progress lines), and overall. Rates count
 * from the moment the model is loaded (results.json's elapsedSeconds), so model loading is left out of both.
 *
 *   npm run bench:explain -- [--images 2000] [--methods gradcam] [--keep]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../src/main/engine/demo';

const { values } = parseArgs({
  options: { images: { type: 'string', default: '2000' }, methods: { type: 'string', default: 'gradcam' }, keep: { type: 'boolean', default: false } },
});
const total = Number(values.images);
const methods = values.methods!;

const root = mkdtempSync(join(tmpdir(), 'camscope-bench-explain-'));
const demo = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort();

function dataset(name: string, n: number): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    const copy = Math.floor(i / demo.length);
    copyFileSync(join(demoImagesDir(), demo[i % demo.length]), join(dir, `${String(copy).padStart(3, '0')}-${demo[i % demo.length]}`));
  }
  return dir;
}

async function explain(name: string, n: number): Promise<{ elapsed: number; marks: { done: number; at: number }[] }> {
  const images = dataset(`${name}-images`, n);
  const out = join(root, `${name}-out`);
  const marks: { done: number; at: number }[] = [];
  const t0 = performance.now();
  const code = await runCli(['explain', '--model', demoModelPath(), '--methods', methods, '--out', out, images], {
    stdout: { write: () => true },
    stderr: {
      write: (s: string) => {
        const m = /^explained (\d+)\//.exec(s);
        if (m) marks.push({ done: Number(m[1]), at: (performance.now() - t0) / 1000 });
        return true;
      },
    },
  });
  if (code !== 0) throw new Error(`explain exited with ${code}`);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  if (results.images.length !== n) throw new Error(`results.json holds ${results.images.length} of ${n} images`);
  // marks are from before model loading; shift them so they count from the same moment as elapsedSeconds.
  const loadSeconds = (performance.now() - t0) / 1000 - results.elapsedSeconds;
  return { elapsed: results.elapsedSeconds, marks: marks.map((m) => ({ done: m.done, at: m.at - loadSeconds })) };
}

const first = await explain('first100', 100);
const long = await explain('long', total);
const rate100 = 100 / first.elapsed;
const overall = total / long.elapsed;

console.log(`camscope explain throughput · demo model · methods ${methods} · ${process.platform}/${process.arch}, node ${process.version}`);
console.log('');
console.log('  images        seconds   images/s (this stretch)');
let prev = { done: 0, at: 0 };
for (const m of long.marks) {
  console.log(`  ${String(prev.done + 1).padStart(5)}–${String(m.done).padEnd(6)} ${m.at.toFixed(2).padStart(8)}   ${((m.done - prev.done) / (m.at - prev.at)).toFixed(1).padStart(8)}`);
  prev = m;
}
console.log('');
const line = (label: string, value: string): void => console.log(`  ${label.padEnd(32)} ${value}`);
line('first 100 images (run of 100):', `${rate100.toFixed(1)} images/s`);
line(`all ${total} images (one run):`, `${overall.toFixed(1)} images/s`);
line('overall / first-100:', `${((overall / rate100) * 100).toFixed(1)} % (target: within 10 %, i.e. ≥ 90 %)`);

if (values.keep) console.log(`\n  outputs kept in ${root}`);
else rmSync(root, { recursive: true, force: true });
