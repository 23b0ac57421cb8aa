/**
 * The comparison in a PDF (pdfkit, A4, the standard Helvetica fonts): the summary line, the per-method distances,
 * the cross-table and the most different images. compare.pdf draws its pages with these, and report.pdf its
 * comparison section.
 */
import { formatDate, NULL_CELL } from '../report/format';
import { toWinAnsi } from '../report/win-ansi';
import { DENSE_TABLE_MAX_CLASSES, frequentDisagreements, num, pct, SECTION_TOP_IMAGES, type ComparisonSection } from './section';

export { num, pct };

export type Doc = PDFKit.PDFDocument;
export const MARGIN = { top: 54, bottom: 60, left: 50, right: 50 };
export const COLOR = { fg: '#1f2328', muted: '#59636e', rule: '#d1d9e0', accent: '#0a5bb5' };
/** A cross-table wider than this many classes does not fit a portrait page at a readable size. */
const PDF_TABLE_MAX_CLASSES = Math.min(12, DENSE_TABLE_MAX_CLASSES);

export function width(doc: Doc): number {
  return doc.page.width - MARGIN.left - MARGIN.right;
}

export function ensure(doc: Doc, h: number): void {
  if (doc.y + h > doc.page.height - MARGIN.bottom) doc.addPage();
}

export function heading(doc: Doc, text: string): void {
  ensure(doc, 60);
  doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12.5).fillColor(COLOR.fg).text(toWinAnsi(text), MARGIN.left, doc.y);
  const y = doc.y + 2;
  doc.save().moveTo(MARGIN.left, y).lineTo(MARGIN.left + width(doc), y).lineWidth(0.5).strokeColor(COLOR.rule).stroke().restore();
  doc.y = y + 6;
}

export function text(doc: Doc, s: string, o: { size?: number; color?: string; bold?: boolean } = {}): void {
  doc.font(o.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(o.size ?? 9.5).fillColor(o.color ?? COLOR.fg)
    .text(toWinAnsi(s), MARGIN.left, doc.y, { width: width(doc), lineGap: 1.5 });
}

/** A plain table: the first column left-aligned, the others right-aligned, in equal widths. */
export function table(doc: Doc, head: string[], rows: string[][], firstWidth: number, size = 8.5): void {
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

/** A × B, or its most frequent disagreements when it is too wide for the page (`wholeIn` has it whole). */
export function crossTablePdf(doc: Doc, c: ComparisonSection, wholeIn: string): void {
  const { classes, counts } = c.summary.crossTable;
  if (!classes.length) return text(doc, 'No image was compared.');
  if (classes.length <= PDF_TABLE_MAX_CLASSES) {
    table(doc, ['A \\ B', ...classes], counts.map((row, i) => [classes[i], ...row.map((n) => (n ? String(n) : ''))]), 90, 7.5);
    return text(doc, 'Rows: the class model A predicts; columns: the class model B predicts; the diagonal is where they agree.', { size: 8, color: COLOR.muted });
  }
  text(doc, `${classes.length} classes are predicted; the most frequent disagreements (${wholeIn} has the whole table):`, { size: 8.5, color: COLOR.muted });
  table(doc, ['A predicts', 'B predicts', 'images'], frequentDisagreements(c.summary).map((x) => [x.a, x.b, String(x.n)]), 200);
}

/** Images compared, agreement and each model's accuracy, in one line. */
export function summaryLine(c: ComparisonSection): string {
  const sum = c.summary;
  const acc = (x: typeof sum.accuracy.a): string => (x ? `${pct(x.fraction)} (${x.correct} of ${x.labelled})` : 'n/a (no labels)');
  return `${sum.compared} of ${sum.images} images compared (${sum.failed} failed)  ·  agreement ${pct(sum.agreement.fraction)} (${sum.agreement.agree} of ${sum.agreement.compared})  ·  accuracy A ${acc(sum.accuracy.a)}, B ${acc(sum.accuracy.b)}`;
}

export function distanceTablePdf(doc: Doc, c: ComparisonSection, names: Record<string, string>): void {
  table(doc, ['Method', 'mean max |A - B|', 'mean Pearson r', 'mean top-20 % IoU', 'images'], c.methods.map((m) => {
    const x = c.summary.methods[m];
    return [names[m] ?? m, num(x.mean_map_max_abs_diff), `${num(x.mean_map_pearson)}${x.pearson_undefined ? ` (${x.pearson_undefined} w/o r)` : ''}`, num(x.mean_map_top20_iou), String(x.images)];
  }), 130);
}

/** report.pdf's comparison section: what report.html's shows, the most different images as a table. */
export function drawComparisonSection(doc: Doc, c: ComparisonSection, names: Record<string, string>): void {
  heading(doc, 'Model comparison');
  const sample = c.sample.size === null ? 'every image' : `a sample of ${c.sample.size} (seed ${c.sample.seed})`;
  text(doc, `A ${c.models.a}  vs  B ${c.models.b} on ${sample} of ${c.datasetRoot}, compared ${formatDate(c.created)}. Both maps of an image explain A's predicted class (the class of the same name in B).`, { color: COLOR.muted });
  text(doc, summaryLine(c), { color: COLOR.muted });
  doc.moveDown(0.4);
  text(doc, 'How far apart the maps are', { bold: true });
  distanceTablePdf(doc, c, names);
  doc.moveDown(0.4);
  text(doc, 'Predictions: A x B', { bold: true });
  crossTablePdf(doc, c, 'comparison.csv');
  doc.moveDown(0.4);
  text(doc, 'Where the models look most differently', { bold: true });
  const top = c.images.slice(0, SECTION_TOP_IMAGES);
  if (!top.length) return text(doc, 'No image was compared.');
  // One column per method (diff · r · IoU) after the file and both predictions.
  const rows = top.map((i) => [i.file, `${i.predicted.a.className} / ${i.predicted.b.className}`, ...c.methods.map((m) => {
    const d = i.methods[m];
    return d ? `${num(d.map_max_abs_diff, 2)} · ${num(d.map_pearson, 2)} · ${num(d.map_top20_iou, 2)}` : NULL_CELL;
  })]);
  table(doc, ['Image', 'A / B predict', ...c.methods.map((m) => `${names[m] ?? m}: diff · r · IoU`)], rows, 170, 7.5);
  if (c.images.length > top.length) text(doc, `The first ${top.length} of ${c.images.length} images; comparison.csv lists them all.`, { size: 8, color: COLOR.muted });
}
