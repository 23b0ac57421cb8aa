/**
 * sanity.svg / sanity.png (Adebayo et al. 2018, Figures 2 and 4): a strip of one image's maps — methods as rows,
 * the original model then each randomization stage as columns — and the mean similarity to the original map per
 * stage (Spearman, SSIM, Pearson; one line per method). SVG with embedded PNG cells; the PNG is the SVG rendered by
 * sharp, like the evaluation figure (report/figure.ts).
 */
import sharp from 'sharp';
import { overlayHeatmap } from '../image/colormap';
import { escapeXml, truncate } from '../report/format';
import { FIGURE_FONT } from '../report/figure';
import type { SanityResult, SimilarityName } from './run';

const CELL = 92;
const GAP = 4;
const LABEL_W = 110;
const MARGIN = 20;
const PANEL_W = 300;
const PANEL_H = 190;
const COLORS = ['#0a5bb5', '#d1495b', '#2a9d8f', '#e9a23b', '#6a4c93', '#5c677d', '#8ac926', '#ff595e'];
const TITLES: Record<SimilarityName, string> = { spearman: 'Spearman rank correlation', ssim: 'SSIM', pearson: 'Pearson correlation' };

async function cellPng(pixels: Uint8Array, map: Float32Array | null, width: number, height: number): Promise<string> {
  const rgb = map ? overlayHeatmap(pixels, map, width, height, 'jet', 0.5) : pixels;
  const channels = rgb.length / (width * height);
  const png = await sharp(Buffer.from(rgb), { raw: { width, height, channels: channels as 1 | 3 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

export async function buildSanitySvg(r: SanityResult, methodNames: Record<string, string> = {}, imageIndex = 0): Promise<string> {
  const { json } = r;
  const methods = json.settings.methods;
  const stages = json.stages;
  const cols = stages.length + 1;
  const stripW = LABEL_W + cols * (CELL + GAP);
  const panelsW = 3 * PANEL_W + 2 * 24;
  const width = MARGIN * 2 + Math.max(stripW, panelsW);
  const out: string[] = [];
  let y = MARGIN;
  const image = json.images[imageIndex];
  out.push(`<text x="${MARGIN}" y="${y + 14}" font-size="15" font-weight="bold">${escapeXml(`Sanity check (${json.settings.mode}, seed ${json.settings.seed}): ${json.settings.images} image(s)`)}</text>`);
  y += 26;
  if (image && r.pixels) {
    out.push(`<text x="${MARGIN}" y="${y + 11}" font-size="11" fill="#59636e">${escapeXml(truncate(`Maps of ${image.file} (class ${image.target}${image.randomClass !== undefined ? ` vs random class ${image.randomClass}` : ''}) per stage; columns left to right: more randomized`, 150))}</text>`);
    y += 20;
    // Column headers.
    const headers = ['input', ...stages.map((s) => s.name)];
    headers.forEach((h, c) => {
      const x = MARGIN + LABEL_W + c * (CELL + GAP) + CELL / 2;
      out.push(`<text x="${x}" y="${y + 10}" font-size="10" text-anchor="middle">${escapeXml(truncate(h, 16))}</text>`);
    });
    y += 16;
    const { data, width: w, height: h } = r.pixels;
    const j = imageIndex;
    for (let mi = 0; mi < methods.length; mi++) {
      out.push(`<text x="${MARGIN}" y="${y + CELL / 2 + 4}" font-size="12">${escapeXml(truncate(methodNames[methods[mi]] ?? methods[mi], 16))}</text>`);
      const cells = [await cellPng(data, null, w, h), ...(await Promise.all(r.maps[j][mi].map((m) => (m ? cellPng(data, m, w, h) : Promise.resolve(null)))))];
      cells.forEach((href, c) => {
        const x = MARGIN + LABEL_W + c * (CELL + GAP);
        if (href) out.push(`<image x="${x}" y="${y}" width="${CELL}" height="${CELL}" preserveAspectRatio="none" href="${href}"/>`);
        else out.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="#eee"/><text x="${x + CELL / 2}" y="${y + CELL / 2}" font-size="10" text-anchor="middle">no map</text>`);
      });
      y += CELL + GAP;
    }
    y += 16;
  }
  // Curves.
  const n = stages.length;
  (['spearman', 'ssim', 'pearson'] as SimilarityName[]).forEach((k, p) => {
    const x0 = MARGIN + p * (PANEL_W + 24);
    const values = methods.flatMap((m) => json.methods[m][k].map((s) => s.mean).filter((v): v is number => v !== null));
    const lo = Math.min(0, Math.floor(Math.min(...values, 0) * 5) / 5);
    const px = (s: number): number => x0 + 40 + (n > 1 ? (s * (PANEL_W - 56)) / (n - 1) : (PANEL_W - 56) / 2);
    const py = (v: number): number => y + 24 + ((1 - v) * (PANEL_H - 80)) / (1 - lo);
    out.push(`<text x="${x0 + PANEL_W / 2}" y="${y + 12}" font-size="12" font-weight="bold" text-anchor="middle">${TITLES[k]}</text>`);
    for (let t = lo; t <= 1.0001; t += 0.2) {
      const yy = py(t);
      out.push(`<line x1="${x0 + 36}" x2="${x0 + PANEL_W - 12}" y1="${yy}" y2="${yy}" stroke="#d1d9e0" stroke-width="0.7"/>`);
      out.push(`<text x="${x0 + 32}" y="${yy + 3}" font-size="9" text-anchor="end">${t.toFixed(1)}</text>`);
    }
    stages.forEach((s, i) => {
      out.push(`<text transform="translate(${px(i)},${py(lo) + 10}) rotate(45)" font-size="8.5">${escapeXml(truncate(s.name, 14))}</text>`);
    });
    methods.forEach((m, mi) => {
      const pts = json.methods[m][k].map((s, i) => (s.mean === null ? null : `${px(i).toFixed(1)},${py(s.mean).toFixed(1)}`)).filter(Boolean);
      const color = COLORS[mi % COLORS.length];
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${pts.join(' ')}"/>`);
      for (const pt of pts) {
        const [cx, cy] = pt!.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="2.2" fill="${color}"/>`);
      }
    });
  });
  y += PANEL_H;
  // Legend with verdicts.
  methods.forEach((m, mi) => {
    const v = json.methods[m].verdict;
    const word = v.passed === null ? 'no verdict' : v.passed ? 'passes' : 'FAILS';
    const value = v.value === null ? '' : ` (${v.value.toFixed(3)})`;
    const blank = v.passed === true && v.blankAt !== null && json.settings.mode !== 'random-class' ? ` — blank once ${v.blankAt} was randomized` : '';
    out.push(`<rect x="${MARGIN}" y="${y + mi * 16}" width="12" height="3" fill="${COLORS[mi % COLORS.length]}"/>`);
    out.push(`<text x="${MARGIN + 18}" y="${y + mi * 16 + 5}" font-size="11">${escapeXml(`${methodNames[m] ?? m}: ${word}${value}${blank}`)}</text>`);
  });
  y += methods.length * 16 + 4;
  out.push(`<text x="${MARGIN}" y="${y + 8}" font-size="10" fill="#59636e">${escapeXml(`Rule: ${json.methods[methods[0]]?.verdict.rule ?? ''}`)}</text>`);
  y += 14 + MARGIN;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="${FIGURE_FONT}">\n<rect width="100%" height="100%" fill="#fff"/>\n${out.join('\n')}\n</svg>\n`;
}

export async function renderSanityPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}
