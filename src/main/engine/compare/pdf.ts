/**
 * compare.pdf (pdfkit, A4, the standard Helvetica fonts, as report.pdf): the summary, the per-method distances, the
 * cross-table (or its most frequent disagreements), the images where the models look most differently with both
 * maps side by side, and the failed images.
 */
import PDFDocument from 'pdfkit';
import { baseName, formatDate, NULL_CELL } from '../report/format';
import { toWinAnsi } from '../report/pdf';
import type { CompareFigureRow } from './figure';
import { DENSE_TABLE_MAX_CLASSES } from './html';
import type { CompareResult } from './types';

type Doc = PDFKit.PDFDocument;
const MARGIN = { top: 54, bottom: 60, left: 50, right: 50 };
const COLOR = { fg: '#1f2328', muted: '#59636e', rule: '#d1d9e0', accent: '#0a5bb5' };
/** A cross-table wider than this many classes does not fit a portrait page at a readable size. */
const PDF_TABLE_MAX_CLASSES = Math.min(12, DENSE_TABLE_MAX_CLASSES);
const MAP_PT = 92;

const pct = (f: number | null | undefined): string => (f === null || f === undefined ? NULL_CELL : `${(100 * f).toFixed(1)} %`);
const num = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? NULL_CELL : v.toFixed(3));

function width(doc: Doc): number {
  return doc.page.width - MARGIN.left - MARGIN.right;
}

function ensure(doc: Doc, h: number): void {
  if (doc.y + h > doc.page.height - MARGIN.bottom) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  ensure(doc, 60);
  doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12.5).fillColor(COLOR.fg).text(toWinAnsi(text), MARGIN.left, doc.y);
  const y = doc.y + 2;
  doc.save().moveTo(MARGIN.left, y).lineTo(MARGIN.left + width(doc), y).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
  doc.y = y + 6;
}

function text(doc: Doc, s: string, o: { size?: number; color?: string; bold?: boolean } = {}): void {
  doc.font(o.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(o.size ?? 9.5).fillColor(o.color ?? COLOR.fg)
    .text(toWinAnsi(s), MARGIN.left, doc.y, { width: width(doc), lineGap: 1.5 });
}

/** A plain table: the first column left-aligned, the others right-aligned, in equal widths. */
function table(doc: Doc, head: string[], rows: string[][], firstWidth: number, size = 8.5): void {
  const rest = (width(doc) - firstWidth) / Math.max(1, head.length - 1);
  const line = (cells: string[], bold: boolean): void => {
    ensure(doc, size * 2.2);
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(size).fillColor(COLOR.fg);
    let h = 0;
    cells.forEach((c, i) => {
      const x = i === 0 ? MARGIN.left : MARGIN.left + firstWidth + (i - 1) * rest;
      const w = i === 0 ? firstWidth - 4 : rest - 4;
      doc.text(toWinAnsi(c), x, y, { width: w, align: i === 0 ? 'left' : 'right' });
      h = Math.max(h, doc.y - y);
    });
    doc.y = y + h + 2;
  };
  line(head, true);
  for (const r of rows) line(r, false);
}

function crossTable(doc: Doc, r: CompareResult): void {
  const { classes, counts } = r.summary.crossTable;
  if (!classes.length) return text(doc, 'No image was compared.');
  if (classes.length <= PDF_TABLE_MAX_CLASSES) {
    table(doc, ['A \\ B', ...classes], counts.map((row, i) => [classes[i], ...row.map((n) => (n ? String(n) : ''))]), 90, 7.5);
    return text(doc, 'Rows: the class model A predicts; columns: the class model B predicts; the diagonal is where they agree.', { size: 8, color: COLOR.muted });
  }
  const cells = counts.flatMap((row, i) => row.map((n, j) => ({ a: classes[i], b: classes[j], n, same: i === j }))).filter((c) => c.n > 0 && !c.same);
  cells.sort((x, y) => y.n - x.n || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
  text(doc, `${classes.length} classes are predicted; the most frequent disagreements (compare.json has the whole table):`, { size: 8.5, color: COLOR.muted });
  table(doc, ['A predicts', 'B predicts', 'images'], cells.slice(0, 30).map((c) => [c.a, c.b, String(c.n)]), 200);
}

function figure(doc: Doc, rows: readonly CompareFigureRow[], names: Record<string, string>): void {
  if (!rows.length) return;
  heading(doc, 'Where the models look most differently');
  for (const row of rows) {
    const h = (MAP_PT * row.height) / row.width;
    ensure(doc, 30 + h + 10);
    const i = row.image;
    text(doc, i.file, { bold: true, size: 9 });
    text(doc, `${i.label === null ? '' : `label ${i.label} · `}A: ${i.predicted.a.className} (p=${i.predicted.a.probability.toFixed(2)}) · B: ${i.predicted.b.className} (p=${i.predicted.b.probability.toFixed(2)}) · explained: ${i.explained.className}`, { size: 8, color: COLOR.muted });
    // One line per method: A's map, B's map, then the method and its three distances.
    for (const o of row.overlays) {
      ensure(doc, h + 8);
      const y = doc.y + 2;
      const x = MARGIN.left;
      doc.image(o.a, x, y, { width: MAP_PT, height: h });
      doc.image(o.b, x + MAP_PT + 6, y, { width: MAP_PT, height: h });
      const d = i.methods[o.method];
      const tx = x + 2 * MAP_PT + 16;
      doc.font('Helvetica-Bold').fontSize(8.5).fillColor(COLOR.fg).text(toWinAnsi(`${names[o.method] ?? o.method}: model A (left), model B (right)`), tx, y, { width: width(doc) - (tx - x) });
      doc.font('Helvetica').text(toWinAnsi(`max |A - B| ${num(d.map_max_abs_diff)} · Pearson r ${num(d.map_pearson)} · top-20 % IoU ${num(d.map_top20_iou)}`), tx, doc.y + 2, { width: width(doc) - (tx - x) });
      doc.y = y + h + 6;
    }
  }
  text(doc, "Each map is drawn on the original image (the common grid of the distances); outside a model's input frame its panel shows the plain image.", { size: 8, color: COLOR.muted });
}

/** Renders compare.pdf. */
export async function renderComparePdf(r: CompareResult, rows: readonly CompareFigureRow[], names: Record<string, string>): Promise<Buffer> {
  const s = r.settings;
  const created = new Date(s.created);
  const doc = new PDFDocument({
    size: 'A4', margins: MARGIN, bufferPages: true,
    info: { Title: 'camscope model comparison', Author: 'camscope', Creator: `camscope ${s.camscope}`, ...(Number.isNaN(created.getTime()) ? {} : { CreationDate: created }) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  try {
    const a = baseName(s.models.a.path);
    const b = baseName(s.models.b.path);
    doc.font('Helvetica-Bold').fontSize(22).fillColor(COLOR.fg).text('camscope model comparison', MARGIN.left, MARGIN.top);
    text(doc, `A ${a}  vs  B ${b}  ·  ${formatDate(s.created)}`, { color: COLOR.muted });
    const sum = r.summary;
    const acc = (x: typeof sum.accuracy.a): string => (x ? `${pct(x.fraction)} (${x.correct} of ${x.labelled})` : 'n/a (no labels)');
    text(doc, `${sum.compared} of ${sum.images} images compared (${sum.failed} failed)  ·  agreement ${pct(sum.agreement.fraction)} (${sum.agreement.agree} of ${sum.agreement.compared})  ·  accuracy A ${acc(sum.accuracy.a)}, B ${acc(sum.accuracy.b)}`, { color: COLOR.muted });
    heading(doc, 'How far apart the maps are');
    table(doc, ['Method', 'mean max |A - B|', 'mean Pearson r', 'mean top-20 % IoU', 'images'], s.methods.map((m) => {
      const x = sum.methods[m];
      return [names[m] ?? m, num(x.mean_map_max_abs_diff), `${num(x.mean_map_pearson)}${x.pearson_undefined ? ` (${x.pearson_undefined} w/o r)` : ''}`, num(x.mean_map_top20_iou), String(x.images)];
    }), 130);
    text(doc, `Both maps explain ${s.explainedClass}. Classes are matched ${s.classMatching}. Resolution: ${s.commonGrid.rule}.`, { size: 8, color: COLOR.muted });
    heading(doc, 'Predictions: A x B');
    crossTable(doc, r);
    figure(doc, rows, names);
    heading(doc, 'Failed images');
    if (!r.failed.length) text(doc, 'No image failed.');
    for (const f of r.failed.slice(0, 25)) text(doc, `${f.file}: ${f.message}`, { size: 8.5 });
    if (r.failed.length > 25) text(doc, `… and ${r.failed.length - 25} more (see compare.json).`, { size: 8.5 });
    heading(doc, 'Settings');
    for (const [title, m] of [['Model A', s.models.a], ['Model B', s.models.b]] as const) {
      text(doc, `${title}: ${m.path}`, { bold: true, size: 8.5 });
      text(doc, `sha256 ${m.fingerprint.slice(0, 16)}… · layer ${m.layer.name} [${m.layer.shape.join(', ')}] · input ${m.preprocessing.inputSize.join('x')}, ${m.preprocessing.resize} · ${m.classes.length} classes (names from the ${m.classesSource}) · ${m.provider.used}`, { size: 8.5, color: COLOR.muted });
    }
    const sample = s.sample.size === null ? 'every image' : `a sample of ${s.sample.size} (seed ${s.sample.seed})`;
    text(doc, `Dataset ${s.dataset.root} (${s.dataset.total} images; labels: ${s.dataset.labels ?? (s.dataset.layout === 'imagefolder' ? 'folder names' : 'none')}), ${sample}; methods ${s.methods.join(', ')}; project ${s.project}.`, { size: 8.5 });
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      doc.page.margins.bottom = 0; // writing below the bottom margin must not open a new page
      doc.font('Helvetica').fontSize(7.5).fillColor(COLOR.muted)
        .text(toWinAnsi(`camscope ${s.camscope} comparison · ${a} vs ${b}`), MARGIN.left, doc.page.height - 36, { width: width(doc), lineBreak: false })
        .text(`Page ${i + 1} of ${range.count}`, MARGIN.left, doc.page.height - 36, { width: width(doc), align: 'right', lineBreak: false });
      doc.page.margins.bottom = MARGIN.bottom;
    }
    doc.end();
  } catch (e) {
    doc.end();
    return done.then(() => Promise.reject(e));
  }
  return done;
}
