/**
 * The qualitative figure (like ScoreCAM++ Figures 2–4): one row per image, columns = the input and each method's
 * overlay, method names as column headers and a caption above each row. Built as SVG with the pixels embedded as
 * base64 PNG; figure.png is that SVG rendered by sharp (librsvg).
 */
import sharp from 'sharp';
import { CamscopeError } from '../errors';
import { escapeXml, truncate } from './format';
import type { FigureRow } from './types';

/** Font list for SVG text: librsvg picks the first installed, browsers likewise. */
export const FIGURE_FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Layout constants in SVG user units (= CSS px). */
export const FIGURE_STYLE = {
  margin: 20,
  columnGap: 8,
  rowGap: 14,
  headerHeight: 30,
  captionHeight: 22,
  headerFontSize: 15,
  captionFontSize: 13,
  /** Cells are at least this large; smaller inputs are scaled up by an integer factor (nearest neighbour). */
  minCell: 160,
  /** Larger inputs are scaled down to this (Lanczos). */
  maxCell: 256,
  /** figure.png is rendered at this many pixels per SVG unit, unless it would exceed maxPngPixels. */
  pngScale: 2,
  maxPngPixels: 16_000_000,
} as const;

/** Average glyph width of the figure font in em (DejaVu Sans is wide); used to fit text without measuring. */
const EM_WIDTH = 0.6;

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
  rows: { y: number; captionY: number; imageY: number; cell: FigureCellSize }[];
  /** x of each column's left edge. */
  columnX: number[];
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

export function figureLayout(rows: readonly FigureRow[], methodCount: number): FigureLayout {
  const S = FIGURE_STYLE;
  const columns = methodCount + 1;
  const cells = rows.map((r) => displaySize(r.width, r.height));
  const cellWidth = Math.max(S.minCell, ...cells.map((c) => c.width));
  const columnX = Array.from({ length: columns }, (_, i) => S.margin + i * (cellWidth + S.columnGap));
  const width = 2 * S.margin + columns * cellWidth + (columns - 1) * S.columnGap;
  let y = S.margin + S.headerHeight;
  const out: FigureLayout['rows'] = [];
  cells.forEach((cell, i) => {
    if (i > 0) y += S.rowGap;
    out.push({ y, captionY: y + S.captionFontSize + 2, imageY: y + S.captionHeight, cell });
    y += S.captionHeight + cell.height;
  });
  return { width, height: y + S.margin, cellWidth, columns, rows: out, columnX };
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
  const layout = figureLayout(rows, methods.length);
  const { width: W, height: H, cellWidth } = layout;
  const headers = ['Input', ...methods.map((id) => names[id] ?? id)];

  const parts: string[] = [];
  parts.push('<?xml version="1.0" encoding="UTF-8"?>');
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
      `width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FIGURE_FONT}">`,
  );
  parts.push('<title>camscope: qualitative examples</title>');
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);

  // Column headers, shrunk (down to 10 px) and then truncated to fit the column.
  parts.push(`<g font-size="${S.headerFontSize}" font-weight="bold" fill="#1f2328" text-anchor="middle">`);
  headers.forEach((text, c) => {
    const fitSize = Math.max(10, Math.min(S.headerFontSize, Math.floor(cellWidth / (Array.from(text).length * EM_WIDTH))));
    const maxChars = Math.max(1, Math.floor(cellWidth / (fitSize * EM_WIDTH)));
    const shown = truncate(text, maxChars);
    const size = fitSize === S.headerFontSize ? '' : ` font-size="${fitSize}"`;
    const x = layout.columnX[c] + cellWidth / 2;
    parts.push(`<text x="${x}" y="${S.margin + 18}"${size}>${escapeXml(shown)}${shown !== text ? `<title>${escapeXml(text)}</title>` : ''}</text>`);
  });
  parts.push('</g>');
  parts.push(
    `<line x1="${S.margin}" y1="${S.margin + S.headerHeight - 5.5}" x2="${W - S.margin}" y2="${S.margin + S.headerHeight - 5.5}" stroke="#8c959f" stroke-width="1"/>`,
  );

  const captionChars = Math.max(8, Math.floor((W - 2 * S.margin) / (S.captionFontSize * EM_WIDTH)));
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
    parts.push(
      `<text x="${S.margin}" y="${geo.captionY}" font-size="${S.captionFontSize}" fill="#424a53">${escapeXml(truncate(row.caption, captionChars))}</text>`,
    );
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
          `<text x="${x + cell.width / 2}" y="${y + cell.height / 2 + 5}" font-size="13" fill="#6e7781" text-anchor="middle">n/a</text>`,
        );
      }
    });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The figure as PNG (white background, no alpha): the SVG rendered at figurePngScale(layout). */
/** Splits figure rows into blocks of at most `size` rows. */
export function rowBlocks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += Math.max(1, size)) out.push(rows.slice(i, i + Math.max(1, size)));
  return out;
}

export async function renderFigurePng(
  rows: readonly FigureRow[], methods: readonly string[], names: Record<string, string>,
): Promise<{ png: Buffer; width: number; height: number }> {
  const layout = figureLayout(rows, methods.length);
  const scale = figurePngScale(layout);
  const svg = await buildFigureSvg(rows, methods, names, { pixelScale: scale });
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * scale, limitInputPixels: false })
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}
