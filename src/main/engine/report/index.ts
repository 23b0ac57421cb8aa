/**
 * Report writers for an evaluation run: report.json, report.csv, report.html, report.pdf, comparison.csv when the
 * report carries a model comparison and, when the run has figure rows, figure.svg and figure.png.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { renderComparisonCsv } from '../compare/section';
import { writeFileAtomic } from '../io/atomic-write';
import { renderCsv } from './csv';
import { buildFigureSvg, renderFigurePng, rowBlocks } from './figure';
import { methodRow } from './format';
import { renderHtml } from './html';
import { renderJson } from './json';
import { renderPdf } from './pdf';
import type { ReportInput } from './types';

export type { FigureRow, ReportInput } from './types';
export { buildReportJson, type ReportJson, type ReportJsonImage, type ReportJsonMethod } from './json';
export { CSV_COMPLEXITY_COLUMNS, CSV_IMAGE_COLUMNS, CSV_LOCALIZATION_COLUMNS, CSV_METHOD_COLUMNS, CSV_ROAD_COLUMNS, csvField, csvHeader, csvMethodPrefix, renderCsv, type CsvExtras } from './csv';
export { renderHtml } from './html';
export { renderPdf, toWinAnsi, type FigureImage } from './pdf';
export { buildFigureSvg, figureLayout, figurePngScale, renderFigurePng, rowBlocks, FIGURE_STYLE, type FigureLayout } from './figure';
export { COMPLEXITY_METRICS, METRICS, ROAD_METRICS, bestMask, formatNumber, reportVerdict, type MetricInfo, type MetricKey } from './format';

/** Rows per inline SVG block of a long figure in report.html. */
export const HTML_FIGURE_BLOCK_ROWS = 6;

export const REPORT_FILES = {
  json: 'report.json',
  csv: 'report.csv',
  comparisonCsv: 'comparison.csv',
  html: 'report.html',
  pdf: 'report.pdf',
  figureSvg: 'figure.svg',
  figurePng: 'figure.png',
} as const;

/**
 * Writes every report of an evaluation run into outDir (created if missing) and returns the written paths, in
 * the order json, csv, comparison.csv, figure.svg, figure.png, html, pdf (comparison.csv only with
 * input.comparison, figure files only when input.figure has rows).
 * Throws when the metric table lacks a row for one of settings.methods, or a figure row's pixels do not match
 * its size.
 */
export async function writeReports(outDir: string, input: ReportInput): Promise<string[]> {
  for (const id of input.settings.methods) methodRow(input, id); // an inconsistent table fails before any write
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, data: string | Buffer): Promise<void> => {
    const path = join(outDir, name);
    await writeFileAtomic(path, data);
    written.push(path);
  };

  // The data files first: they survive a failure in the figure or the PDF.
  await put(REPORT_FILES.json, renderJson(input));
  await put(REPORT_FILES.csv, renderCsv(input));
  if (input.comparison) await put(REPORT_FILES.comparisonCsv, renderComparisonCsv(input.comparison));

  const methods = input.settings.methods;
  let svg: string | null = null;
  let png: { png: Buffer; width: number; height: number } | null = null;
  if (input.figure.length > 0) {
    [svg, png] = await Promise.all([
      buildFigureSvg(input.figure, methods, input.methodNames),
      renderFigurePng(input.figure, methods, input.methodNames),
    ]);
  }
  if (svg !== null && png !== null) {
    await put(REPORT_FILES.figureSvg, svg);
    await put(REPORT_FILES.figurePng, png.png);
  }
  // Long figures go into the HTML as blocks of rows (each with its headers), so printing can break between them.
  let htmlFigure: string | string[] | null = svg;
  if (svg !== null && input.figure.length > HTML_FIGURE_BLOCK_ROWS) {
    htmlFigure = await Promise.all(
      rowBlocks(input.figure, HTML_FIGURE_BLOCK_ROWS).map((block) => buildFigureSvg(block, methods, input.methodNames)),
    );
  }
  await put(REPORT_FILES.html, renderHtml(input, htmlFigure));
  await put(REPORT_FILES.pdf, await renderPdf(input, png));
  return written;
}
