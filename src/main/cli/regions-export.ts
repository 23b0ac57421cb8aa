/**
 * `camscope regions export`: regions out to the experts' tools. `--from PATH` converts any region source camscope
 * reads (matched to `--dataset DIR` when given, which also supplies image sizes); `--results DIR` exports the
 * salient region of each map `camscope explain` wrote there — the outline of the map at `--threshold`, in original
 * image pixels — and `--overlays DIR` writes each map as an RGBA overlay PNG at the image's original size.
 * `argv` is what follows `camscope regions export`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { isCamscopeError } from '../engine/errors';
import { IMAGE_EXTENSIONS, openImageFile } from '../engine/image/decode';
import { COLORMAPS, type ColormapName } from '../engine/image/colormap';
import { EXPORT_FORMATS, explainSalientRegions, renderQupathPerImage, renderRegions, type ExportFormat, type ExportImage } from '../engine/regions/export';
import { loadRegions } from '../engine/regions/load';
import { DEFAULT_MEGADETECTOR_THRESHOLD } from '../engine/regions/megadetector';
import { writeMapOverlayPng } from '../engine/regions/overlay';

export const REGIONS_EXPORT_USAGE = `  camscope regions export --format ${EXPORT_FORMATS.join('|')} (--from PATH [--regions-threshold 0.2] | --results DIR [--threshold 0.5]
                   [--methods M,...] [--overlays DIR] [--colormap jet] [--alpha 0.5]) [--dataset DIR] --out FILE|DIR/`;

const OPTIONS = {
  format: { type: 'string' },
  from: { type: 'string' },
  results: { type: 'string' },
  dataset: { type: 'string' },
  threshold: { type: 'string' },
  'regions-threshold': { type: 'string' },
  methods: { type: 'string' },
  overlays: { type: 'string' },
  colormap: { type: 'string' },
  alpha: { type: 'string' },
  out: { type: 'string' },
} as const;

/** The output streams (the CLI's CliIo fits). */
export interface RegionsExportIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

class Usage extends Error {}

/** Image files under DIR (relative paths with '/'), sorted. */
function datasetImages(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()) ? [join(d, e.name)] : []));
  return walk(dir).map((f) => relative(dir, f).split(sep).join('/'));
}

const fraction = (v: string | undefined, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Usage(`--${name} must be a number from 0 to 1, not "${v}".`);
  return n;
};

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export async function regionsExportCommand(argv: string[], io: RegionsExportIo): Promise<number> {
  try {
    const { values: v } = parseArgs({ args: argv[0] === 'export' ? argv.slice(1) : argv, options: OPTIONS, allowPositionals: false, strict: true });
    const format = v.format as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new Usage(`--format must be one of ${EXPORT_FORMATS.join(', ')}.`);
    if (!v.out) throw new Usage('--out is required (a file, or for qupath a folder ending in "/" for one .geojson per image).');
    if (!v.from === !v.results) throw new Usage('Give either --from PATH (a regions source) or --results DIR (the output of camscope explain).');
    const colormap = (v.colormap ?? 'jet') as ColormapName;
    if (!COLORMAPS.includes(colormap)) throw new Usage(`--colormap must be one of ${COLORMAPS.join(', ')}.`);
    const alpha = fraction(v.alpha, 'alpha', 0.5);
    const dataset = v.dataset ? resolve(v.dataset) : null;
    if (dataset && !(existsSync(dataset) && statSync(dataset).isDirectory())) throw new Usage(`--dataset ${v.dataset} is not a folder.`);
    let images: ExportImage[];
    if (v.from) {
      const loaded = loadRegions(resolve(v.from), dataset ? datasetImages(dataset) : null, { threshold: fraction(v['regions-threshold'], 'regions-threshold', DEFAULT_MEGADETECTOR_THRESHOLD) });
      io.stderr.write(`camscope: ${loaded.summary}\n`);
      images = [];
      for (const [name, regions] of [...loaded.images].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const size = loaded.sizes.get(name) ?? (dataset ? await openImageFile(join(dataset, name)) : undefined);
        images.push({ name, regions, ...(size ? { width: size.width, height: size.height } : {}) });
      }
    } else {
      const threshold = fraction(v.threshold, 'threshold', 0.5);
      const methods = v.methods ? v.methods.split(',').map((m) => m.trim()).filter(Boolean) : null;
      const nameOf = (file: string): string => {
        const rel = relative(dataset ?? process.cwd(), file).split(sep).join('/');
        return rel.startsWith('../') || rel === '..' ? file : rel;
      };
      const found = await explainSalientRegions(resolve(v.results!), threshold, methods, nameOf);
      images = found.images;
      const taken = images.reduce((n, im) => n + im.regions.length, 0);
      io.stderr.write(`camscope: took ${plural(taken, 'salient region', 'salient regions')} (map ≥ ${threshold}) from ${plural(found.maps.length, 'map', 'maps')} on ${plural(images.length, 'image', 'images')}${found.empty ? `; ${plural(found.empty, 'map has', 'maps have')} no pixel ≥ ${threshold}` : ''}.\n`);
      if (v.overlays) {
        for (const m of found.maps) {
          const path = join(resolve(v.overlays), m.stem, `${m.method}-overlay-original.png`);
          mkdirSync(dirname(path), { recursive: true });
          await writeMapOverlayPng(path, m.map, m.transform, m.width, m.height, colormap, alpha);
        }
      }
    }
    const regions = images.reduce((n, im) => n + im.regions.length, 0);
    const out = resolve(v.out);
    const perImage = format === 'qupath' && (v.out.endsWith('/') || v.out.endsWith(sep) || (existsSync(out) && statSync(out).isDirectory()));
    if (perImage) {
      for (const im of images) writeAtomic(join(out, `${im.name.slice(0, im.name.length - extname(im.name).length)}.geojson`), await renderQupathPerImage(im));
    } else writeAtomic(out, await renderRegions(images, format));
    io.stdout.write(`Wrote ${plural(regions, 'region', 'regions')} on ${plural(images.length, 'image', 'images')} to ${out}${perImage ? '/' : ''} (${format}).\n`);
    return 0;
  } catch (e) {
    if (e instanceof Usage || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`camscope: ${e.message}\nUsage:\n${REGIONS_EXPORT_USAGE}\n`);
      return 2;
    }
    if (isCamscopeError(e)) {
      io.stderr.write(`camscope: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
