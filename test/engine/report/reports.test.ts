import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIGURE_STYLE,
  bestMask,
  csvField,
  figureLayout,
  figurePngScale,
  formatNumber,
  renderHtml,
  toWinAnsi,
  writeReports,
  type ReportInput,
  type ReportJson,
} from '../../../src/main/engine/report';
import {
  COMMA_FILE,
  FAILED_FILE,
  METHOD_IDS,
  METHOD_NAMES,
  NASTY_CLASS,
  SCRIPT_FILE,
  UNICODE_FILE,
  reportInput,
} from './fixture';

// ---------------------------------------------------------------------------------------------------------------
// Helpers: an RFC 4180 parser and a small PDF text extractor (pdfkit writes `[<hex> kern <hex>] TJ` runs in
// FlateDecode content streams, with WinAnsi codes for the standard fonts).
// ---------------------------------------------------------------------------------------------------------------

/** Parses RFC 4180 CSV (CRLF or LF records, quoted fields with doubled quotes, commas/newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field.length !== 0) throw new Error(`CSV: quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quote');
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const WIN_ANSI_HIGH: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š',
  0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—',
  0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};

function decodeWinAnsiHex(hex: string): string {
  let s = '';
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const b = parseInt(hex.slice(i, i + 2), 16);
    s += WIN_ANSI_HIGH[b] ?? String.fromCharCode(b);
  }
  return s;
}

interface PdfTextRun { text: string; font: string }

/** Text runs of every page, in drawing order, with the base font each was drawn in. */
function pdfTextRuns(pdf: Buffer): PdfTextRun[] {
  const raw = pdf.toString('latin1');
  // Font resource name → object number → BaseFont.
  const baseFontOfObj = new Map<string, string>();
  for (const m of raw.matchAll(/(\d+) 0 obj\s*<<\s*\/Type \/Font\s*\/BaseFont \/([\w-]+)/g)) baseFontOfObj.set(m[1], m[2]);
  const fontOfName = new Map<string, string>();
  for (const dict of raw.matchAll(/\/Font <<([^>]*)>>/g)) {
    for (const m of dict[1].matchAll(/\/(F\d+) (\d+) 0 R/g)) fontOfName.set(m[1], baseFontOfObj.get(m[2]) ?? m[1]);
  }
  const runs: PdfTextRun[] = [];
  const streamRe = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = streamRe.exec(raw)) !== null) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    const header = raw.slice(Math.max(0, raw.lastIndexOf('obj', m.index)), m.index);
    if (header.includes('/Subtype /Image')) continue;
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      content = raw.slice(start, end);
    }
    let font = '';
    for (const op of content.matchAll(/\/(F\d+) [\d.]+ Tf|\[((?:[^\]])*)\] TJ|<([0-9a-fA-F]*)> Tj/g)) {
      if (op[1]) font = fontOfName.get(op[1]) ?? op[1];
      else if (op[2] !== undefined) {
        const text = [...op[2].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => decodeWinAnsiHex(h[1])).join('');
        runs.push({ text, font });
      } else if (op[3] !== undefined) runs.push({ text: decodeWinAnsiHex(op[3]), font });
    }
  }
  return runs;
}

/** Page objects (`/Type /Page`, not `/Pages`). */
function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page(?![s\w])/g) ?? []).length;
}

/** A document info entry (pdfkit writes them as indirect literal strings). */
function pdfInfo(raw: string, key: string): string | undefined {
  const info = raw.match(/\/Info (\d+) 0 R/);
  const dict = info && raw.match(new RegExp(`\\n${info[1]} 0 obj\\s*<<([\\s\\S]*?)>>`));
  const ref = dict && dict[1].match(new RegExp(`/${key} (?:(\\d+) 0 R|\\(([^)]*)\\))`));
  if (!ref) return undefined;
  if (ref[2] !== undefined) return ref[2];
  return raw.match(new RegExp(`\\n${ref[1]} 0 obj\\s*\\(([^)]*)\\)`))?.[1];
}

/** The cells of one row of the HTML metric table: text and whether it is marked best (bold). */
function htmlRowCells(html: string, attr: string): { text: string; bold: boolean }[] {
  const row = html.match(new RegExp(`<tr [^>]*${attr}[^>]*>([\\s\\S]*?)</tr>`));
  if (!row) throw new Error(`no row ${attr}`);
  return [...row[1].matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)].map((c) => ({
    text: c[2].replace(/<[^>]+>/g, ''),
    bold: /class="best"/.test(c[1]) && /<strong>/.test(c[2]),
  }));
}

// ---------------------------------------------------------------------------------------------------------------

let dir: string;
let input: ReportInput;
let written: string[];
const read = (name: string): string => readFileSync(join(dir, name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-report-'));
  input = reportInput();
  written = await writeReports(dir, input);
});

describe('writeReports', () => {
  it('writes every file and returns their paths', () => {
    const names = ['report.json', 'report.csv', 'figure.svg', 'figure.png', 'report.html', 'report.pdf'];
    expect(written).toEqual(names.map((n) => join(dir, n)));
    for (const p of written) expect(existsSync(p)).toBe(true);
  });

  it('writes no figure files when the figure is empty, and creates the folder', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'camscope-report-')), 'nested', 'run');
    const files = await writeReports(out, reportInput({ figure: [] }));
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['report.json', 'report.csv', 'report.html', 'report.pdf']);
    expect(existsSync(join(out, 'figure.svg'))).toBe(false);
    expect(existsSync(join(out, 'figure.png'))).toBe(false);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toContain('<figure><svg'); // no figure (the chart is there)
    const pdf = readFileSync(join(out, 'report.pdf'));
    expect(pdfPageCount(pdf)).toBe(2);
  });

  it('refuses a table without a row for one of the methods, before writing anything', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'camscope-report-')), 'x');
    const bad = reportInput();
    delete bad.table.rows['gradcam++'];
    await expect(writeReports(out, bad)).rejects.toThrow(/gradcam\+\+/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects figure pixels that do not match the stated size', async () => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-report-'));
    const bad = reportInput();
    bad.figure[0].overlays.gradcam = new Uint8Array(28 * 28); // greyscale overlay: must be RGB
    await expect(writeReports(out, bad)).rejects.toThrow(/overlay/);
  });
});

describe('report.json', () => {
  let json: ReportJson;
  beforeAll(() => {
    json = JSON.parse(read('report.json')) as ReportJson;
  });

  it('has exactly the documented keys', () => {
    expect(Object.keys(json)).toEqual(['settings', 'table', 'score', 'accuracy', 'excluded', 'failed', 'elapsedSeconds', 'images']);
    expect(Object.keys(json.table)).toEqual(METHOD_IDS);
    for (const id of METHOD_IDS) {
      expect(Object.keys(json.table[id])).toEqual([
        'average_drop_pct', 'increase_in_confidence_pct', 'win_pct', 'logit_drop', 'deletion_auc', 'insertion_auc',
        'images', 'excluded_nonpositive_Y', 'flat_maps',
      ]);
    }
    expect(Object.keys(json.accuracy!)).toEqual(['correct', 'labelled', 'pct']);
    expect(Object.keys(json.excluded)).toEqual(['failed', 'nonpositive_Y']);
    for (const img of json.images) {
      expect(Object.keys(img)).toEqual(['file', 'label', 'predicted', 'target', 'Y', 'Y_prob', 'Y_logit', 'methods']);
      expect(Object.keys(img.methods)).toEqual(METHOD_IDS);
      for (const id of METHOD_IDS) {
        expect(Object.keys(img.methods[id]!)).toEqual([
          'O', 'O_prob', 'O_logit', 'removedLogit', 'deletionAuc', 'insertionAuc', 'flat', 'mapSha',
        ]);
      }
    }
  });

  it('round-trips the values (Y and O in the logit variant)', () => {
    expect(json.settings).toEqual(input.settings);
    expect(json.score).toBe('logit');
    for (const id of METHOD_IDS) expect(json.table[id]).toEqual(input.table.rows[id]);
    expect(json.accuracy).toEqual({ correct: 3, labelled: 4, pct: 75 });
    expect(json.excluded).toEqual({ failed: 1, nonpositive_Y: { gradcam: 1, 'gradcam++': 1, 'scorecam++': 1 } });
    expect(json.failed).toEqual(input.failed);
    expect(json.elapsedSeconds).toBe(3725.4);
    expect(json.images.map((i) => i.file)).toEqual([input.records[0].file, COMMA_FILE, SCRIPT_FILE, UNICODE_FILE]);
    json.images.forEach((img, k) => {
      const rec = input.records[k];
      expect(img).toMatchObject({ label: rec.label, predicted: rec.predicted, target: rec.target, Y_prob: rec.Y_prob, Y_logit: rec.Y_logit });
      expect(img.Y).toBe(rec.Y_logit);
      for (const id of METHOD_IDS) {
        const m = rec.methods[id];
        expect(img.methods[id]).toEqual({
          O: m.O_logit, O_prob: m.O_prob, O_logit: m.O_logit, removedLogit: m.removedLogit,
          deletionAuc: m.deletionAuc, insertionAuc: m.insertionAuc, flat: m.flat, mapSha: m.mapSha,
        });
      }
    });
    // Full precision survives.
    expect(json.images[1].Y_prob).toBe(0.30000000000000004);
    expect(json.images[1].methods.gradcam!.O_logit).toBe(1e-7);
  });

  it('uses the probability variant for Y and O when the run did', async () => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-report-'));
    const base = reportInput({ figure: [] });
    const prob = reportInput({ figure: [], settings: { ...base.settings, score: 'prob' }, table: { ...base.table, score: 'prob' } });
    await writeReports(out, prob);
    const j = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson;
    expect(j.score).toBe('prob');
    expect(j.images[0].Y).toBe(prob.records[0].Y_prob);
    expect(j.images[0].methods['scorecam++']!.O).toBe(prob.records[0].methods['scorecam++'].O_prob);
  });
});

describe('report.csv', () => {
  it('parses back to the same file names and numbers', () => {
    const text = read('report.csv');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text);
    const header = rows[0];
    expect(header.slice(0, 9)).toEqual([
      'file', 'true_class', 'predicted_class', 'explained_class', 'true_class_index', 'predicted_class_index',
      'explained_class_index', 'prob_full_image', 'logit_full_image',
    ]);
    expect(header.slice(9, 15)).toEqual([
      'gradcam_prob_map_only', 'gradcam_logit_map_only', 'gradcam_logit_region_removed', 'gradcam_deletion_auc',
      'gradcam_insertion_auc', 'gradcam_flat_map',
    ]);
    expect(header).toHaveLength(9 + 6 * METHOD_IDS.length);
    expect(header[15]).toBe('gradcam_pp_prob_map_only');
    expect(header[21]).toBe('scorecam_pp_prob_map_only');
    // Machine-friendly: no column needs quoting, none repeats.
    for (const h of header) expect(h).toMatch(/^[a-z0-9_]+$/);
    expect(new Set(header).size).toBe(header.length);
    expect(rows).toHaveLength(1 + input.records.length);

    const classes = input.settings.model.classes;
    const prefix = (id: string): string => id.replace('++', '_pp');
    input.records.forEach((rec, k) => {
      const row = rows[k + 1];
      expect(row).toHaveLength(header.length);
      const col = (name: string): string => row[header.indexOf(name)];
      const num = (name: string): number | null => (col(name) === '' ? null : Number(col(name)));
      expect(col('file')).toBe(rec.file);
      expect(col('true_class')).toBe(rec.label === null ? '' : classes[rec.label]);
      expect(col('predicted_class')).toBe(classes[rec.predicted]);
      expect(col('explained_class')).toBe(classes[rec.target]);
      expect(num('true_class_index')).toBe(rec.label);
      expect(num('predicted_class_index')).toBe(rec.predicted);
      expect(num('explained_class_index')).toBe(rec.target);
      expect(num('prob_full_image')).toBe(rec.Y_prob);
      expect(num('logit_full_image')).toBe(rec.Y_logit);
      for (const id of METHOD_IDS) {
        const m = rec.methods[id];
        const p = prefix(id);
        expect(num(`${p}_prob_map_only`)).toBe(m.O_prob);
        expect(num(`${p}_logit_map_only`)).toBe(m.O_logit);
        expect(num(`${p}_logit_region_removed`)).toBe(m.removedLogit);
        expect(num(`${p}_deletion_auc`)).toBe(m.deletionAuc);
        expect(num(`${p}_insertion_auc`)).toBe(m.insertionAuc);
        expect(col(`${p}_flat_map`)).toBe(String(m.flat));
      }
    });
    // The comma/quote name is quoted with doubled quotes on disk; the null AUC is an empty cell.
    expect(text).toContain('"n03000684/chain saw, ""big"" one.png"');
    expect(rows[3][header.indexOf('scorecam_pp_deletion_auc')]).toBe('');
  });

  it('quotes only where RFC 4180 needs it', () => {
    expect(csvField('plain.png')).toBe('plain.png');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(parseCsv(`${csvField('x\r\ny, "z"')},1\r\n`)).toEqual([['x\r\ny, "z"', '1']]);
  });
});

describe('report.html', () => {
  let html: string;
  beforeAll(() => {
    html = read('report.html');
  });

  it('is one self-contained document', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>camscope evaluation');
    expect(html).toContain('<h1>camscope evaluation</h1>');
    expect(html).toContain('@media print');
    expect(html).toContain('size: A4');
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/src="http/i);
    expect(html).not.toMatch(/@import|url\((?!#)/i);
    // The only URLs are the SVG namespace names.
    const withoutNs = html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)"/g, '');
    expect(withoutNs).not.toMatch(/https?:\/\//i);
  });

  it('shows the paper-form table with the method names as columns and the right cells', () => {
    const thead = html.match(/<table class="metrics"><thead>([\s\S]*?)<\/thead>/)![1];
    const heads = [...thead.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
    expect(heads).toEqual(['Metric', 'Grad-CAM', 'Grad-CAM++', 'ScoreCAM++']);
    expect(htmlRowCells(html, 'data-metric="average_drop_pct"').map((c) => c.text)).toEqual(['21.54', '18.24', '12.00']);
    expect(htmlRowCells(html, 'data-metric="increase_in_confidence_pct"').map((c) => c.text)).toEqual(['25.00', '25.00', '50.00']);
    expect(htmlRowCells(html, 'data-metric="win_pct"').map((c) => c.text)).toEqual(['0.00', '33.33', '66.67']);
    expect(htmlRowCells(html, 'data-metric="logit_drop"').map((c) => c.text)).toEqual(['3.142', '2.718', '4.472']);
    expect(htmlRowCells(html, 'data-metric="deletion_auc"').map((c) => c.text)).toEqual(['0.1823', '0.2011', '0.1705']);
    expect(htmlRowCells(html, 'data-metric="insertion_auc"').map((c) => c.text)).toEqual(['0.6012', '0.6544', '0.6544']);
    expect(htmlRowCells(html, 'data-count="excluded_nonpositive_Y"').map((c) => c.text)).toEqual(['1', '1', '1']);
    expect(htmlRowCells(html, 'data-count="flat_maps"').map((c) => c.text)).toEqual(['1', '0', '0']);
    // Direction notes.
    expect(html).toMatch(/Average Drop \(%\)<span class="dir" title="lower is better"[^>]*>▼<\/span>/);
    expect(html).toMatch(/Insertion AUC<span class="dir" title="higher is better"[^>]*>▲<\/span>/);
  });

  it('marks the best of each row in bold, ties all marked', () => {
    const bold = (metric: string): boolean[] => htmlRowCells(html, `data-metric="${metric}"`).map((c) => c.bold);
    expect(bold('average_drop_pct')).toEqual([false, false, true]); // lower is better
    expect(bold('increase_in_confidence_pct')).toEqual([false, false, true]);
    expect(bold('win_pct')).toEqual([false, false, true]);
    expect(bold('logit_drop')).toEqual([false, false, true]);
    expect(bold('deletion_auc')).toEqual([false, false, true]); // lower is better
    expect(bold('insertion_auc')).toEqual([false, true, true]); // 0.6544 vs 0.65441: equal as shown
    // Count rows are never ranked.
    expect(htmlRowCells(html, 'data-count="images"').some((c) => c.bold)).toBe(false);
  });

  it('shows null as "–" and marks nothing in an all-null row', () => {
    const base = reportInput({ figure: [] });
    const rows = Object.fromEntries(
      Object.entries(base.table.rows).map(([id, r]) => [id, { ...r, deletion_auc: null, insertion_auc: null }]),
    );
    rows.gradcam.logit_drop = null;
    const h = renderHtml({ ...base, table: { ...base.table, rows }, settings: { ...base.settings, curveSteps: 0 } }, null);
    expect(htmlRowCells(h, 'data-metric="deletion_auc"')).toEqual([
      { text: '–', bold: false }, { text: '–', bold: false }, { text: '–', bold: false },
    ]);
    expect(htmlRowCells(h, 'data-metric="logit_drop"')).toEqual([
      { text: '–', bold: false }, { text: '2.718', bold: false }, { text: '4.472', bold: true },
    ]);
    expect(h).toContain('0 (deletion/insertion curves not computed)');
  });

  it('escapes file names and class names', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('n03417042/&lt;script&gt;alert(1)&lt;/script&gt;.png');
    expect(html).toContain('n03394916/broken &amp; truncated.JPEG');
    expect(html).toContain('gas &lt;pump&gt; &amp; &quot;co&quot;');
    expect(html).not.toContain(NASTY_CLASS);
  });

  it('states accuracy, exclusions and every setting', () => {
    expect(html).toMatch(/<p id="accuracy">[^<]*<strong>75\.00 %<\/strong>[^<]*\(3 of 4\)/);
    expect(html).toMatch(/<p id="failed">1 image could not be evaluated/);
    expect(html).toContain('<code>n03394916/broken &amp; truncated.JPEG</code> — The file is not an image camscope can read (truncated JPEG).');
    expect(html).toContain('Images with Y ≤ 0');
    const nonpositive = html.match(/<table class="counts" id="nonpositive">([\s\S]*?)<\/table>/)![1];
    expect([...nonpositive.matchAll(/<th scope="row">([^<]*)<\/th><td class="n">(\d+)<\/td>/g)].map((m) => `${m[1]}=${m[2]}`))
      .toEqual(['Grad-CAM=1', 'Grad-CAM++=1', 'ScoreCAM++=1']);
    const s = input.settings;
    for (const expected of [
      s.model.path, s.model.fingerprint, s.layer.name, '1 × 2048 × 7 × 7', '224 × 224 px', 'shorter-side-crop',
      '[0.485, 0.456, 0.406]', '[0.229, 0.224, 0.225]', 'logit — logit (pre-softmax score)', s.dataset.root,
      'imagefolder', '3925', '>5<', '>42<', '>cuda<', '>cpu<', 'camscope version</dt><dd>0.1.0<',
      '2025-05-01 14:03:22 UTC', '>16<', '1 h 02 min 05 s (3725.4 s)', 'Grad-CAM++ (gradcam++)', '3 (RGB)',
    ]) {
      expect(html, expected).toContain(expected);
    }
    expect(html).toMatch(/Classes<\/dt><dd>10 <details>/);
  });

  it('embeds the figure as inline SVG with data-URI PNGs', () => {
    const svg = html.match(/<svg[\s\S]*<\/svg>/)![0];
    expect(svg.match(/<image /g)).toHaveLength(2 * (1 + METHOD_IDS.length));
    expect(svg).toContain('xlink:href="data:image/png;base64,');
    expect(html).not.toContain('<?xml');
  });
});

describe('figure.svg and figure.png', () => {
  it('has one <image> per cell, the column headers and escaped captions', () => {
    const svg = read('figure.svg');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<image /g)).toHaveLength(input.figure.length * (1 + METHOD_IDS.length));
    for (const name of ['Input', ...Object.values(METHOD_NAMES)]) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('n03417042/&lt;script&gt;alert(1)&lt;/script&gt;.png');
    expect(svg).not.toContain('<script');
    expect(svg).toContain('image-rendering:pixelated');
    // Every embedded PNG is a 28×28 input scaled up 6× (nearest neighbour) to at least the 160 px minimum.
    for (const m of svg.matchAll(/<image [^>]*width="(\d+)" height="(\d+)"/g)) expect([m[1], m[2]]).toEqual(['168', '168']);
  });

  it('figure.png has the size of the layout at the PNG scale, on white, without alpha', async () => {
    // 28×28 inputs → cells of 6·28 = 168 px; 4 columns, 2 rows.
    const S = FIGURE_STYLE;
    const width = 2 * S.margin + 4 * 168 + 3 * S.columnGap;
    // Text: captions ≥ 9 pt at 17 cm = 481.89 pt → 9·736/481.89 = 13.75 → 13.8 px; headers stay at 15 px.
    // Header band 1 line: 15·1.25 + 7.5 = 26.25; each row: caption 13.8·1.25 + 0.3·13.8 = 21.39, image 168.
    // Colour bar: gap 14 + 13.8 to its title, 0.45·13.8 to the bar (15 px), 1.05·13.8 to the labels, 0.3·13.8 + margin.
    const rowsEnd = S.margin + 26.25 + 2 * (21.39 + 168) + S.rowGap;
    const height = Math.ceil(rowsEnd + S.rowGap + 13.8 + 0.45 * 13.8 + 15 + 1.05 * 13.8 + 0.3 * 13.8 + S.margin);
    expect([width, height]).toEqual([736, 527]);
    const layout = figureLayout(input.figure, METHOD_IDS, METHOD_NAMES);
    expect(layout.captionFontSize).toBe(13.8);
    expect([layout.width, layout.height]).toEqual([width, height]);
    expect(figurePngScale(layout)).toBe(2);

    const meta = await sharp(join(dir, 'figure.png')).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([2 * width, 2 * height]);
    expect(meta.hasAlpha).toBe(false);
    // The top-left corner is the white background; the first image cell shows the input's black corner pixel.
    const { data, info } = await sharp(join(dir, 'figure.png')).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number): number[] => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    expect(px(2, 2)).toEqual([255, 255, 255]);
    const r0 = layout.rows[0];
    expect(px(Math.round(2 * (layout.columnX[0] + 3)), Math.round(2 * (r0.imageY + 3)))).toEqual([0, 0, 0]);
  });
});

describe('a long figure', () => {
  it('is cut into pages of rows in the PDF and into blocks of SVG in the HTML; figure.svg stays whole', async () => {
    const out = mkdtempSync(join(tmpdir(), 'camscope-report-'));
    const base = reportInput();
    const rows = Array.from({ length: 12 }, (_, i) => ({ ...base.figure[i % 2], caption: `row ${i + 1}` }));
    await writeReports(out, { ...base, figure: rows });

    const svg = readFileSync(join(out, 'figure.svg'), 'utf8');
    expect(svg.match(/<image /g)).toHaveLength(12 * 4);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<figure><svg /g)).toHaveLength(2); // 2 blocks of 6 rows, each with its own column headers
    expect(html.match(/<image /g)).toHaveLength(12 * 4);

    // 736 px wide → scale 495.28/736 on portrait A4: 4 rows of 204 px per page → 3 figure pages after 2 text pages.
    const pdf = readFileSync(join(out, 'report.pdf'));
    expect(pdfPageCount(pdf)).toBe(5);
    const texts = pdfTextRuns(pdf).map((r) => r.text);
    expect(texts).toContain('Qualitative examples (1 of 3)');
    expect(texts).toContain('Qualitative examples (3 of 3)');
    const images = [...pdf.toString('latin1').matchAll(/\/Subtype \/Image[\s\S]{0,80}\/Width (\d+)\s*\/Height (\d+)/g)];
    // Each page's block: 4 rows and its own colour bar → height 20 + 26.25 + 4·(21.39 + 168) + 3·14, then the bar
    // (14 + 13.8 + 6.21 + 15 + 14.49 + 4.14) and the margin 20: 933.45 → 934, at 2×.
    expect(images.map((m) => `${m[1]}x${m[2]}`)).toEqual(['1472x1868', '1472x1868', '1472x1868']);
  });
});

describe('report.pdf', () => {
  let pdf: Buffer;
  let runs: PdfTextRun[];
  beforeAll(() => {
    pdf = readFileSync(join(dir, 'report.pdf'));
    runs = pdfTextRuns(pdf);
  });

  it('is a PDF with the expected pages and document info', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // Summary + settings run onto a second page; the figure has its own page.
    expect(pdfPageCount(pdf)).toBe(3);
    const raw = pdf.toString('latin1');
    expect(pdfInfo(raw, 'Title')).toBe('camscope evaluation');
    expect(pdfInfo(raw, 'Author')).toBe('camscope');
    expect(raw).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    // The figure is embedded at its full pixel size.
    expect(raw).toMatch(/\/Subtype \/Image[\s\S]{0,80}\/Width 1472\s*\/Height 1054/);
    // Only the standard Helvetica faces.
    const fonts = new Set([...raw.matchAll(/\/BaseFont \/([\w-]+)/g)].map((m) => m[1]));
    expect([...fonts].every((f) => f.startsWith('Helvetica'))).toBe(true);
    expect(raw).not.toContain('/FontFile');
  });

  it('contains the title, the table with the best cells in bold, accuracy, exclusions and settings', () => {
    const find = (text: string): PdfTextRun[] => runs.filter((r) => r.text === text);
    const all = runs.map((r) => r.text).join('\n');
    expect(find('camscope evaluation')[0]?.font).toBe('Helvetica-Bold');
    for (const name of Object.values(METHOD_NAMES)) expect(find(name).length).toBeGreaterThan(0);
    expect(find('Average Drop (%)')).toHaveLength(3); // table row, chart panel and definition
    // Average Drop values appear in the table and in the chart, the best in bold in both.
    expect(find('12.00').map((r) => r.font)).toEqual(['Helvetica-Bold', 'Helvetica-Bold']); // best Average Drop
    expect(find('21.54').map((r) => r.font)).toEqual(['Helvetica', 'Helvetica']);
    expect(find('0.6544').map((r) => r.font)).toEqual(['Helvetica-Bold', 'Helvetica-Bold']); // tie
    expect(find('0.6012').map((r) => r.font)).toEqual(['Helvetica']);
    expect(all).toContain('The model classified 75.00 % of the labelled images');
    expect(all).toContain('n03394916/broken & truncated.JPEG - The file is not an image camscope can read');
    expect(all).toContain('Images with Y <= 0');
    expect(all).toContain('Grad-CAM 1, Grad-CAM++ 1, ScoreCAM++ 1');
    for (const s of [input.settings.model.path, input.settings.model.fingerprint, input.settings.layer.name, 'Provider used']) {
      expect(all).toContain(s);
    }
    expect(all).toContain('Qualitative examples');
    expect(all).toMatch(/Page 3 of 3/);
  });
});

describe('helpers', () => {
  it('bestMask: higher/lower, ties on shown digits, nulls ignored', () => {
    expect(bestMask([1, 3, 2], 'higher', 2)).toEqual([false, true, false]);
    expect(bestMask([1, 3, 2], 'lower', 2)).toEqual([true, false, false]);
    expect(bestMask([0.12344, 0.12341, 0.2], 'lower', 4)).toEqual([true, true, false]);
    expect(bestMask([null, Number.NaN, 5], 'lower', 2)).toEqual([false, false, true]);
    expect(bestMask([null, null], 'higher', 2)).toEqual([false, false]);
  });

  it('formatNumber: fixed digits, no negative zero, dash for null and non-finite', () => {
    expect(formatNumber(12.004, 2)).toBe('12.00');
    expect(formatNumber(-0.0004, 2)).toBe('0.00');
    expect(formatNumber(-1.5, 1)).toBe('-1.5');
    expect(formatNumber(null, 2)).toBe('–');
    expect(formatNumber(Number.POSITIVE_INFINITY, 2)).toBe('–');
  });

  it('toWinAnsi keeps what Helvetica can draw and replaces the rest', () => {
    expect(toWinAnsi('café – “ok” €')).toBe('café – “ok” €');
    expect(toWinAnsi('Y ≤ 0 → x')).toBe('Y <= 0 -> x');
    expect(toWinAnsi('ő 猫')).toBe('o ?');
    expect(toWinAnsi(FAILED_FILE)).toBe(FAILED_FILE);
  });
});
