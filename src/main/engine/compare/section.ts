/**
 * The comparison as a section of a page: each model's accuracy, the prediction agreement, the per-method map
 * distances, the cross-table and the images where the models look most differently. compare.html is built from
 * these pieces, and the evaluation report (report.html, .json, .csv) carries the same section when asked to, from
 * the comparison the app kept in the project.
 */
import { csvField } from '../report/csv';
import { baseName, escapeXml as esc, formatDate, NULL_CELL } from '../report/format';
import type { ComparedImage, CompareResult, CompareSummary, ComparisonSection } from './types';

export type { ComparisonSection };

/** Images the report's section lists (the most different ones); comparison.csv beside it has them all. */
export const SECTION_TOP_IMAGES = 10;
/** A cross-table with more classes than this is shown as its most frequent disagreements instead. */
export const DENSE_TABLE_MAX_CLASSES = 25;

export const COMPARISON_CSS = `
table.cross td.same { background: #dbe8f7; font-weight: 600; }
table.cross th.corner { font-weight: 400; color: var(--muted); font-size: 12px; }
`;

/** The section of a `camscope compare` run. */
export function sectionOfResult(r: CompareResult): ComparisonSection {
  const s = r.settings;
  return {
    models: { a: baseName(s.models.a.path), b: baseName(s.models.b.path) },
    created: s.created,
    datasetRoot: s.dataset.root,
    sample: s.sample,
    methods: s.methods,
    summary: r.summary,
    images: r.images,
    failed: r.failed,
  };
}

export const pct = (f: number | null | undefined): string => (f === null || f === undefined ? NULL_CELL : `${(100 * f).toFixed(1)} %`);
export const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? NULL_CELL : v.toFixed(digits));

/** The disagreements of a cross-table too wide to show, most frequent first. */
export function frequentDisagreements(summary: CompareSummary, n = 30): { a: string; b: string; n: number }[] {
  const { classes, counts } = summary.crossTable;
  const cells = counts.flatMap((row, i) => row.map((n, j) => ({ a: classes[i], b: classes[j], n, same: i === j }))).filter((c) => c.n > 0 && !c.same);
  cells.sort((x, y) => y.n - x.n || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
  return cells.slice(0, n).map(({ a, b, n }) => ({ a, b, n }));
}

export function comparisonCards(c: ComparisonSection): string {
  const s = c.summary;
  const acc = (x: typeof s.accuracy.a): string => (x ? `${pct(x.fraction)}` : NULL_CELL);
  const accLabel = (name: string, x: typeof s.accuracy.a): string => (x ? `accuracy of ${name} (${x.correct} of ${x.labelled} labelled)` : `accuracy of ${name} (no labels)`);
  const items = [
    { value: String(s.compared), label: `images compared (of ${s.images}; ${s.failed} failed)` },
    { value: pct(s.agreement.fraction), label: `prediction agreement (${s.agreement.agree} of ${s.agreement.compared})` },
    { value: acc(s.accuracy.a), label: accLabel(`A (${c.models.a})`, s.accuracy.a) },
    { value: acc(s.accuracy.b), label: accLabel(`B (${c.models.b})`, s.accuracy.b) },
  ];
  return `<div class="cards">${items.map((x) => `<div class="card"><div class="value">${esc(x.value)}</div><div class="label">${esc(x.label)}</div></div>`).join('')}</div>`;
}

/** The per-method means of the three distances; `id` is the table's element id. */
export function distanceTable(c: ComparisonSection, names: Record<string, string>, id: string): string {
  const rows = c.methods.map((m) => {
    const x = c.summary.methods[m];
    return `<tr class="metric" data-method="${esc(m)}"><th scope="row">${esc(names[m] ?? m)}</th><td>${num(x.mean_map_max_abs_diff)}</td>` +
      `<td>${num(x.mean_map_pearson)}${x.pearson_undefined ? ` <span class="note">(${x.pearson_undefined} without r)</span>` : ''}</td><td>${num(x.mean_map_top20_iou)}</td><td>${x.images}</td></tr>`;
  });
  return `<div class="table-wrap"><table class="metrics" id="${id}"><thead><tr><th scope="col">Method</th><th scope="col">mean max |A − B|</th>` +
    `<th scope="col">mean Pearson r</th><th scope="col">mean top-20 % IoU</th><th scope="col">images</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** A × B: the classes each model predicts (or, for many classes, the most frequent disagreements); `id` as above. */
export function crossTableHtml(c: ComparisonSection, id: string, wholeIn: string): string {
  const { classes, counts } = c.summary.crossTable;
  if (!classes.length) return `<p id="${id}">No image was compared.</p>`;
  if (classes.length <= DENSE_TABLE_MAX_CLASSES) {
    const head = classes.map((x) => `<th scope="col">${esc(x)}</th>`).join('');
    const body = counts.map((row, i) => `<tr><th scope="row">${esc(classes[i])}</th>${row.map((n, j) => `<td class="${i === j ? 'same' : ''}">${n || ''}</td>`).join('')}</tr>`).join('');
    return `<div class="table-wrap"><table class="metrics cross" id="${id}"><thead><tr><th scope="col" class="corner">A ↓ · B →</th>${head}</tr></thead><tbody>${body}</tbody></table></div>` +
      '<p class="note">Rows: the class model A predicts; columns: the class model B predicts; the diagonal (shaded) is where they agree.</p>';
  }
  const rows = frequentDisagreements(c.summary).map((x) => `<tr><td>${esc(x.a)}</td><td>${esc(x.b)}</td><td class="n">${x.n}</td></tr>`).join('');
  return `<p class="note">${classes.length} classes are predicted, too many for one table (${esc(wholeIn)} has it whole); the most frequent disagreements:</p>` +
    `<table class="counts" id="${id}"><thead><tr><th>A predicts</th><th>B predicts</th><th>images</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The first `limit` images (most different first) with each method's three distances; a note names where the rest are. */
export function imageTableHtml(c: ComparisonSection, id: string, limit: number, restIn: string): string {
  const head = c.methods.map((m) => `<th scope="col">${esc(m)}<br>diff · r · IoU</th>`).join('');
  const rows = c.images.slice(0, limit).map((i) => {
    const cells = c.methods.map((m) => {
      const d = i.methods[m];
      return d ? `<td>${num(d.map_max_abs_diff, 2)} · ${num(d.map_pearson, 2)} · ${num(d.map_top20_iou, 2)}</td>` : `<td>${NULL_CELL}</td>`;
    }).join('');
    return `<tr><th scope="row"><code>${esc(i.file)}</code></th><td>${esc(i.label ?? NULL_CELL)}</td><td>${esc(i.predicted.a.className)}</td><td>${esc(i.predicted.b.className)}</td>${cells}</tr>`;
  });
  const more = c.images.length > limit ? `<p class="note">The first ${limit} of ${c.images.length} images; ${esc(restIn)} lists them all.</p>` : '';
  return `<div class="table-wrap"><table class="metrics" id="${id}"><thead><tr><th scope="col">Image</th><th scope="col">label</th><th scope="col">A predicts</th><th scope="col">B predicts</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>${more}`;
}

function sampleText(c: ComparisonSection): string {
  return c.sample.size === null ? 'every image' : `a sample of ${c.sample.size} (seed ${c.sample.seed})`;
}

/** The report's comparison section (report.html), with element ids of its own (`comparison-…`). */
export function renderComparisonSectionHtml(c: ComparisonSection, names: Record<string, string>): string {
  const failed = c.failed.length ? `<p class="note" id="comparison-failed">${c.failed.length} image${c.failed.length === 1 ? '' : 's'} could not be compared (comparison.csv lists the compared ones).</p>` : '';
  return `<section class="comparison" id="comparison">
<h2>Model comparison</h2>
<p class="note">A <code>${esc(c.models.a)}</code> vs B <code>${esc(c.models.b)}</code> on ${esc(sampleText(c))} of <code>${esc(c.datasetRoot)}</code>, compared ${esc(formatDate(c.created))}. Both maps of an image explain A's predicted class (the class of the same name in B).</p>
${comparisonCards(c)}
<h3>How far apart the maps are</h3>
${distanceTable(c, names, 'comparison-distances')}
<h3>Predictions: A × B</h3>
${crossTableHtml(c, 'comparison-cross', 'comparison.csv')}
<h3>Where the models look most differently</h3>
${imageTableHtml(c, 'comparison-images', SECTION_TOP_IMAGES, 'comparison.csv')}
${failed}
</section>`;
}

/** report.json's `comparison`: the summary and the most different images (comparison.csv has every image). */
export function comparisonJson(c: ComparisonSection): {
  models: ComparisonSection['models'];
  created: string;
  datasetRoot: string;
  sample: ComparisonSection['sample'];
  methods: string[];
  summary: CompareSummary;
  mostDifferent: ComparedImage[];
  failed: { file: string; message: string }[];
} {
  // Only the documented keys of each image (the app's rows carry their folder index too).
  const image = (i: ComparedImage): ComparedImage => ({
    file: i.file, label: i.label, predicted: i.predicted, agree: i.agree, explained: i.explained, grid: i.grid, methods: i.methods,
  });
  return {
    models: c.models, created: c.created, datasetRoot: c.datasetRoot, sample: c.sample, methods: [...c.methods], summary: c.summary,
    mostDifferent: c.images.slice(0, SECTION_TOP_IMAGES).map(image),
    failed: c.failed.map((f) => ({ file: f.file, message: f.message })),
  };
}

/** comparison.csv: one row per compared image, most different first, with both predictions and each method's distances. */
export function renderComparisonCsv(c: ComparisonSection): string {
  const head = ['file', 'label', 'a_predicted', 'a_probability', 'b_predicted', 'b_probability', 'agree', 'explained',
    ...c.methods.flatMap((m) => [`${m}_max_abs_diff`, `${m}_pearson`, `${m}_top20_iou`])];
  const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));
  const rows = c.images.map((i) => [
    i.file, i.label ?? '', i.predicted.a.className, String(i.predicted.a.probability), i.predicted.b.className, String(i.predicted.b.probability),
    i.agree ? 'true' : 'false', i.explained.className,
    ...c.methods.flatMap((m) => {
      const d = i.methods[m];
      return [cell(d?.map_max_abs_diff), cell(d?.map_pearson), cell(d?.map_top20_iou)];
    }),
  ]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
