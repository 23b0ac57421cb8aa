/**
 * report.html: one self-contained page (inline CSS, inline SVG figure, no scripts, no external resources) that reads
 * well on screen and prints on A4.
 */
import { COMPARISON_CSS, renderComparisonSectionHtml } from '../compare/section';
import {
  COMPLEXITY_METRICS,
  COMPLEXITY_NOTE,
  COUNT_ROWS,
  LOCALIZATION_COUNT_ROWS,
  LOCALIZATION_METRICS,
  METRICS,
  HEADLINE_METRICS,
  hasLocalization,
  isReference,
  type AnyMetricInfo,
  NULL_CELL,
  accuracyPct,
  baseName,
  escapeXml as esc,
  faithfulnessMetrics,
  hasComplexity,
  formatDate,
  formatDuration,
  methodName,
  methodRow,
  metricRows,
  reportVerdict,
  scoreVariantLabel,
} from './format';
import { SCORE_FREE_HEADING, SCORE_FREE_NOTE, scoreFreeLines } from './score-free';
import { settingGroups } from './settings';
import type { ReportInput } from './types';

/** The report's stylesheet (compare.html uses it too). */
export const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --rule: #d1d9e0; --soft: #f6f8fa; --accent: #0a5bb5; --warn: #9a6700; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 40px 32px 56px; }
header { border-bottom: 3px solid var(--fg); padding-bottom: 14px; }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0; }
h2 { font-size: 19px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 8px 0; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin: 22px 0 0; }
.card { background: var(--soft); border: 1px solid var(--rule); border-radius: 8px; padding: 10px 16px; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: var(--muted); font-size: 13px; }
.table-wrap { overflow-x: auto; }
table.metrics { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums;
  border-top: 2px solid var(--fg); border-bottom: 2px solid var(--fg); }
table.metrics th, table.metrics td { padding: 7px 12px; text-align: right; white-space: nowrap; }
table.metrics thead th { border-bottom: 1px solid var(--fg); font-weight: 600; vertical-align: bottom; white-space: normal; }
table.metrics th[scope=row] { text-align: left; font-weight: 400; }
.nw { white-space: nowrap; }
table.metrics thead th:first-child { text-align: left; }
table.metrics td.best strong { font-weight: 700; }
table.metrics .reference { color: var(--muted); font-style: italic; }
table.metrics tbody tr.metric:nth-child(even) { background: var(--soft); }
table.metrics tr.count th, table.metrics tr.count td { color: var(--muted); font-size: 13px; padding-top: 4px; padding-bottom: 4px; }
table.metrics tr.count.first th, table.metrics tr.count.first td { border-top: 1px solid var(--rule); padding-top: 8px; }
.dir { color: var(--accent); font-size: 0.8em; margin-left: 4px; }
.note { color: var(--muted); font-size: 13px; }
dl.defs { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 10px 0; font-size: 14px; }
dl.defs dt { font-weight: 600; }
dl.defs dd { margin: 0; color: var(--muted); }
ul.failed { margin: 6px 0; padding-left: 22px; }
ul.failed li { margin: 2px 0; overflow-wrap: anywhere; }
table.counts { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
table.counts th, table.counts td { padding: 3px 16px 3px 0; text-align: left; }
table.counts td.n { text-align: right; }
figure { margin: 12px 0 0; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 6px; }
figure + figure { margin-top: 8px; }
.figcaption { color: var(--muted); font-size: 13px; margin-top: 8px; }
.settings { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 6px 32px; }
dl.kv { display: grid; grid-template-columns: 190px 1fr; gap: 3px 14px; margin: 0 0 10px; font-size: 14px; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--accent); }
details ol { columns: 3; font-size: 12px; margin: 6px 0; padding-left: 28px; }
figure.chart svg { border: 0; font-family: inherit; }
svg.chart .title { font-size: 15px; font-weight: 600; fill: var(--fg); }
svg.chart .sub { font-size: 12px; fill: var(--muted); }
svg.chart .name { font-size: 13px; fill: var(--fg); }
svg.chart .name.reference { font-style: italic; fill: var(--muted); }
svg.chart .track { fill: var(--soft); }
svg.chart .bar { fill: #9dbbe0; }
svg.chart .bar.best { fill: var(--accent); }
svg.chart .value { font-size: 12.5px; fill: var(--fg); font-variant-numeric: tabular-nums; }
svg.chart .value.best { font-weight: 700; fill: var(--accent); }
footer { margin-top: 40px; padding-top: 10px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 12px; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 20pt; }
  h2 { font-size: 13pt; margin-top: 18pt; break-after: avoid; page-break-after: avoid; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  .card { padding: 6px 10px; }
  .card .value { font-size: 11.5pt; white-space: nowrap; }
  .card .label { font-size: 8pt; }
  h3 { break-after: avoid; page-break-after: avoid; }
  table, .cards, dl.kv, dl.defs, ul.failed li, .settings > div { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table.metrics { font-size: 9pt; }
  table.metrics th[scope=row] { white-space: normal; min-width: 9em; }
  table.metrics th, table.metrics td { padding: 3px 6px; }
  table.metrics tr.count th, table.metrics tr.count td { font-size: 8pt; }
  .settings { grid-template-columns: 1fr 1fr; }
  dl.kv { grid-template-columns: 120px 1fr; font-size: 8.5pt; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  figure svg { max-height: 235mm; border: 0; }
  details ol { display: none; }
}
`;

/**
 * The app's chart as inline SVG (the same as report.pdf's): one horizontal bar chart per headline metric, a bar per
 * method with its value, the best bar in the accent colour, the random reference hatched grey.
 */
function metricChart(input: ReportInput): string {
  const ids = input.settings.methods;
  if (ids.length === 0) return '';
  const rows = metricRows(input, HEADLINE_METRICS);
  const nameW = 150;
  const panelW = 260;
  const gap = 24;
  const barH = 16;
  const step = 22;
  const top = 44;
  const span = panelW - 54;
  const W = nameW + 3 * panelW + 2 * gap;
  const H = top + ids.length * step + 30;
  const out: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Bar charts of Average Drop, Increase in Confidence and Win per method">`,
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect width="6" height="6" fill="#e4e8ec"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8c959f" stroke-width="1.6"/></pattern></defs>',
  ];
  ids.forEach((id, i) => {
    const y = top + i * step;
    out.push(`<text class="name${isReference(id) ? ' reference' : ''}" x="${nameW - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(methodName(input, id))}</text>`);
  });
  rows.forEach((row, p) => {
    const x = nameW + p * (panelW + gap);
    out.push(`<text class="title" x="${x}" y="16">${esc(row.info.label)}</text>`);
    out.push(`<text class="sub" x="${x}" y="32">${row.info.better === 'lower' ? 'lower is better' : 'higher is better'}</text>`);
    const values = ids.map((id) => methodRow(input, id)[row.info.key as keyof ReturnType<typeof methodRow>] as number | null);
    const max = Math.max(1e-9, ...values.map((v) => (v !== null && Number.isFinite(v) ? v : 0)));
    ids.forEach((id, i) => {
      const v = values[i];
      const y = top + i * step;
      const cell = row.cells[i];
      out.push(`<rect class="track" x="${x}" y="${y}" width="${span}" height="${barH}"/>`);
      let w = 0;
      if (v !== null && Number.isFinite(v)) {
        w = +Math.max(1, (span * Math.max(0, v)) / max).toFixed(2);
        const cls = isReference(id) ? 'bar reference' : cell.best ? 'bar best' : 'bar';
        out.push(`<rect class="${cls}" data-method="${esc(id)}" x="${x}" y="${y}" width="${w}" height="${barH}"${isReference(id) ? ' fill="url(#hatch)"' : ''}/>`);
      }
      out.push(`<text class="value${cell.best ? ' best' : ''}" x="${x + w + 5}" y="${y + barH / 2 + 4}">${esc(cell.text)}</text>`);
    });
  });
  const ky = top + ids.length * step + 12;
  out.push(
    `<rect class="bar best" x="${nameW}" y="${ky}" width="16" height="10"/><text class="sub" x="${nameW + 22}" y="${ky + 9}">best of the metric (as in the table)</text>` +
      `<rect class="bar" x="${nameW + 260}" y="${ky}" width="16" height="10"/><text class="sub" x="${nameW + 282}" y="${ky + 9}">other methods</text>` +
      (ids.some(isReference)
        ? `<rect x="${nameW + 400}" y="${ky}" width="16" height="10" fill="url(#hatch)"/><text class="sub" x="${nameW + 422}" y="${ky + 9}">reference (random baseline)</text>`
        : ''),
  );
  out.push('</svg>');
  return `<figure class="chart">${out.join('\n')}</figure>`;
}

function arrow(better: 'higher' | 'lower'): string {
  return better === 'higher'
    ? '<span class="dir" title="higher is better" aria-label="higher is better">▲</span>'
    : '<span class="dir" title="lower is better" aria-label="lower is better">▼</span>';
}

function metricTable(
  input: ReportInput,
  metrics: readonly AnyMetricInfo[] = METRICS,
  counts: readonly { key: keyof ReturnType<typeof methodRow>; label: string }[] = COUNT_ROWS,
  id = 'metrics',
): string {
  const ids = input.settings.methods;
  // Names wrap at spaces only, never at the hyphen of "Grad-CAM".
  const nameHtml = (id: string): string =>
    methodName(input, id).split(/\s+/).filter((w) => w.length > 0).map((w) => `<span class="nw">${esc(w)}</span>`).join(' ');
  const ref = (i: number): string => (isReference(ids[i]) ? ' reference' : '');
  const cls = (i: number): string => (isReference(ids[i]) ? ' class="reference"' : '');
  const head = ids.map((id, i) => `<th scope="col"${cls(i)} data-method="${esc(id)}">${nameHtml(id)}</th>`).join('');
  const body: string[] = [];
  for (const row of metricRows(input, metrics)) {
    const cells = row.cells
      .map((c, i) => (c.best ? `<td class="best${ref(i)}"><strong>${esc(c.text)}</strong></td>` : `<td${cls(i)}>${esc(c.text)}</td>`))
      .join('');
    body.push(
      `<tr class="metric" data-metric="${row.info.key}"><th scope="row" title="${esc(row.info.description)}">${esc(row.info.label)}${arrow(row.info.better)}</th>${cells}</tr>`,
    );
  }
  counts.forEach((c, i) => {
    const cells = ids.map((id) => `<td>${esc(String(methodRow(input, id)[c.key] ?? NULL_CELL))}</td>`).join('');
    body.push(`<tr class="count${i === 0 ? ' first' : ''}" data-count="${c.key}"><th scope="row">${esc(c.label)}</th>${cells}</tr>`);
  });
  return (
    `<div class="table-wrap">${id === 'metrics' ? '<table class="metrics">' : `<table class="metrics" id="${id}">`}` +
    `<thead><tr><th scope="col">Metric</th>${head}</tr></thead>` +
    `<tbody>\n${body.join('\n')}\n</tbody></table></div>`
  );
}

/** The verdict across metrics: who is best where, ties and median ranks, in sentences (evaluate/verdict.ts). */
function verdictSection(input: ReportInput): string {
  const { sentences } = reportVerdict(input);
  return `<h3>Verdict across metrics</h3>\n<ul id="verdict">${sentences.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
}

/** Sparseness and complexity of the maps (nothing in runs from before they were recorded). */
function complexitySection(input: ReportInput): string {
  if (!hasComplexity(input)) return '';
  const defs = COMPLEXITY_METRICS.map((m) => `<dt>${esc(m.label)}${arrow(m.better)}</dt><dd>${esc(m.description)}</dd>`).join('');
  return `<h2>Complexity of the maps</h2>\n${metricTable(input, COMPLEXITY_METRICS, [], 'complexity')}\n` +
    `<p class="note">${esc(COMPLEXITY_NOTE)}</p><dl class="defs">${defs}</dl>`;
}

/** One line per score-weighted method: its maps' distance from their score-free form (nothing without such methods). */
function scoreFreeSection(input: ReportInput): string {
  const lines = scoreFreeLines(input);
  if (!lines.length) return '';
  return `<h2>${esc(SCORE_FREE_HEADING)}</h2>\n<ul id="score-free">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` +
    `<p class="note">${esc(SCORE_FREE_NOTE)}</p>`;
}

/** The "Localization (expert regions)" block: where the regions came from, the table with counts, definitions. */
function localizationSection(input: ReportInput): string {
  if (!hasLocalization(input)) return '';
  const l = input.settings.localization;
  const how = l
    ? `Regions: <code>${esc(l.source)}</code>; ${l.regionClass === 'target' ? 'only regions whose class is the explained class' : 'all regions of an image'}; ` +
      `pointing tolerance ${l.pointingTolerance} px; IoU threshold ${l.iouThreshold}.`
    : '';
  const defs = LOCALIZATION_METRICS.map((m) => `<dt>${esc(m.label)}${arrow(m.better)}</dt><dd>${esc(m.description)}</dd>`).join('');
  return (
    `<h2>Localization (expert regions)</h2>\n` +
    metricTable(input, LOCALIZATION_METRICS, LOCALIZATION_COUNT_ROWS, 'localization') +
    `\n<p class="note">${how} Regions are mapped into the model's input frame through the image's resize and crop; ` +
    `means are over the images with regions (pointing game: with regions or points).</p>` +
    `<dl class="defs">${defs}</dl>`
  );
}

function summaryCards(input: ReportInput): string {
  const pct = accuracyPct(input.accuracy);
  const acc =
    pct === null ? NULL_CELL : `${pct.toFixed(1)} %`;
  const accLabel = input.accuracy && input.accuracy.labelled > 0
    ? `accuracy (${input.accuracy.correct} of ${input.accuracy.labelled} labelled correct)`
    : 'accuracy (no labelled images)';
  const cards = [
    { value: String(input.records.length), label: `images evaluated (of ${input.settings.dataset.total} in the dataset)` },
    { value: acc, label: accLabel },
    { value: String(input.failed.length), label: input.failed.length === 1 ? 'image failed' : 'images failed' },
    { value: formatDuration(input.elapsedSeconds), label: 'elapsed' },
  ];
  return `<div class="cards">${cards
    .map((c) => `<div class="card"><div class="value">${esc(c.value)}</div><div class="label">${esc(c.label)}</div></div>`)
    .join('')}</div>`;
}

function accuracySection(input: ReportInput): string {
  const a = input.accuracy;
  const pct = accuracyPct(a);
  const text = a && pct !== null
    ? `The model classified <strong>${pct.toFixed(2)} %</strong> of the labelled images in the sample correctly ` +
      `(${a.correct} of ${a.labelled}). Explanations target the <em>predicted</em> class, right or wrong.`
    : 'No image in the sample has a label, so the accuracy is not known. Explanations target the predicted class.';
  return `<h2>Model accuracy on the sample</h2><p id="accuracy">${text}</p>`;
}

function exclusionsSection(input: ReportInput): string {
  const out: string[] = ['<h2>Excluded images</h2>'];
  if (input.failed.length === 0) {
    out.push('<p id="failed">No image failed.</p>');
  } else {
    out.push(
      `<p id="failed">${input.failed.length} image${input.failed.length === 1 ? '' : 's'} could not be evaluated and ` +
        `${input.failed.length === 1 ? 'is' : 'are'} left out of every metric:</p>`,
    );
    out.push(
      `<ul class="failed">${input.failed
        .map((f) => `<li><code>${esc(f.file)}</code> — ${esc(f.message)}</li>`)
        .join('')}</ul>`,
    );
  }
  const ids = input.settings.methods;
  const counts = ids.map((id) => methodRow(input, id).excluded_nonpositive_Y);
  const any = counts.some((n) => n > 0);
  if (input.settings.score === 'logit') {
    out.push(
      '<h3>Images with Y ≤ 0</h3>' +
        '<p>Average Drop divides by the full-image score Y. With logits Y can be zero or negative, where that ratio has ' +
        'no meaning, so such images are left out of Average Drop (the table’s “Images in Average Drop” row gives how ' +
        'many entered it); the other metrics still count them. ' +
        (any ? 'Left out per method:' : 'No image was left out.') +
        '</p>',
    );
  } else if (any) {
    out.push('<h3>Images with Y ≤ 0</h3><p>Left out of Average Drop per method:</p>');
  }
  if (any || input.settings.score === 'logit') {
    out.push(
      `<table class="counts" id="nonpositive"><tbody>${ids
        .map((id, i) => `<tr><th scope="row">${esc(methodName(input, id))}</th><td class="n">${counts[i]}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  }
  const flat = ids.map((id) => methodRow(input, id).flat_maps);
  if (flat.some((n) => n > 0)) {
    out.push(
      `<p class="note">Flat maps (the method gave the same value everywhere, so the map explains nothing): ${ids
        .map((id, i) => `${esc(methodName(input, id))} ${flat[i]}`)
        .join(', ')}.</p>`,
    );
  }
  return out.join('\n');
}

function settingsSection(input: ReportInput): string {
  const groups = settingGroups(input).map((g) => {
    const rows = g.entries.map((e) => {
      let value = e.mono ? `<code>${esc(e.value)}</code>` : esc(e.value);
      if (e.list && e.list.length > 0) {
        value += ` <details><summary>show</summary><ol start="0">${e.list.map((c) => `<li>${esc(c)}</li>`).join('')}</ol></details>`;
      }
      return `<dt>${esc(e.key)}</dt><dd>${value}</dd>`;
    });
    return `<div><h3>${esc(g.title)}</h3><dl class="kv">${rows.join('')}</dl></div>`;
  });
  return `<h2>Settings</h2><div class="settings" id="settings">${groups.join('\n')}</div>`;
}

/** The figure SVG without its XML declaration, for inlining. */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*\?>\s*/, '');
}

/**
 * The page. `figure` is the figure SVG, or several SVGs (blocks of rows, each with its own column headers) that are
 * stacked; long figures come in blocks so that printing can break between them.
 */
export function renderHtml(input: ReportInput, figure: string | readonly string[] | null): string {
  const blocks = figure === null ? [] : typeof figure === 'string' ? [figure] : [...figure];
  const s = input.settings;
  const subtitle = [
    `Model <code>${esc(baseName(s.model.path))}</code>`,
    `${input.records.length} image${input.records.length === 1 ? '' : 's'}`,
    `score: ${esc(scoreVariantLabel(s.score, s.preprocessing.scores))}`,
    esc(formatDate(s.created)),
  ].join(' · ');

  const faithfulness = faithfulnessMetrics(input);
  const defs = faithfulness.map(
    (m) => `<dt>${esc(m.label)}${arrow(m.better)}</dt><dd>${esc(m.description)}</dd>`,
  ).join('');

  const note =
    '▲ higher is better, ▼ lower is better; the best value of each row is in <strong>bold</strong> ' +
    '(ties all marked, compared as shown). Y is the target class’s score on the whole image and O its score on the ' +
    `image weighted by the map, both as ${esc(scoreVariantLabel(s.score, s.preprocessing.scores))}; the target is the predicted class.` +
    (s.methods.some(isReference)
      ? ' A column marked “(reference)” in italics is the random baseline: a line a method should beat, never marked best nor counted in Win %.'
      : '');

  const figureHtml = blocks.length > 0
    ? `<section class="figure"><h2>Qualitative examples</h2>` +
      blocks.map((svg) => `<figure>${inlineSvg(svg)}</figure>`).join('\n') +
      `<p class="figcaption">Each row: an image from the sample (caption: file, label → prediction and its probability), ` +
      `then each method's map overlaid on the model input.</p></section>`
    : '';

  return htmlPage({
    camscope: s.camscope,
    title: `camscope evaluation — ${esc(baseName(s.model.path))}`,
    css: `${CSS}${input.comparison ? COMPARISON_CSS : ''}`,
    heading: 'camscope evaluation',
    subtitle,
    content: `${summaryCards(input)}
<h2>Faithfulness</h2>
${metricTable(input, faithfulness)}
<p class="note">${note}</p>
${verdictSection(input)}
${metricChart(input)}
<dl class="defs">${defs}</dl>
${complexitySection(input)}
${localizationSection(input)}
${scoreFreeSection(input)}
${accuracySection(input)}
${exclusionsSection(input)}
${figureHtml}
${input.comparison ? renderComparisonSectionHtml(input.comparison, input.methodNames) : ''}
${settingsSection(input)}`,
    footer: `Generated by camscope ${esc(s.camscope)}. Per-image numbers: report.csv and report.json beside this file.`,
  });
}

/**
 * The page around a camscope HTML document (report.html, compare.html): the head with its stylesheet, the heading
 * and subtitle, the content and the footer. Everything but camscope (the version) is HTML, escaped by the caller.
 */
export function htmlPage(p: { camscope: string; title: string; css: string; heading: string; subtitle: string; content: string; footer: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="camscope ${esc(p.camscope)}">
<title>${p.title}</title>
<style>${p.css}</style>
</head>
<body>
<main>
<header>
<h1>${p.heading}</h1>
<p class="subtitle">${p.subtitle}</p>
</header>
${p.content}
<footer>${p.footer}</footer>
</main>
</body>
</html>
`;
}
