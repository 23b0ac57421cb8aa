/**
 * The qualitative figure (like ScoreCAM++ Figures 2–4): one row per image, columns = the input and each method's
 * overlay, method names as column headers, a caption above each row and a colour bar (the map's 0–1 scale in the
 * colormap used) at the bottom. Built as SVG with the pixels embedded as base64 PNG; figure.png is that SVG rendered
 * by sharp (librsvg).
 *
 * Text stays legible in print: the figure is meant to be printed at most PRINT_WIDTH_PT wide (17 cm, a page's text
 * width), so captions, headers and the colour bar's labels are sized in pixels from the figure's own width to come
 * out at least MIN_PRINT_FONT_PT there. Long captions wrap onto a second line and are then ellipsized, never shrunk.
 */
import sharp from 'sharp';
import { CamscopeError } from '../errors';
import { colormapIndex, colormapLut, type ColormapName } from '../image/colormap';
import { escapeXml } from './format';
import type { FigureRow } from './types';

/** Font list for SVG text: librsvg picks the first installed, browsers likewise. */
export const FIGURE_FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Layout constants in SVG user units (= CSS px). */
export const FIGURE_STYLE = {
  margin: 20,
  columnGap: 8,
  rowGap: 14,
  /** Smallest sizes in px; a wide figure gets larger text (printFontPx). */
  headerFontSize: 15,
  captionFontSize: 13,
  /** Caption lines before the rest is ellipsized; header lines likewise. */
  captionLines: 2,
  headerLines: 3,
  lineHeight: 1.25,
  /** Stops of the colour bar's gradient (k/colorBarStops for k = 0…colorBarStops). */
  colorBarStops: 64,
  /** Cells are at least this large; smaller inputs are scaled up by an integer factor (nearest neighbour). */
  minCell: 160,
  /** Larger inputs are scaled down to this (Lanczos). */
  maxCell: 256,
  /** figure.png is rendered at this many pixels per SVG unit, unless it would exceed maxPngPixels. */
  pngScale: 2,
  maxPngPixels: 16_000_000,
} as const;

/** The print width the text sizes are made for: 17 cm in points. */
export const PRINT_WIDTH_PT = (17 / 2.54) * 72;
/** Smallest text size, in points, when the figure is printed PRINT_WIDTH_PT wide. */
export const MIN_PRINT_FONT_PT = 9;

/** A font size in px that is at least `minPx` and prints at least MIN_PRINT_FONT_PT at PRINT_WIDTH_PT wide. */
export function printFontPx(figureWidth: number, minPx: number): number {
  return Math.max(minPx, Math.ceil((10 * MIN_PRINT_FONT_PT * figureWidth) / PRINT_WIDTH_PT) / 10);
}

/**
 * Estimated advance width of a string in em for DejaVu Sans (wide; bold ~7 % wider), by character class: enough to
 * fit text without measuring, erring wide so nothing overflows.
 */
export function textWidthEm(text: string, bold = false): number {
  let em = 0;
  for (const ch of text) {
    if (/[iljI.,:;'|!()[\]{} ]/.test(ch)) em += 0.34;
    else if (/[mwMW@%]/.test(ch)) em += 0.95;
    else if (/[A-Z+=<>#&~—–]/.test(ch)) em += 0.76;
    else em += 0.63;
  }
  return bold ? em * 1.08 : em;
}

/**
 * Cuts a run too long for a line (a file name, a method name without spaces) at the last good place that fits: after
 * '/', '_', '-' or '.', or between a lower-case and an upper-case letter ("Score|CAM"). Without one, a caption run is
 * cut anywhere; a header word stays whole (it is then narrowed to the column, see fitAttr).
 */
function breakRun(word: string, fits: (s: string) => boolean, cutAnywhere: boolean): [string, string] {
  const chars = Array.from(word);
  let cut = 1;
  while (cut < chars.length && fits(chars.slice(0, cut + 1).join(''))) cut++;
  let at = 0;
  for (let i = 1; i <= Math.min(cut, chars.length - 1); i++) {
    const prev = chars[i - 1];
    if ('/_-.'.includes(prev) || (/[a-z]/.test(prev) && /[A-Z]/.test(chars[i]))) at = i;
  }
  if (at === 0) at = cutAnywhere ? cut : chars.length;
  return [chars.slice(0, at).join(''), chars.slice(at).join('')];
}

/**
 * Wraps text into at most `maxLines` lines of `width` px at `fontPx` (at spaces; a single run too long for a line,
 * like a long file name, is cut at a '/', '_', '-' or '.'), the last line ellipsized when text remains.
 */
export function wrapFigureText(text: string, width: number, fontPx: number, maxLines: number, bold = false): string[] {
  const fits = (s: string): boolean => textWidthEm(s, bold) * fontPx <= width;
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  const lines: string[] = [];
  let line = '';
  // Whether the last line ended inside a word (what follows it then joins without a space).
  let midWord = false;
  while (words.length > 0) {
    const word = words[0];
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate)) {
      line = candidate;
      words.shift();
    } else if (line) {
      lines.push(line);
      line = '';
      midWord = false;
    } else {
      const [head, rest] = breakRun(word, fits, !bold);
      lines.push(head);
      midWord = rest.length > 0;
      if (rest) words[0] = rest;
      else words.shift();
    }
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines && line) {
    lines.push(line);
    line = '';
  }
  if (words.length > 0 || line) {
    // Text left over: the last line ends in an ellipsis, cut until it fits.
    const rest = [line, ...words].filter((w) => w.length > 0).join(' ');
    let last = `${lines[lines.length - 1]}${midWord && !line ? '' : ' '}${rest}`.trim();
    while (Array.from(last).length > 1 && !fits(`${last}…`)) last = Array.from(last).slice(0, -1).join('');
    lines[lines.length - 1] = `${last.trimEnd()}…`;
  }
  return lines.length > 0 ? lines : [''];
}

export interface FigureCellSize {
  /** Displayed size in SVG units. */
  width: number;
  height: number;
  /** Nearest-neighbour upscaling (tiny inputs such as 28×28). */
  pixelated: boolean;
}

export interface FigureLayout {
  width: number;
  height: number;
  /** Column width (the widest displayed image). */
  cellWidth: number;
  columns: number;
  /** Font sizes in px (at least the print minimum for this width). */
  headerFontSize: number;
  captionFontSize: number;
  /** Each column's header, wrapped (the input's first), and the header band's height below the top margin. */
  headers: string[][];
  headerHeight: number;
  rows: { y: number; captionY: number; captionLines: string[]; imageY: number; cell: FigureCellSize }[];
  /** x of each column's left edge. */
  columnX: number[];
  /** The colour bar under the last row: its title's and labels' baselines and the gradient's box. */
  colorBar: { titleY: number; x: number; y: number; width: number; height: number; labelY: number };
}

/** How an image of the given size is displayed. */
export function displaySize(width: number, height: number): FigureCellSize {
  const m = Math.max(width, height);
  if (m < FIGURE_STYLE.minCell) {
    const k = Math.ceil(FIGURE_STYLE.minCell / m);
    return { width: width * k, height: height * k, pixelated: true };
  }
  if (m > FIGURE_STYLE.maxCell) {
    const f = FIGURE_STYLE.maxCell / m;
    return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)), pixelated: false };
  }
  return { width, height, pixelated: false };
}

/**
 * Where everything goes. `methods` are the method ids in column order and `names` their display names (the header
 * text, which may wrap), so a layout computed here matches the SVG drawn from the same arguments.
 */
export function figureLayout(
  rows: readonly FigureRow[], methods: readonly string[], names: Record<string, string> = {},
): FigureLayout {
  const S = FIGURE_STYLE;
  const columns = methods.length + 1;
  const cells = rows.map((r) => displaySize(r.width, r.height));
  const cellWidth = Math.max(S.minCell, ...cells.map((c) => c.width));
  const columnX = Array.from({ length: columns }, (_, i) => S.margin + i * (cellWidth + S.columnGap));
  const width = 2 * S.margin + columns * cellWidth + (columns - 1) * S.columnGap;
  const headerFontSize = printFontPx(width, S.headerFontSize);
  const captionFontSize = printFontPx(width, S.captionFontSize);
  const headerLine = headerFontSize * S.lineHeight;
  const captionLine = captionFontSize * S.lineHeight;
  const headers = ['Input', ...methods.map((id) => names[id] ?? id)].map((h) =>
    wrapFigureText(h, cellWidth - 4, headerFontSize, S.headerLines, true));
  const headerHeight = Math.max(...headers.map((h) => h.length)) * headerLine + 0.5 * headerFontSize;
  let y = S.margin + headerHeight;
  const out: FigureLayout['rows'] = [];
  cells.forEach((cell, i) => {
    if (i > 0) y += S.rowGap;
    const captionLines = wrapFigureText(rows[i].caption, width - 2 * S.margin, captionFontSize, S.captionLines);
    const captionHeight = captionLines.length * captionLine + 0.3 * captionFontSize;
    out.push({ y, captionY: y + captionFontSize, captionLines, imageY: y + captionHeight, cell });
    y += captionHeight + cell.height;
  });
  // Colour bar: a title line, the gradient, a line of labels; as wide as three columns (or the figure, if narrower).
  y += S.rowGap + captionFontSize;
  const titleY = y;
  const barY = titleY + 0.45 * captionFontSize;
  const barHeight = Math.round(captionFontSize * 1.1);
  const labelY = barY + barHeight + captionFontSize * 1.05;
  const barWidth = Math.min(width - 2 * S.margin, 3 * cellWidth + 2 * S.columnGap);
  const colorBar = { titleY, x: S.margin, y: barY, width: barWidth, height: barHeight, labelY };
  return {
    width, height: Math.ceil(labelY + 0.3 * captionFontSize + S.margin), cellWidth, columns, headerFontSize,
    captionFontSize, headers, headerHeight, rows: out, columnX, colorBar,
  };
}

/** For a header word that cannot break and may not fit its column: narrow its letters to the column, size unchanged. */
function fitAttr(line: string, width: number, fontPx: number): string {
  return textWidthEm(line, true) * fontPx > width ? ` textLength="${width}" lengthAdjust="spacingAndGlyphs"` : '';
}

/** The colormap the rows' overlays were drawn with (all rows share one). */
export function figureColormap(rows: readonly FigureRow[]): ColormapName {
  const names = [...new Set(rows.map((r) => r.colormap))];
  if (names.length !== 1) {
    throw new CamscopeError('INVALID_ARGUMENT', `Figure: the rows were drawn with ${names.length === 0 ? 'no' : 'different'} colormaps (${names.join(', ')}), so one colour bar cannot describe them.`);
  }
  return names[0];
}

/** The colour bar's gradient stops: offset k/n and the colormap's colour for that map value (as the overlays index it). */
export function colorBarStops(colormap: ColormapName, n: number = FIGURE_STYLE.colorBarStops): { offset: number; color: string }[] {
  const lut = colormapLut(colormap);
  return Array.from({ length: n + 1 }, (_, k) => {
    const i = colormapIndex(k / n) * 3;
    const hex = (v: number): string => v.toString(16).padStart(2, '0');
    return { offset: k / n, color: `#${hex(lut[i])}${hex(lut[i + 1])}${hex(lut[i + 2])}` };
  });
}

/** Pixel size of figure.png for a layout. */
export function figurePngScale(layout: FigureLayout): number {
  const s = FIGURE_STYLE.pngScale;
  return layout.width * s * layout.height * s <= FIGURE_STYLE.maxPngPixels ? s : 1;
}

function channelsOf(pixels: Uint8Array, width: number, height: number, what: string, allowed: readonly number[]): 1 | 3 {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new CamscopeError('INVALID_ARGUMENT', `Figure: ${what} has a bad size ${width}×${height}.`);
  }
  const c = pixels.length / (width * height);
  if (!allowed.includes(c)) {
    throw new CamscopeError(
      'INVALID_ARGUMENT',
      `Figure: ${what} has ${pixels.length} bytes, which is not ${allowed.map((a) => `${a}×${width}×${height}`).join(' or ')}.`,
    );
  }
  return c as 1 | 3;
}

/** Raw interleaved pixels → PNG at the displayed size × scale. */
async function encodeCell(
  pixels: Uint8Array, width: number, height: number, channels: 1 | 3, cell: FigureCellSize, scale: number,
): Promise<Buffer> {
  const w = cell.width * scale;
  const h = cell.height * scale;
  let img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels } });
  if (w !== width || h !== height) {
    // Integer upscales stay blocky (nearest); downscales of large inputs use Lanczos.
    const kernel = w >= width && h >= height && (w % width === 0) && (h % height === 0) ? 'nearest' : 'lanczos3';
    img = img.resize(w, h, { kernel, fit: 'fill' });
  }
  return img.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer();
}

export interface FigureSvgOptions {
  /** Embedded pixels per SVG unit (1 for figure.svg; figure.png's render scale so images map 1:1 to pixels). */
  pixelScale?: number;
}

/**
 * The figure as a standalone SVG document. `methods` are the method ids in column order, `names` their display
 * names. A missing overlay is drawn as a grey "n/a" cell.
 */
export async function buildFigureSvg(
  rows: readonly FigureRow[], methods: readonly string[], names: Record<string, string>, options: FigureSvgOptions = {},
): Promise<string> {
  const S = FIGURE_STYLE;
  const scale = options.pixelScale ?? 1;
  const layout = figureLayout(rows, methods, names);
  const { width: W, height: H, cellWidth } = layout;
  const colormap = figureColormap(rows);
  const fullHeaders = ['Input', ...methods.map((id) => names[id] ?? id)];
  const headerLine = layout.headerFontSize * S.lineHeight;
  const captionLine = layout.captionFontSize * S.lineHeight;
  const gradientId = `camscope-colorbar-${colormap}`;

  const parts: string[] = [];
  parts.push('<?xml version="1.0" encoding="UTF-8"?>');
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
      `width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FIGURE_FONT}">`,
  );
  parts.push('<title>camscope: qualitative examples</title>');
  parts.push(
    `<defs><linearGradient id="${gradientId}" x1="0" y1="0" x2="1" y2="0">` +
      colorBarStops(colormap).map((st) => `<stop offset="${+st.offset.toFixed(6)}" stop-color="${st.color}"/>`).join('') +
      '</linearGradient></defs>',
  );
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);

  // Column headers: the display names, wrapped at spaces (bottom-aligned), ellipsized only past two lines.
  parts.push(`<g class="headers" font-size="${layout.headerFontSize}" font-weight="bold" fill="#1f2328" text-anchor="middle">`);
  const headerBottom = S.margin + layout.headerHeight - 0.5 * layout.headerFontSize;
  layout.headers.forEach((lines, c) => {
    const x = layout.columnX[c] + cellWidth / 2;
    const full = fullHeaders[c];
    const cut = lines.join(' ') !== full;
    lines.forEach((line, k) => {
      const y = +(headerBottom - (lines.length - 1 - k) * headerLine - 0.25 * layout.headerFontSize).toFixed(2);
      parts.push(`<text x="${x}" y="${y}"${fitAttr(line, cellWidth - 4, layout.headerFontSize)}>${escapeXml(line)}${cut && k === lines.length - 1 ? `<title>${escapeXml(full)}</title>` : ''}</text>`);
    });
  });
  parts.push('</g>');
  parts.push(
    `<line x1="${S.margin}" y1="${headerBottom}" x2="${W - S.margin}" y2="${headerBottom}" stroke="#8c959f" stroke-width="1"/>`,
  );

  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const geo = layout.rows[r];
    const cell = geo.cell;
    const origChannels = channelsOf(row.original, row.width, row.height, `the image of '${row.file}'`, [1, 3]);
    const pngs: (Buffer | null)[] = await Promise.all([
      encodeCell(row.original, row.width, row.height, origChannels, cell, scale),
      ...methods.map((id) => {
        const ov = row.overlays[id];
        if (!ov) return Promise.resolve(null);
        channelsOf(ov, row.width, row.height, `the ${names[id] ?? id} overlay of '${row.file}'`, [3]);
        return encodeCell(ov, row.width, row.height, 3, cell, scale);
      }),
    ]);
    parts.push(`<g class="row">`);
    geo.captionLines.forEach((line, k) => {
      const y = +(geo.captionY + k * captionLine).toFixed(2);
      parts.push(`<text class="caption" x="${S.margin}" y="${y}" font-size="${layout.captionFontSize}" fill="#424a53">${escapeXml(line)}</text>`);
    });
    const dx = Math.floor((cellWidth - cell.width) / 2);
    pngs.forEach((png, c) => {
      const x = layout.columnX[c] + dx;
      const y = geo.imageY;
      if (png) {
        const style = cell.pixelated ? ' style="image-rendering:pixelated"' : '';
        parts.push(
          `<image x="${x}" y="${y}" width="${cell.width}" height="${cell.height}" preserveAspectRatio="none"${style} ` +
            `xlink:href="data:image/png;base64,${png.toString('base64')}"/>`,
        );
      } else {
        parts.push(`<rect x="${x}" y="${y}" width="${cell.width}" height="${cell.height}" fill="#eaeef2"/>`);
        parts.push(
          `<text x="${x + cell.width / 2}" y="${y + cell.height / 2 + 5}" font-size="${layout.captionFontSize}" fill="#6e7781" text-anchor="middle">n/a</text>`,
        );
      }
    });
    parts.push('</g>');
  }
  // The colour bar: what the overlay colours mean (the map's value, 0 = low to 1 = high, in this colormap).
  const bar = layout.colorBar;
  const f = layout.captionFontSize;
  parts.push(`<g class="colorbar" font-size="${f}" fill="#424a53">`);
  parts.push(`<text x="${bar.x}" y="${bar.titleY}">Map value (colormap: ${escapeXml(colormap)})</text>`);
  parts.push(
    `<rect x="${bar.x}" y="${bar.y}" width="${bar.width}" height="${bar.height}" fill="url(#${gradientId})"/>` +
      `<rect x="${bar.x}" y="${bar.y}" width="${bar.width}" height="${bar.height}" fill="none" stroke="#8c959f" stroke-width="0.5"/>`,
  );
  parts.push(`<text x="${bar.x}" y="${bar.labelY}">0 · low</text>`);
  parts.push(`<text x="${bar.x + bar.width / 2}" y="${bar.labelY}" text-anchor="middle">0.5</text>`);
  parts.push(`<text x="${bar.x + bar.width}" y="${bar.labelY}" text-anchor="end">high · 1</text>`);
  parts.push('</g>');
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Splits figure rows into blocks of at most `size` rows. */
export function rowBlocks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += Math.max(1, size)) out.push(rows.slice(i, i + Math.max(1, size)));
  return out;
}

/** The figure as PNG (white background, no alpha): the SVG rendered at figurePngScale(layout). */
export async function renderFigurePng(
  rows: readonly FigureRow[], methods: readonly string[], names: Record<string, string>,
): Promise<{ png: Buffer; width: number; height: number }> {
  const layout = figureLayout(rows, methods, names);
  const scale = figurePngScale(layout);
  const svg = await buildFigureSvg(rows, methods, names, { pixelScale: scale });
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * scale, limitInputPixels: false })
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}
