/**
 * DICOM decode rate and memory (`npm run bench:dicom`): 1,000 CT-like 512×512 int16 slices, uncompressed and RLE,
 * made with pydicom (bench/dicom-bench.py) in a temporary folder, decoded by camscope and by pydicom on the same
 * machine, one process each, one file at a time. camscope is timed twice: to the modality values (what pydicom's
 * pixel_array + apply_modality_lut give) and to the model's 8-bit input (decodeImage with the file's window).
 * Then a 1,000-frame file (one 512 MB file) shows that memory stays that of one frame.
 *
 *   npx tsx bench/dicom-bench.ts [--slices 1000] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/main/engine/image/decode';
import { openDicom } from '../src/main/engine/image/dicom';
import { modalityFunction } from '../src/main/engine/image/intensity';
import { writeMultiFrame } from '../test/engine/image/dicom/dicom-writer';

const { values } = parseArgs({ options: { slices: { type: 'string', default: '1000' }, keep: { type: 'boolean', default: false } } });
const slices = Number(values.slices);
const python = '/usr/bin/python3';
const script = join(import.meta.dirname, 'dicom-bench.py');
const root = mkdtempSync(join(tmpdir(), 'camscope-dicom-bench-'));
const mib = (bytes: number): number => bytes / 2 ** 20;
/** Peak resident memory of this process so far (maxRSS is in KiB). */
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;

async function camscope(folder: string, toModel: boolean): Promise<{ seconds: number; checksum: number }> {
  const files = readdirSync(folder).sort().map((f) => join(folder, f));
  const t0 = performance.now();
  let checksum = 0;
  for (const f of files) {
    if (toModel) {
      checksum += (await decodeImage(f)).data[3 * (256 * 512 + 256)];
      continue;
    }
    const image = openDicom(f, 100e6);
    const frame = await image.readFrame(1);
    image.close();
    checksum += modalityFunction(frame)(frame.samples[256 * 512 + 256]);
  }
  return { seconds: (performance.now() - t0) / 1000, checksum };
}

console.log(`making ${slices} slices with pydicom in ${root} ...`);
execFileSync(python, [script, 'make', root, String(slices)], { stdio: 'inherit' });
const rows: string[][] = [];
for (const kind of ['raw', 'rle']) {
  const folder = join(root, kind);
  const py = JSON.parse(execFileSync(python, [script, 'time', folder], { encoding: 'utf8' })) as { seconds: number; peakMiB: number; checksum: number; pydicom: string; numpy: string };
  const modality = await camscope(folder, false);
  const model = await camscope(folder, true);
  if (Math.abs(modality.checksum - py.checksum) > 1e-6) throw new Error(`camscope and pydicom disagree on ${kind} (${modality.checksum} vs ${py.checksum})`);
  const rate = (s: number): string => (slices / s).toFixed(0);
  rows.push([kind === 'raw' ? 'Explicit VR LE' : 'RLE Lossless', rate(py.seconds), rate(modality.seconds), rate(model.seconds), py.peakMiB.toFixed(0)]);
  console.log(`${kind}: pydicom ${py.pydicom} (numpy ${py.numpy}) ${py.seconds.toFixed(2)} s; camscope ${modality.seconds.toFixed(2)} s to HU, ${model.seconds.toFixed(2)} s to 8-bit`);
}
const slicesPeak = peakMiB();

// One file of 1,000 512×512 frames (512 MB): decode frames across it and watch the peak.
const big = join(root, 'thousand-frames.dcm');
writeMultiFrame(big, { rows: 512, columns: 512, frames: 1000, rle: false, value: (k, i) => (k * 7 + i) % 4096 });
const before = process.memoryUsage().rss;
const t0 = performance.now();
const image = openDicom(big, 100e6);
for (let k = 1; k <= 1000; k += 37) await image.readFrame(k);
image.close();
const bigSeconds = (performance.now() - t0) / 1000;

console.log(`\nmachine: ${process.platform} ${process.arch}, node ${process.version}, ${slices} slices of 512x512 int16 (25 distinct RLE slices, copied)`);
console.log('\n| syntax | pydicom slices/s | camscope slices/s (to HU) | camscope slices/s (to 8-bit, window) | pydicom peak MiB |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\ncamscope peak RSS over both runs: ${slicesPeak.toFixed(0)} MiB (includes node, sharp and the WASM codecs)`);
console.log(`1,000-frame file (${mib(512 * 512 * 2 * 1000).toFixed(0)} MiB): 28 frames in ${bigSeconds.toFixed(2)} s, RSS ${mib(before).toFixed(0)} → ${mib(process.memoryUsage().rss).toFixed(0)} MiB, peak ${peakMiB().toFixed(0)} MiB`);
if (!values.keep) rmSync(root, { recursive: true, force: true });
