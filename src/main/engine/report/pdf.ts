/**
 * report.pdf (pdfkit, A4, the PDF standard Helvetica fonts only): title, the paper-form table with the best value
 * per row in bold, accuracy, exclusions, settings, and the figure on its own page.
 *
 * Standard fonts only carry the WinAnsi character set, so every string goes through toWinAnsi first.
 */
import PDFDocument from 'pdfkit';
import { drawComparisonSection } from '../compare/section-pdf';
import {
  COMPLEXITY_METRICS,
  COMPLEXITY_NOTE,
  COUNT_ROWS,
  LOCALIZATION_COUNT_ROWS,
  LOCALIZATION_METRICS,
  faithfulnessMetrics,
  hasComplexity,
  hasLocalization,
  isReference,
  type AnyMetricInfo,
  METRICS,
  HEADLINE_METRICS,
  type MetricKey,
  accuracyPct,
  baseName,
  formatDate,
  formatDuration,
  methodName,
  methodRow,
  metricRows,
  reportVerdict,
  scoreVariantLabel,
} from './format';
import { FIGURE_STYLE, figureLayout, renderFigurePng, rowBlocks } from './figure';
import { pdfBytes } from './pdf-bytes';
import { SCORE_FREE_HEADING, SCORE_FREE_NOTE, scoreFreeLines } from './score-free';
import { settingGroups } from './settings';
import type { ReportInput } from './types';
import { toWinAnsi } from './win-ansi';

export { toWinAnsi };

type Doc = PDFKit.PDFDocument;

const COLOR = { fg: '#1f2328', muted: '#59636e', rule: '#d1d9e0', soft: '#f3f5f7', accent: '#0a5bb5' };
const FONT = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique' };
/** Failed images listed by name in the PDF; the rest are counted. */
const MAX_FAILED_LISTED = 25;
const MARGIN = { top: 54, bottom: 60, left: 50, right: 50 };

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottom(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

function isLandscape(doc: Doc): boolean {
  return doc.page.width > doc.page.height;
}

/** A new A4 page, in the current page's orientation unless told. */
function newPage(doc: Doc, landscape = isLandscape(doc)): void {
  doc.addPage({ size: 'A4', layout: landscape ? 'landscape' : 'portrait', margins: MARGIN });
}

/** Starts a new page (same orientation) unless `height` points fit below the cursor. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottom(doc)) newPage(doc);
}

function triangle(doc: Doc, x: number, baseline: number, better: 'higher' | 'lower', size = 5.5): void {
  const h = size * 0.87;
  doc.save().fillColor(COLOR.accent);
  if (better === 'higher') doc.polygon([x, baseline], [x + size, baseline], [x + size / 2, baseline - h]);
  else doc.polygon([x, baseline - h], [x + size, baseline - h], [x + size / 2, baseline]);
  doc.fill().restore();
}

function heading(doc: Doc, text: string): void {
  ensureSpace(doc, 60);
  doc.font(FONT.bold).fontSize(12.5).moveDown(0.9); // the gap in the heading's own size, whatever came before
  const x = doc.page.margins.left;
  doc.fillColor(COLOR.fg).text(toWinAnsi(text), x, doc.y);
  const y = doc.y + 2;
  doc.save().moveTo(x, y).lineTo(x + contentWidth(doc), y).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
  doc.y = y + 6;
}

function paragraph(doc: Doc, text: string, options: { size?: number; color?: string; font?: string } = {}): void {
  doc
    .font(options.font ?? FONT.regular)
    .fontSize(options.size ?? 9.5)
    .fillColor(options.color ?? COLOR.fg)
    .text(toWinAnsi(text), doc.page.margins.left, doc.y, { width: contentWidth(doc), lineGap: 1.5 });
}

function rule(doc: Doc, y: number, width: number, weight: number, color = COLOR.fg): void {
  const x = doc.page.margins.left;
  doc.save().moveTo(x, y).lineTo(x + width, y).lineWidth(weight).strokeColor(color).stroke().restore();
}

/** Splits text into lines at spaces only (never inside a name like "Grad-CAM++"), for the current font. */
function wrapWords(doc: Doc, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && doc.widthOfString(candidate) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** Body text size of the metric table, and the smallest it may shrink to before methods are split into groups. */
const TABLE_SIZE = { normal: 9.5, min: 7.5 };
/** A4 text widths in points (portrait, landscape). */
const TEXT_WIDTH = { portrait: 595.28 - MARGIN.left - MARGIN.right, landscape: 841.89 - MARGIN.left - MARGIN.right };
const CELL_PAD = 6;

type CountRow = { key: keyof ReturnType<typeof methodRow>; label: string };

/** How the metric tables are set: page orientation, text size, column widths and the method groups (usually one). */
export interface TablePlan {
  landscape: boolean;
  size: number;
  labelW: number;
  colW: number;
  /** [from, to) ranges of settings.methods, one table each; the metric names are repeated in every one. */
  groups: [number, number][];
}

/** The label column and the method column widths the tables need at a text size (every table of the run). */
function tableWidths(doc: Doc, input: ReportInput, size: number): { labelW: number; colW: number } {
  const k = size / TABLE_SIZE.normal;
  const blocks: { metrics: readonly AnyMetricInfo[]; counts: readonly CountRow[] }[] = [{ metrics: faithfulnessMetrics(input), counts: COUNT_ROWS }];
  if (hasLocalization(input)) blocks.push({ metrics: LOCALIZATION_METRICS, counts: LOCALIZATION_COUNT_ROWS });
  if (hasComplexity(input)) blocks.push({ metrics: COMPLEXITY_METRICS, counts: [] });
  let labelW = doc.font(FONT.regular).fontSize(size).widthOfString('Metric');
  let colW = 0;
  for (const b of blocks) {
    doc.font(FONT.regular).fontSize(size);
    for (const m of b.metrics) labelW = Math.max(labelW, doc.widthOfString(toWinAnsi(m.label)) + 5 + 5.5 * k);
    doc.fontSize(8 * k);
    for (const c of b.counts) labelW = Math.max(labelW, doc.widthOfString(toWinAnsi(c.label)));
    doc.font(FONT.bold).fontSize(size);
    for (const row of metricRows(input, b.metrics)) for (const c of row.cells) colW = Math.max(colW, doc.widthOfString(toWinAnsi(c.text)));
  }
  // Method names wrap at spaces, so a column is as wide as the longest word of a name.
  doc.font(FONT.bold).fontSize(9 * k);
  for (const id of input.settings.methods) {
    for (const w of toWinAnsi(methodName(input, id)).split(/\s+/)) colW = Math.max(colW, doc.widthOfString(w));
  }
  return { labelW: Math.ceil(labelW + 6 * k), colW: Math.ceil(Math.max(colW, 30 * k) + CELL_PAD + 2 * k) };
}

/**
 * Fits the methods into one table: portrait at the normal size; else landscape, shrinking the text down to
 * TABLE_SIZE.min; only when even that is too narrow, landscape at the minimum size with the methods split into
 * groups of equal size (each a whole table with the metric names repeated).
 */
export function planTables(doc: Doc, input: ReportInput): TablePlan {
  const n = input.settings.methods.length;
  const one: [number, number][] = [[0, n]];
  const portrait = tableWidths(doc, input, TABLE_SIZE.normal);
  if (portrait.labelW + n * portrait.colW <= TEXT_WIDTH.portrait) {
    return { landscape: false, size: TABLE_SIZE.normal, ...portrait, groups: one };
  }
  for (let size = TABLE_SIZE.normal; size >= TABLE_SIZE.min - 1e-9; size -= 0.5) {
    const w = tableWidths(doc, input, size);
    if (w.labelW + n * w.colW <= TEXT_WIDTH.landscape) return { landscape: true, size, ...w, groups: one };
  }
  const w = tableWidths(doc, input, TABLE_SIZE.min);
  const fit = Math.max(1, Math.floor((TEXT_WIDTH.landscape - w.labelW) / w.colW));
  const count = Math.ceil(n / fit);
  const per = Math.ceil(n / count);
  const groups: [number, number][] = [];
  for (let from = 0; from < n; from += per) groups.push([from, Math.min(n, from + per)]);
  return { landscape: true, size: TABLE_SIZE.min, ...w, groups };
}

/** One paper-form table for methods [from, to): never split across pages (it moves to the next page whole). */
function metricTable(
  doc: Doc, input: ReportInput, plan: TablePlan, from: number, to: number,
  metrics: readonly AnyMetricInfo[] = METRICS,
  counts: readonly CountRow[] = COUNT_ROWS,
): void {
  const ids = input.settings.methods.slice(from, to);
  const rows = metricRows(input, metrics);
  const x0 = doc.page.margins.left;
  const k = plan.size / TABLE_SIZE.normal;
  const { labelW, colW } = plan;
  const tableW = labelW + colW * ids.length;
  const pad = CELL_PAD;
  const rowH = 17 * k;
  const countH = 13.5 * k;
  const headSize = 9 * k;
  const lineH = 11 * k;
  const countSize = 8 * k;

  // Method names wrap at spaces; a single word wider than the column is set smaller.
  doc.font(FONT.bold).fontSize(headSize);
  const heads = ids.map((id) => {
    const name = toWinAnsi(methodName(input, id));
    const widest = Math.max(...name.split(/\s+/).map((w) => doc.widthOfString(w)));
    const size = widest > colW - pad ? Math.max(6, (headSize * (colW - pad)) / widest) : headSize;
    doc.fontSize(size);
    const lines = wrapWords(doc, name, colW - pad);
    doc.fontSize(headSize);
    return { lines, size };
  });
  const headH = Math.max(...heads.map((h) => h.lines.length)) * lineH + 9 * k;
  const total = 1 + headH + rows.length * rowH + counts.length * countH + 8;
  ensureSpace(doc, total);

  let y = doc.y;
  rule(doc, y, tableW, 1.2);
  // Header: method names, bottom-aligned, right-aligned over the numbers.
  doc.font(FONT.bold).fontSize(headSize).fillColor(COLOR.fg);
  doc.text('Metric', x0 + 2, y + headH - 4 * k - lineH + 1.5 * k, { width: labelW - 4, lineBreak: false });
  heads.forEach((h, i) => {
    doc.fontSize(h.size);
    h.lines.forEach((line, j) => {
      const ly = y + headH - 4 * k - (h.lines.length - j) * lineH + 1.5 * k;
      doc.text(line, x0 + labelW + i * colW, ly, { width: colW - pad, align: 'right', lineBreak: false });
    });
  });
  y += headH;
  rule(doc, y, tableW, 0.6);

  rows.forEach((row, r) => {
    if (r % 2 === 1) doc.save().rect(x0, y + 0.3, tableW, rowH - 0.6).fill(COLOR.soft).restore();
    const base = y + 5 * k;
    const label = toWinAnsi(row.info.label);
    doc.font(FONT.regular).fontSize(plan.size).fillColor(COLOR.fg).text(label, x0 + 2, base, { lineBreak: false });
    triangle(doc, x0 + 2 + doc.widthOfString(label) + 5 * k, base + 7.2 * k, row.info.better, 5.5 * k);
    row.cells.slice(from, to).forEach((c, i) => {
      doc
        .font(c.best ? FONT.bold : FONT.regular)
        .fontSize(plan.size)
        .fillColor(COLOR.fg)
        .text(toWinAnsi(c.text), x0 + labelW + i * colW, base, { width: colW - pad, align: 'right', lineBreak: false });
    });
    y += rowH;
  });

  rule(doc, y, tableW, 0.4, COLOR.rule);
  y += 2;
  counts.forEach((c) => {
    doc.font(FONT.regular).fontSize(countSize).fillColor(COLOR.muted);
    doc.text(toWinAnsi(c.label), x0 + 2, y + 3.5 * k, { lineBreak: false });
    ids.forEach((id, i) => {
      doc.text(String(methodRow(input, id)[c.key] ?? '-'), x0 + labelW + i * colW, y + 3.5 * k, {
        width: colW - pad, align: 'right', lineBreak: false,
      });
    });
    y += countH;
  });
  y += 3;
  rule(doc, y, tableW, 1.2);
  doc.x = x0;
  doc.y = y + 8;
}

/** Every table of a block (one per method group), each whole on a page. */
function metricTables(
  doc: Doc, input: ReportInput, plan: TablePlan, metrics?: readonly AnyMetricInfo[], counts?: readonly CountRow[],
): void {
  plan.groups.forEach(([from, to], g) => {
    if (g > 0) doc.moveDown(0.6);
    metricTable(doc, input, plan, from, to, metrics, counts);
  });
}

const CHART_COLOR = { bar: '#9dbbe0', best: COLOR.accent, reference: '#e4e8ec', hatch: '#8c959f', track: '#f3f5f7' };

/** A bar filled with the reference look: light grey with diagonal hatching, so it reads as "not a contender". */
function hatchedBar(doc: Doc, x: number, y: number, w: number, h: number): void {
  doc.save().rect(x, y, w, h).fill(CHART_COLOR.reference).restore();
  doc.save().rect(x, y, w, h).clip();
  doc.lineWidth(0.6).strokeColor(CHART_COLOR.hatch);
  for (let t = -h; t < w; t += 3.5) doc.moveTo(x + t, y + h).lineTo(x + t + h, y).stroke();
  doc.restore();
  doc.save().rect(x, y, w, h).lineWidth(0.4).strokeColor(CHART_COLOR.hatch).stroke().restore();
}

/**
 * The app's chart in vector form: one horizontal bar chart per headline metric (Average Drop, Increase in
 * Confidence, Win %), a bar per method with its value written at the end; the best method's bar in the accent
 * colour, the random reference hatched grey. Bars run from 0 to the largest value of the metric.
 */
function metricChart(doc: Doc, input: ReportInput): void {
  const ids = input.settings.methods;
  const rows = metricRows(input, HEADLINE_METRICS);
  const x0 = doc.page.margins.left;
  const W = contentWidth(doc);
  const n = ids.length;
  const barH = n <= 6 ? 11 : n <= 12 ? 8.5 : 7;
  const gap = n <= 6 ? 4 : 3;
  const labelSize = n <= 12 ? 8 : 7;
  const titleH = 18;
  const top = 28;
  const height = titleH + top + n * (barH + gap) + 14;
  // The chart stays whole: on this page when it fits under the table, else on the next.
  doc.moveDown(0.6);
  ensureSpace(doc, height);
  doc.font(FONT.bold).fontSize(10.5).fillColor(COLOR.fg).text('Headline metrics per method', x0, doc.y, { lineBreak: false });
  const y0 = doc.y + titleH;
  doc.font(FONT.regular).fontSize(labelSize);
  const names = ids.map((id) => toWinAnsi(methodName(input, id)));
  const nameW = Math.min(Math.max(...names.map((t) => doc.widthOfString(t))) + 8, 0.3 * W);
  const panelGap = 16;
  const panelW = (W - nameW - 2 * panelGap) / 3;
  const valueW = 34;
  ids.forEach((id, i) => {
    const y = y0 + top + i * (barH + gap);
    doc.font(isReference(id) ? FONT.italic : FONT.regular).fontSize(labelSize).fillColor(COLOR.fg);
    doc.text(names[i], x0, y + (barH - labelSize) / 2 + 0.5, { width: nameW - 8, align: 'right', lineBreak: false, ellipsis: true });
  });
  rows.forEach((row, p) => {
    const px = x0 + nameW + p * (panelW + panelGap);
    doc.font(FONT.bold).fontSize(9).fillColor(COLOR.fg).text(toWinAnsi(row.info.label), px, y0, { width: panelW, lineBreak: false });
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted)
      .text(row.info.better === 'lower' ? 'lower is better' : 'higher is better', px, y0 + 12, { width: panelW, lineBreak: false });
    const values = ids.map((id) => methodRow(input, id)[row.info.key as MetricKey]);
    const max = Math.max(1e-9, ...values.map((v) => (v !== null && Number.isFinite(v) ? v : 0)));
    const span = panelW - valueW;
    // The zero line the bars start from.
    doc.save().moveTo(px, y0 + top - 2).lineTo(px, y0 + top + n * (barH + gap) - gap + 2).lineWidth(0.6).strokeColor(COLOR.muted).stroke().restore();
    ids.forEach((id, i) => {
      const v = values[i];
      const y = y0 + top + i * (barH + gap);
      const cell = row.cells[i];
      const w = v === null || !Number.isFinite(v) ? 0 : Math.max(0.8, (span * Math.max(0, v)) / max);
      doc.save().rect(px, y, span, barH).fill(CHART_COLOR.track).restore();
      if (w > 0) {
        if (isReference(id)) hatchedBar(doc, px, y, w, barH);
        else doc.save().rect(px, y, w, barH).fill(cell.best ? CHART_COLOR.best : CHART_COLOR.bar).restore();
      }
      doc.font(cell.best ? FONT.bold : FONT.regular).fontSize(labelSize).fillColor(cell.best ? COLOR.accent : COLOR.fg)
        .text(toWinAnsi(cell.text), px + w + 3, y + (barH - labelSize) / 2 + 0.5, { lineBreak: false });
    });
  });
  // Key: what the fills mean.
  const ky = y0 + top + n * (barH + gap) + 4;
  let kx = x0 + nameW;
  doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
  doc.save().rect(kx, ky, 14, 7).fill(CHART_COLOR.best).restore();
  kx += 18;
  const bestText = 'best of the metric (as in the table)';
  doc.text(bestText, kx, ky - 0.5, { lineBreak: false });
  kx += doc.widthOfString(bestText) + 14;
  doc.save().rect(kx, ky, 14, 7).fill(CHART_COLOR.bar).restore();
  kx += 18;
  doc.text('other methods', kx, ky - 0.5, { lineBreak: false });
  kx += doc.widthOfString('other methods') + 14;
  if (ids.some(isReference)) {
    hatchedBar(doc, kx, ky, 14, 7);
    kx += 18;
    doc.fillColor(COLOR.muted).text('reference (random baseline)', kx, ky - 0.5, { lineBreak: false });
  }
  doc.x = x0;
  doc.y = y0 - titleH + height;
}

function legend(doc: Doc): void {
  const x0 = doc.page.margins.left;
  const y = doc.y;
  doc.font(FONT.regular).fontSize(8.5).fillColor(COLOR.muted);
  let x = x0;
  triangle(doc, x, y + 7, 'higher', 5);
  x += 8;
  const a = 'higher is better';
  doc.text(a, x, y, { lineBreak: false });
  x += doc.widthOfString(a) + 12;
  triangle(doc, x, y + 7, 'lower', 5);
  x += 8;
  const b = 'lower is better';
  doc.text(b, x, y, { lineBreak: false });
  x += doc.widthOfString(b) + 12;
  doc.text('Best value of each row in ', x, y, { lineBreak: false, continued: true })
    .font(FONT.bold).text('bold', { continued: true })
    .font(FONT.regular).text(' (ties all marked, compared as shown).', { lineBreak: false });
  doc.x = x0;
  doc.y = y + 14;
}

function definitions(doc: Doc, input: ReportInput): void {
  const x0 = doc.page.margins.left;
  const W = contentWidth(doc);
  const labelW = 132;
  doc.moveDown(0.3);
  for (const m of faithfulnessMetrics(input)) {
    doc.font(FONT.regular).fontSize(8);
    const text = toWinAnsi(m.description);
    const h = doc.heightOfString(text, { width: W - labelW });
    ensureSpace(doc, h + 2);
    const y = doc.y;
    doc.font(FONT.bold).fillColor(COLOR.fg).text(toWinAnsi(m.label), x0, y, { width: labelW - 6, lineBreak: false });
    doc.font(FONT.regular).fillColor(COLOR.muted).text(text, x0 + labelW, y, { width: W - labelW });
    doc.y = Math.max(doc.y, y + 10) + 2.5;
  }
  doc.x = x0;
  paragraph(
    doc,
    `Y is the target class's score on the whole image and O its score on the image weighted by the map, both as ` +
      `${scoreVariantLabel(input.settings.score, input.settings.preprocessing.scores)}; the target is the predicted class.`,
    { size: 8, color: COLOR.muted },
  );
}

/** The verdict across metrics (evaluate/verdict.ts), one bullet per sentence, under the table. */
function verdict(doc: Doc, input: ReportInput): void {
  const x0 = doc.page.margins.left;
  doc.moveDown(0.5);
  ensureSpace(doc, 40);
  doc.font(FONT.bold).fontSize(10.5).fillColor(COLOR.fg).text('Verdict across metrics', x0, doc.y);
  doc.moveDown(0.2);
  for (const line of reportVerdict(input).sentences) bullet(doc, line, 8.5);
}

function bullet(doc: Doc, text: string, size = 9): void {
  const x0 = doc.page.margins.left;
  doc.font(FONT.regular).fontSize(size);
  const t = toWinAnsi(text);
  const h = doc.heightOfString(t, { width: contentWidth(doc) - 14 });
  ensureSpace(doc, h);
  const y = doc.y;
  doc.fillColor(COLOR.fg).text('•', x0 + 3, y, { lineBreak: false });
  doc.text(t, x0 + 14, y, { width: contentWidth(doc) - 14 });
  doc.x = x0;
}

function exclusions(doc: Doc, input: ReportInput): void {
  heading(doc, 'Excluded images');
  const n = input.failed.length;
  if (n === 0) {
    paragraph(doc, 'No image failed.');
  } else {
    paragraph(doc, `${n} image${n === 1 ? '' : 's'} could not be evaluated and ${n === 1 ? 'is' : 'are'} left out of every metric:`);
    doc.moveDown(0.2);
    const shown = input.failed.slice(0, MAX_FAILED_LISTED);
    for (const f of shown) bullet(doc, `${f.file} - ${f.message}`);
    if (input.failed.length > shown.length) {
      bullet(doc, `... and ${input.failed.length - shown.length} more (all are listed in report.json and report.html)`);
    }
  }
  const ids = input.settings.methods;
  const counts = ids.map((id) => methodRow(input, id).excluded_nonpositive_Y);
  const perMethod = ids.map((id, i) => `${methodName(input, id)} ${counts[i]}`).join(', ');
  if (input.settings.score === 'logit' || counts.some((c) => c > 0)) {
    doc.moveDown(0.5);
    paragraph(
      doc,
      'Images with Y ≤ 0: Average Drop divides by the full-image score Y, which has no meaning for a zero or negative ' +
        'logit, so such images are left out of Average Drop (the row "Images in Average Drop" gives how many entered); ' +
        'the other metrics still count them. ' +
        `Left out per method: ${perMethod}.`,
    );
  }
  const flat = ids.map((id) => methodRow(input, id).flat_maps);
  if (flat.some((c) => c > 0)) {
    doc.moveDown(0.5);
    paragraph(
      doc,
      `Flat maps (the same value everywhere, so the map explains nothing): ${ids
        .map((id, i) => `${methodName(input, id)} ${flat[i]}`)
        .join(', ')}.`,
      { color: COLOR.muted, size: 8.5 },
    );
  }
}

function settings(doc: Doc, input: ReportInput): void {
  const x0 = doc.page.margins.left;
  const W = contentWidth(doc);
  const keyW = 130;
  const size = 8.5;
  doc.font(FONT.regular).fontSize(size);
  const groups = settingGroups(input).map((g) => {
    const entries = g.entries.map((e) => {
      let value = e.value;
      if (e.list && e.list.length > 0) {
        const shown = e.list.slice(0, 12).join(', ');
        value += e.list.length <= 12 ? `: ${shown}` : `: ${shown}, ... (${e.list.length - 12} more in report.json)`;
      }
      const v = toWinAnsi(value);
      return { key: toWinAnsi(e.key), value: v, height: Math.max(doc.heightOfString(v, { width: W - keyW }), 10) };
    });
    return { title: toWinAnsi(g.title), entries, height: 24 + entries.reduce((sum, e) => sum + e.height + 1.5, 0) };
  });
  const pageRoom = bottom(doc) - doc.page.margins.top;
  // The heading goes with the first group; a group stays on one page when it can.
  ensureSpace(doc, Math.min(60 + groups[0].height, pageRoom));
  heading(doc, 'Settings');
  for (const g of groups) {
    ensureSpace(doc, Math.min(g.height, pageRoom));
    doc.font(FONT.bold).fontSize(9).moveDown(0.35);
    doc.fillColor(COLOR.fg).text(g.title, x0, doc.y);
    doc.moveDown(0.15);
    for (const e of g.entries) {
      ensureSpace(doc, e.height + 2);
      const y = doc.y;
      doc.font(FONT.regular).fontSize(size);
      doc.fillColor(COLOR.muted).text(e.key, x0, y, { width: keyW - 8 });
      doc.fillColor(COLOR.fg).text(e.value, x0 + keyW, y, { width: W - keyW });
      doc.y = Math.max(doc.y, y + e.height) + 1.5;
    }
  }
  doc.x = x0;
}

export interface FigureImage {
  png: Buffer;
  width: number;
  height: number;
}

interface FigurePage {
  image: FigureImage;
  landscape: boolean;
}

const A4 = { w: 595.28, h: 841.89 };
/** Space a figure page loses to its heading and caption, in points. */
const FIGURE_PAGE_CHROME = 44 + 26;

function figureBox(landscape: boolean): { w: number; h: number } {
  const [pw, ph] = landscape ? [A4.h, A4.w] : [A4.w, A4.h];
  return { w: pw - MARGIN.left - MARGIN.right, h: ph - MARGIN.top - MARGIN.bottom - FIGURE_PAGE_CHROME };
}

/**
 * The figure's pages. A figure that fits one page without shrinking much below page width goes there whole (figure.png
 * itself); a long one is cut into blocks of rows, each rendered with its own column headers, one block per page.
 */
async function planFigurePages(input: ReportInput, full: FigureImage): Promise<FigurePage[]> {
  const layout = figureLayout(input.figure, input.settings.methods, input.methodNames);
  const wideFits = (landscape: boolean): number => Math.min(1, figureBox(landscape).w / layout.width);
  const wholeFits = (landscape: boolean): number =>
    Math.min(figureBox(landscape).w / layout.width, figureBox(landscape).h / layout.height, 1);
  // One page: the orientation that shows the whole figure largest, if that is at least 60 % of page-width size.
  const single = [false, true].map((landscape) => ({ landscape, scale: wholeFits(landscape) }))
    .sort((a, b) => b.scale - a.scale || Number(a.landscape) - Number(b.landscape))[0];
  if (input.figure.length <= 1 || single.scale >= 0.6 * wideFits(single.landscape)) {
    return [{ image: full, landscape: single.landscape }];
  }
  // Several pages at page width: portrait, unless landscape shows the images clearly larger and still holds 3 rows.
  // Every block has its own headers and colour bar; a row band is its caption, image and gap (the tallest one).
  const S = FIGURE_STYLE;
  const head = layout.rows[0].y;
  const foot = layout.height - layout.colorBar.titleY + layout.captionFontSize + S.rowGap;
  const rowBand = Math.max(...layout.rows.map((r, i) =>
    (i + 1 < layout.rows.length ? layout.rows[i + 1].y : r.imageY + r.cell.height + S.rowGap) - r.y));
  const rowsPerPage = (landscape: boolean): number => {
    const scale = wideFits(landscape);
    return Math.max(1, Math.floor((figureBox(landscape).h - (head + foot) * scale + S.rowGap * scale) / (rowBand * scale)));
  };
  const landscape = wideFits(true) > 1.25 * wideFits(false) && rowsPerPage(true) >= 3;
  const perPage = rowsPerPage(landscape);
  const pages: FigurePage[] = [];
  for (const block of rowBlocks(input.figure, perPage)) {
    const { png, width, height } = await renderFigurePng(block, input.settings.methods, input.methodNames);
    pages.push({ image: { png, width, height }, landscape });
  }
  return pages;
}

function figurePage(doc: Doc, page: FigurePage, index: number, count: number): void {
  const png = page.image;
  doc.addPage({ size: 'A4', layout: page.landscape ? 'landscape' : 'portrait', margins: MARGIN });
  heading(doc, count > 1 ? `Qualitative examples (${index + 1} of ${count})` : 'Qualitative examples');
  const x0 = doc.page.margins.left;
  const W = contentWidth(doc);
  const captionH = 26;
  const H = bottom(doc) - doc.y - captionH;
  const scale = Math.min(W / png.width, H / png.height, 1);
  const w = png.width * scale;
  const h = png.height * scale;
  const top = doc.y;
  doc.image(png.png, x0 + (W - w) / 2, top, { width: w, height: h });
  doc.y = top + h + 6;
  if (index === count - 1) {
    paragraph(
      doc,
      'Each row: an image from the sample (caption: file, label -> prediction and its probability), then each ' +
        "method's map overlaid on the model input.",
      { size: 8, color: COLOR.muted },
    );
  }
}

function footers(doc: Doc, input: ReportInput): void {
  const range = doc.bufferedPageRange();
  const text = `camscope ${input.settings.camscope} evaluation · ${baseName(input.settings.model.path)}`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing below the bottom margin must not open a new page
    const y = doc.page.height - 36;
    const x0 = doc.page.margins.left;
    const W = contentWidth(doc);
    doc.font(FONT.regular).fontSize(7.5).fillColor(COLOR.muted);
    doc.text(toWinAnsi(text), x0, y, { width: W, align: 'left', lineBreak: false });
    doc.text(`Page ${i + 1} of ${range.count}`, x0, y, { width: W, align: 'right', lineBreak: false });
    doc.page.margins.bottom = saved;
  }
}

/**
 * Renders report.pdf. `figure` is figure.png (null for none); a figure too long for one page is re-rendered in
 * blocks of rows from input.figure.
 */
export async function renderPdf(input: ReportInput, figure: FigureImage | null): Promise<Buffer> {
  let figurePages: FigurePage[] = [];
  if (figure) {
    figurePages = input.figure.length > 0 ? await planFigurePages(input, figure) : [{ image: figure, landscape: false }];
  }
  const s = input.settings;
  const created = new Date(s.created);
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    // The first page's orientation depends on the table (planned below with the document's own font metrics).
    autoFirstPage: false,
    info: {
      Title: 'camscope evaluation',
      Author: 'camscope',
      Subject: toWinAnsi(`Faithfulness evaluation of ${s.methods.length} CAM methods on ${baseName(s.model.path)}`),
      Creator: `camscope ${s.camscope}`,
      Keywords: 'CAM, ScoreCAM++, faithfulness, Average Drop, Increase in Confidence',
      ...(Number.isNaN(created.getTime()) ? {} : { CreationDate: created }),
    },
  });
  return pdfBytes(doc, () => {
    const plan = planTables(doc, input);
    newPage(doc, plan.landscape);
    const x0 = doc.page.margins.left;
    // Title block.
    doc.font(FONT.bold).fontSize(22).fillColor(COLOR.fg).text('camscope evaluation', x0, doc.page.margins.top);
    doc.moveDown(0.15);
    paragraph(
      doc,
      [`Model ${baseName(s.model.path)}`, `score: ${scoreVariantLabel(s.score, s.preprocessing.scores)}`, formatDate(s.created)].join('  ·  '),
      { size: 9.5, color: COLOR.muted },
    );
    const pct = accuracyPct(input.accuracy);
    paragraph(
      doc,
      [
        `${input.records.length} image${input.records.length === 1 ? '' : 's'} evaluated (of ${s.dataset.total} in the dataset)`,
        pct === null ? 'accuracy n/a (no labels)' : `accuracy ${pct.toFixed(2)} %`,
        `${input.failed.length} failed`,
        `elapsed ${formatDuration(input.elapsedSeconds)}`,
      ].join('  ·  '),
      { size: 9.5, color: COLOR.muted },
    );
    doc.moveDown(0.4);
    rule(doc, doc.y, contentWidth(doc), 1.5);
    doc.y += 4;

    heading(doc, 'Faithfulness');
    const n = s.methods.length;
    if (n === 0) paragraph(doc, 'No method was evaluated.');
    else metricTables(doc, input, plan, faithfulnessMetrics(input));
    legend(doc);
    if (s.methods.some(isReference)) {
      paragraph(doc, 'A column marked "(reference)" is the random baseline: a line a method should beat, never marked best nor counted in Win %.', { size: 8.5, color: COLOR.muted });
    }
    if (n > 0) verdict(doc, input);
    if (n > 0) metricChart(doc, input);
    definitions(doc, input);

    if (hasComplexity(input)) {
      heading(doc, 'Complexity of the maps');
      metricTables(doc, input, plan, COMPLEXITY_METRICS, []);
      paragraph(doc, COMPLEXITY_NOTE, { size: 8.5, color: COLOR.muted });
      for (const m of COMPLEXITY_METRICS) paragraph(doc, `${m.label}: ${m.description}`, { size: 8.5 });
    }

    if (hasLocalization(input)) {
      heading(doc, 'Localization (expert regions)');
      metricTables(doc, input, plan, LOCALIZATION_METRICS, LOCALIZATION_COUNT_ROWS);
      const l = s.localization;
      if (l) {
        paragraph(
          doc,
          `Regions: ${l.source}; ${l.regionClass === 'target' ? 'only regions whose class is the explained class' : 'all regions of an image'}; ` +
            `pointing tolerance ${l.pointingTolerance} px; IoU threshold ${l.iouThreshold}. Regions are mapped into the model's input frame ` +
            'through the image\'s resize and crop; means are over the images with regions (pointing game: with regions or points).',
          { size: 8.5, color: COLOR.muted },
        );
      }
      for (const m of LOCALIZATION_METRICS) paragraph(doc, `${m.label}: ${m.description}`, { size: 8.5 });
    }

    // The rest reads in portrait; a landscape results page ends here.
    if (plan.landscape) newPage(doc, false);
    const scoreFree = scoreFreeLines(input);
    if (scoreFree.length) {
      heading(doc, SCORE_FREE_HEADING);
      for (const line of scoreFree) paragraph(doc, line);
      paragraph(doc, SCORE_FREE_NOTE, { size: 8.5, color: COLOR.muted });
    }
    heading(doc, 'Model accuracy on the sample');
    const a = input.accuracy;
    paragraph(
      doc,
      a && pct !== null
        ? `The model classified ${pct.toFixed(2)} % of the labelled images in the sample correctly (${a.correct} of ` +
            `${a.labelled}). Explanations target the predicted class, right or wrong.`
        : 'No image in the sample has a label, so the accuracy is not known. Explanations target the predicted class.',
    );

    exclusions(doc, input);
    if (input.comparison) drawComparisonSection(doc, input.comparison, input.methodNames);
    settings(doc, input);
    figurePages.forEach((page, i) => figurePage(doc, page, i, figurePages.length));
    footers(doc, input);
  });
}
