/**
 * Exports a domain expert can hand on (issue #13): the PDF's metric table stays in one piece (per page text and
 * orientation read back from the PDF itself) with the bar chart beside it; the figure's colour bar and print-size
 * captions; the example outputs saved under test-output/screenshots/exports/ for a person to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colormapIndex, colormapLut, type ColormapName } from '../../../src/main/engine/image/colormap';
import {
  MIN_PRINT_FONT_PT,
  PRINT_WIDTH_PT,
  colorBarStops,
  figureLayout,
  figurePngScale,
  wrapFigureText,
} from '../../../src/main/engine/report/figure';
import { buildFigureSvg, renderFigurePng, renderHtml, renderPdf, type ReportInput } from '../../../src/main/engine/report';
import { figure, reportInput } from './fixture';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots', 'exports');

// ---------------------------------------------------------------------------------------------------------------
// A small PDF reader for pdfkit's output: pages in /Kids order, each with its MediaBox and the text its content
// stream draws (`[<hex> kern <hex> …] TJ` runs in WinAnsi, Flate-compressed).

interface PdfPage { width: number; height: number; texts: string[] }

function pdfPages(pdf: Buffer): PdfPage[] {
  const raw = pdf.toString('latin1');
  const objStart = (n: string): number => {
    const m = new RegExp(`(?:^|\\n)${n} 0 obj\\s*`).exec(raw);
    if (!m) throw new Error(`PDF: no object ${n}`);
    return m.index + m[0].length;
  };
  const dictOf = (n: string): string => {
    const start = objStart(n);
    return raw.slice(start, raw.indexOf('endobj', start));
  };
  const kids = /\/Type \/Pages[\s\S]*?\/Kids \[([^\]]*)\]/.exec(raw);
  if (!kids) throw new Error('PDF: no page tree');
  return [...kids[1].matchAll(/(\d+) 0 R/g)].map((k) => {
    const dict = dictOf(k[1]);
    const box = /\/MediaBox \[([\d.\s]+)\]/.exec(dict)![1].trim().split(/\s+/).map(Number);
    const contents = /\/Contents (\d+) 0 R/.exec(dict)![1];
    const body = dictOf(contents);
    const s = body.indexOf('stream') + 'stream'.length;
    const streamStart = s + (body[s] === '\r' ? 2 : 1);
    const streamEnd = body.lastIndexOf('endstream');
    const bytes = Buffer.from(body.slice(streamStart, streamEnd), 'latin1');
    const content = /\/Filter \/FlateDecode/.test(body.slice(0, s)) ? inflateSync(bytes).toString('latin1') : bytes.toString('latin1');
    const texts: string[] = [];
    for (const op of content.matchAll(/\[((?:[^\]])*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
      const hexes = op[1] !== undefined ? [...op[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [op[2]];
      texts.push(hexes.map((h) => Buffer.from(h, 'hex').toString('latin1')).join(''));
    }
    return { width: box[2] - box[0], height: box[3] - box[1], texts };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Runs with many methods: realistic names (some with spaces, one reference), distinct values per method.

const NAMES = [
  'Grad-CAM', 'Grad-CAM++', 'ScoreCAM++', 'Score-CAM', 'LayerCAM', 'XGrad-CAM', 'HiResCAM', 'Aug Grad-CAM++', 'Eigen-CAM',
  'Random', 'Ablation-CAM', 'SS-CAM', 'IS-CAM', 'Group-CAM', 'FullGrad', 'Smooth Grad-CAM++', 'Poly-CAM', 'Opti-CAM',
  'RISE', 'Integrated Score-CAM',
];

function manyMethods(n: number): ReportInput {
  const base = reportInput();
  const first = base.settings.methods[0];
  const ids = NAMES.slice(0, n).map((name, i) => (name === 'Random' ? 'random' : `m${i}`));
  const methodNames = Object.fromEntries(ids.map((id, i) => [id, NAMES[i]]));
  const proto = base.table.rows[first];
  const rows = Object.fromEntries(ids.map((id, i) => [id, {
    ...proto,
    average_drop_pct: 10 + i * 3.3, increase_in_confidence_pct: 40 - i * 2.1, win_pct: id === 'random' ? null : 5 + ((i * 7) % 23),
    logit_drop: 1 + i / 10, deletion_auc: 0.1 + i / 100, insertion_auc: 0.6 - i / 100,
  }]));
  const records = base.records.map((r) => ({ ...r, methods: Object.fromEntries(ids.map((id) => [id, r.methods[first]])) }));
  const fig = figure().map((row) => ({ ...row, overlays: Object.fromEntries(ids.map((id) => [id, row.overlays[first]])) }));
  return {
    ...base, settings: { ...base.settings, methods: ids }, table: { ...base.table, methods: ids, rows }, records, methodNames, figure: fig,
  };
}

/** The words a method's header shows (names wrap at spaces onto several lines). */
const headerWords = (input: ReportInput, id: string): string[] =>
  `${input.methodNames[id]}${id === 'random' ? ' (reference)' : ''}`.split(' ');
const METRIC_LABELS = ['Average Drop (%)', 'Increase in Confidence (%)', 'Win (%)', 'Logit drop (region removed)', 'Deletion AUC', 'Insertion AUC'];
const PORTRAIT = [595.28, 841.89];
const LANDSCAPE = [841.89, 595.28];

describe('report.pdf: the metric table in one piece, and the chart', () => {
  for (const n of [6, 10]) {
    it(`${n} methods: every method name, metric label and value of the table on one page`, async () => {
      const input = manyMethods(n);
      const pdf = await renderPdf(input, null);
      const pages = pdfPages(pdf);
      const tablePage = pages.findIndex((p) => p.texts.includes('Faithfulness'));
      expect(tablePage).toBe(0);
      const page = pages[tablePage];
      for (const label of METRIC_LABELS) expect(page.texts).toContain(label);
      for (const id of input.settings.methods) for (const w of headerWords(input, id)) expect(page.texts).toContain(w);
      // Every cell of the Average Drop row is on that page (the table was not cut into halves on two pages).
      for (const id of input.settings.methods) expect(page.texts).toContain(input.table.rows[id].average_drop_pct!.toFixed(2));
      // Too wide for portrait A4 at full size (hand-measured: > 495 pt), so the page turns.
      expect([page.width, page.height]).toEqual(LANDSCAPE);
      // The rest of the report reads in portrait again (the last page has the settings).
      expect([pages[pages.length - 1].width, pages[pages.length - 1].height]).toEqual(PORTRAIT);

      // The chart: one panel per headline metric, a bar label per method, every value written, on one page.
      const chart = pages.find((p) => p.texts.includes('Headline metrics per method'))!;
      expect(chart).toBeDefined();
      for (const label of ['Average Drop (%)', 'Increase in Confidence (%)', 'Win (%)']) expect(chart.texts).toContain(label);
      for (const id of input.settings.methods) {
        expect(chart.texts).toContain(`${input.methodNames[id]}${id === 'random' ? ' (reference)' : ''}`);
        const row = input.table.rows[id];
        for (const v of [row.average_drop_pct, row.increase_in_confidence_pct]) expect(chart.texts).toContain(v!.toFixed(2));
      }
      if (n === 10) expect(chart.texts).toContain('reference (random baseline)');

      if (n === 6) {
        writeShot('report-6-methods.pdf', pdf);
      } else {
        writeShot('report-10-methods.pdf', pdf);
      }
    });
  }

  it('20 methods: groups of whole tables, each with every metric label, no method cut off', async () => {
    const input = manyMethods(20);
    const pages = pdfPages(await renderPdf(input, null));
    const page = pages[0];
    expect([page.width, page.height]).toEqual(LANDSCAPE);
    // Each metric label once per group table, plus the chart titles, all on the first page.
    const groups = page.texts.filter((t) => t === 'Insertion AUC').length;
    expect(groups).toBe(2);
    for (const label of METRIC_LABELS) expect(page.texts.filter((t) => t === label).length).toBe(groups);
    for (const id of input.settings.methods) for (const w of headerWords(input, id)) expect(page.texts).toContain(w);
  });

  it('3 methods stay portrait and keep the chart under the table on the first page', async () => {
    const pages = pdfPages(await renderPdf(reportInput(), null));
    expect([pages[0].width, pages[0].height]).toEqual(PORTRAIT);
    expect(pages[0].texts).toContain('Headline metrics per method');
    expect(pages.every((p) => p.width === PORTRAIT[0])).toBe(true);
  });
});

describe('report.html: the same chart', () => {
  it('has one bar per method and headline metric, the reference hatched', () => {
    const input = manyMethods(10);
    const html = renderHtml(input, null);
    const chart = html.slice(html.indexOf('<svg class="chart"'), html.indexOf('</svg>', html.indexOf('<svg class="chart"')));
    expect(chart.length).toBeGreaterThan(0);
    expect(chart.match(/<rect class="bar[^"]*" data-method=/g)).toHaveLength(3 * 10 - 1); // the reference has no Win %
    expect(chart.match(/class="bar reference" data-method="random"/g)).toHaveLength(2);
    for (const id of input.settings.methods) expect(chart).toContain(`>${input.methodNames[id]}${id === 'random' ? ' (reference)' : ''}</text>`);
    expect(chart).toContain('>10.00</text>'); // best Average Drop, written at its bar
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('figure: colour bar and legible captions', () => {
  const hex = (lut: Uint8Array, i: number): string =>
    `#${[lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

  for (const cm of ['jet', 'viridis'] as ColormapName[]) {
    it(`the SVG's gradient stops are ${cm}'s own colours at 0, 0.5 and 1`, async () => {
      const rows = figure(cm);
      const svg = await buildFigureSvg(rows, ['gradcam'], { gradcam: 'Grad-CAM' });
      const lut = colormapLut(cm);
      const stop = (offset: string): string | undefined =>
        new RegExp(`<stop offset="${offset}" stop-color="(#[0-9a-f]{6})"/>`).exec(svg)?.[1];
      // Map value v is drawn with LUT entry round(255·v): 0 → 0, 0.5 → 128 (127.5 rounds up), 1 → 255.
      expect(stop('0')).toBe(hex(lut, 0));
      expect(stop('0.5')).toBe(hex(lut, 128));
      expect(stop('1')).toBe(hex(lut, 255));
      if (cm === 'jet') expect([stop('0'), stop('1')]).toEqual(['#000080', '#800000']); // OpenCV JET: dark blue, dark red
      expect(svg).toContain(`Map value (colormap: ${cm})`);
      expect(svg).toMatch(/>0 · low<\/text>/);
      expect(svg).toMatch(/>high · 1<\/text>/);
    });
  }

  it('refuses rows drawn with different colormaps (one colour bar could not describe both)', async () => {
    const rows = [figure('jet')[0], figure('inferno')[1]];
    await expect(buildFigureSvg(rows, ['gradcam'], {})).rejects.toThrow(/different colormaps \(jet, inferno\)/);
  });

  it('colorBarStops indexes the colormap as the overlays do', () => {
    const stops = colorBarStops('turbo', 4);
    const lut = colormapLut('turbo');
    expect(stops.map((s) => s.offset)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(stops.map((s) => s.color)).toEqual([0, 0.25, 0.5, 0.75, 1].map((v) => hex(lut, colormapIndex(v))));
    expect(colormapIndex(0.25)).toBe(64); // 63.75 rounds to 64
  });

  for (const methods of [1, 7]) {
    it(`${methods + 1} columns: captions and headers print at ≥ ${MIN_PRINT_FONT_PT} pt when the figure is 17 cm wide`, async () => {
      const ids = Array.from({ length: methods }, (_, i) => `m${i}`);
      const names = Object.fromEntries(ids.map((id, i) => [id, NAMES[i]]));
      const long = 'pathology/slides/2024-03-patient-0042/region_of_interest_07_very_long_scan_name_HE_stain_40x.tiff';
      const rows = figure().map((r, i) => ({ ...r, caption: i === 0 ? `${long} — tumour → tumour (p=0.91)` : r.caption }));
      const layout = figureLayout(rows, ids, names);
      // 17 cm = 481.89 pt; a px of the figure then prints 481.89 / width pt.
      expect(PRINT_WIDTH_PT).toBeCloseTo(481.89, 2);
      const pt = (px: number): number => (px * PRINT_WIDTH_PT) / layout.width;
      const svg = await buildFigureSvg(rows, ids, names);
      const sizes = (cls: string): number[] =>
        [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*font-size="([\\d.]+)"`, 'g'))].map((m) => Number(m[1]));
      const captions = sizes('caption');
      expect(captions.length).toBeGreaterThanOrEqual(2);
      for (const s of captions) expect(pt(s)).toBeGreaterThanOrEqual(MIN_PRINT_FONT_PT - 1e-9);
      const header = Number(/<g class="headers" font-size="([\d.]+)"/.exec(svg)![1]);
      expect(pt(header)).toBeGreaterThanOrEqual(MIN_PRINT_FONT_PT - 1e-9);
      const bar = Number(/<g class="colorbar" font-size="([\d.]+)"/.exec(svg)![1]);
      expect(pt(bar)).toBeGreaterThanOrEqual(MIN_PRINT_FONT_PT - 1e-9);
      // Hand check of the rule for 8 columns of 168 px: width 40 + 8·168 + 7·8 = 1440 → 9·1440/481.89 = 26.9 px.
      if (methods === 7) {
        expect(layout.width).toBe(1440);
        expect(layout.captionFontSize).toBe(26.9);
      } else {
        expect(layout.width).toBe(2 * 20 + 2 * 168 + 8);
        expect(layout.captionFontSize).toBe(13); // 9·384/481.89 = 7.2 px: the 13 px floor holds
      }
      // The long file name wraps (never shrinks) and what does not fit on two lines ends in an ellipsis.
      const lines = layout.rows[0].captionLines;
      expect(lines.length).toBe(2);
      expect(lines[0].startsWith('pathology/')).toBe(true);
      // Either all of it is there (broken inside the name, so joined without the break) or the end is ellipsized.
      const whole = lines.join('').replace(/\s/g, '') === rows[0].caption.replace(/\s/g, '');
      expect(whole || lines[1].endsWith('…')).toBe(true);
      expect(whole).toBe(methods === 7); // 8 columns leave room for all of it on two lines; 2 columns do not
      // Column headers are the display names.
      ids.forEach((id, i) => expect(layout.headers[i + 1].join('').replace(/ /g, '')).toBe(names[id].replace(/ /g, '')));
    });
  }

  it('wrapFigureText breaks file names at separators and names between words or at a case change', () => {
    expect(wrapFigureText('a b c', 1000, 10, 2)).toEqual(['a b c']);
    expect(wrapFigureText('ScoreCAM++', 120, 20, 3, true)).toEqual(['Score', 'CAM++']);
    expect(wrapFigureText('Grad-CAM++', 100, 20, 3, true)).toEqual(['Grad-', 'CAM++']);
    const cut = wrapFigureText('folder/sub/file_name_that_is_long.png', 150, 10, 2);
    expect(cut[0]).toMatch(/[/_.-]$/);
    expect(cut).toHaveLength(2);
  });

  it("figure.png has the colormap's colours along the colour bar", async () => {
    const rows = figure('viridis');
    const input = reportInput({ figure: rows });
    const layout = figureLayout(rows, input.settings.methods, input.methodNames);
    const scale = figurePngScale(layout);
    const { png } = await renderFigurePng(rows, input.settings.methods, input.methodNames);
    writeShot('figure.png', png);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number): number[] => {
      const o = (Math.round(y) * info.width + Math.round(x)) * info.channels;
      return Array.from(data.subarray(o, o + 3));
    };
    const lut = colormapLut('viridis');
    const bar = layout.colorBar;
    const y = (bar.y + bar.height / 2) * scale;
    for (const v of [0.02, 0.5, 0.98]) {
      const x = (bar.x + v * bar.width) * scale;
      const want = Array.from(lut.subarray(3 * colormapIndex(v), 3 * colormapIndex(v) + 3));
      const got = px(x, y);
      // Gradient interpolation between stops 1/64 apart: within a few levels of the table's colour.
      got.forEach((c, k) => expect(Math.abs(c - want[k])).toBeLessThanOrEqual(4));
    }
    // Left end dark purple, right end yellow (viridis), white above the bar's title.
    expect(px((bar.x + 0.02 * bar.width) * scale, y)[2]).toBeGreaterThan(px((bar.x + 0.98 * bar.width) * scale, y)[2]);
    expect(px(2, 2)).toEqual([255, 255, 255]);
  });
});

function writeShot(name: string, data: Buffer | string): void {
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, name), data);
}
