/**
 * compare.pdf (pdfkit, A4, the standard Helvetica fonts, as report.pdf): the summary, the per-method distances, the
 * cross-table (or its most frequent disagreements), the images where the models look most differently with both
 * maps side by side, and the failed images.
 */
import PDFDocument from 'pdfkit';
import { baseName, formatDate } from '../report/format';
import { pdfBytes } from '../report/pdf-bytes';
import { toWinAnsi } from '../report/win-ansi';
import type { CompareFigureRow } from './figure';
import { COLOR, crossTablePdf, distanceTablePdf, ensure, heading, MARGIN, num, summaryLine, text, width } from './section-pdf';
import { sectionOfResult } from './section';
import type { CompareResult } from './types';

type Doc = PDFKit.PDFDocument;
const MAP_PT = 92;

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
  return pdfBytes(doc, () => {
    const a = baseName(s.models.a.path);
    const b = baseName(s.models.b.path);
    doc.font('Helvetica-Bold').fontSize(22).fillColor(COLOR.fg).text('camscope model comparison', MARGIN.left, MARGIN.top);
    text(doc, `A ${a}  vs  B ${b}  ·  ${formatDate(s.created)}`, { color: COLOR.muted });
    const section = sectionOfResult(r);
    text(doc, summaryLine(section), { color: COLOR.muted });
    heading(doc, 'How far apart the maps are');
    distanceTablePdf(doc, section, names);
    text(doc, `Both maps explain ${s.explainedClass}. Classes are matched ${s.classMatching}. Resolution: ${s.commonGrid.rule}.`, { size: 8, color: COLOR.muted });
    heading(doc, 'Predictions: A x B');
    crossTablePdf(doc, section, 'compare.json');
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
  });
}
