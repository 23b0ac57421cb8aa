/**
 * compare.html: one self-contained page (the evaluation report's stylesheet, images inline, no scripts): the
 * summary, the per-method distances, the cross-table, the images where the models look most differently with both
 * maps side by side, every image's numbers, and the settings.
 */
import { escapeXml as esc, formatDate, formatDuration, NULL_CELL } from '../report/format';
import { CSS, htmlPage } from '../report/html';
import type { CompareFigureRow } from './figure';
import { COMPARISON_CSS, comparisonCards, crossTableHtml, distanceTable, imageTableHtml, num, sectionOfResult } from './section';
import type { CompareResult } from './types';

export { DENSE_TABLE_MAX_CLASSES } from './section';
/** Images listed in the page's table (compare.json has them all). */
const MAX_LISTED = 500;

const EXTRA_CSS = `${COMPARISON_CSS}
.pairs { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; margin: 8px 0 20px; }
.pair { border: 1px solid var(--rule); border-radius: 8px; padding: 8px 10px; }
.pair .maps { display: flex; gap: 8px; }
.pair figure { margin: 0; text-align: center; font-size: 12px; color: var(--muted); }
.pair img { width: 140px; height: auto; image-rendering: pixelated; border: 1px solid var(--rule); display: block; }
.pair .numbers { font-size: 12.5px; font-variant-numeric: tabular-nums; margin-top: 4px; }
h3 .file { font-weight: 400; }
`;

const img = (png: Buffer, alt: string): string => `<img alt="${esc(alt)}" src="data:image/png;base64,${png.toString('base64')}">`;

function caption(i: CompareResult['images'][number]): string {
  const label = i.label === null ? '' : `label ${i.label} · `;
  return `${label}A: ${i.predicted.a.className} (p=${i.predicted.a.probability.toFixed(2)}) · B: ${i.predicted.b.className} (p=${i.predicted.b.probability.toFixed(2)}) · explained: ${i.explained.className}`;
}

function figureSection(rows: readonly CompareFigureRow[], names: Record<string, string>): string {
  if (!rows.length) return '';
  const blocks = rows.map((row) => {
    const pairs = row.overlays.map((o) => {
      const d = row.image.methods[o.method];
      return `<div class="pair" data-method="${esc(o.method)}"><div><strong>${esc(names[o.method] ?? o.method)}</strong></div><div class="maps">` +
        `<figure>${img(o.a, `model A, ${o.method}`)}model A</figure><figure>${img(o.b, `model B, ${o.method}`)}model B</figure></div>` +
        `<div class="numbers">max |A − B| ${num(d.map_max_abs_diff)} · r ${num(d.map_pearson)} · top-20 % IoU ${num(d.map_top20_iou)}</div></div>`;
    }).join('');
    return `<h3><span class="file"><code>${esc(row.image.file)}</code></span></h3><p class="note">${esc(caption(row.image))}</p><div class="pairs">${pairs}</div>`;
  });
  return `<section class="figure" id="figure"><h2>Where the models look most differently</h2>${blocks.join('\n')}` +
    '<p class="figcaption">Each map is shown on the original image (the common grid the distances are computed on); where a model\'s input frame does not reach (a centre crop), its panel shows the plain image.</p></section>';
}

function failedSection(r: CompareResult): string {
  if (!r.failed.length) return '<p id="failed">No image failed.</p>';
  return `<p id="failed">${r.failed.length} image${r.failed.length === 1 ? '' : 's'} could not be compared:</p>` +
    `<ul class="failed">${r.failed.map((f) => `<li><code>${esc(f.file)}</code> — ${esc(f.message)}</li>`).join('')}</ul>`;
}

function settingsSection(r: CompareResult): string {
  const s = r.settings;
  const model = (title: string, m: typeof s.models.a): string =>
    `<div><h3>${esc(title)}</h3><dl class="kv"><dt>file</dt><dd><code>${esc(m.path)}</code></dd><dt>sha256</dt><dd><code>${esc(m.fingerprint.slice(0, 16))}…</code></dd>` +
    `<dt>layer</dt><dd><code>${esc(m.layer.name)}</code> [${m.layer.shape.join(', ')}]</dd><dt>input</dt><dd>${m.preprocessing.inputSize.join('×')}, ${esc(m.preprocessing.resize)}</dd>` +
    `<dt>classes</dt><dd>${m.classes.length} (names from the ${esc(m.classesSource)})</dd><dt>provider</dt><dd>${esc(m.provider.used)}</dd></dl></div>`;
  const run = `<div><h3>Run</h3><dl class="kv"><dt>dataset</dt><dd><code>${esc(s.dataset.root)}</code> (${s.dataset.total} images)</dd>` +
    `<dt>labels</dt><dd>${s.dataset.labels ? `<code>${esc(s.dataset.labels)}</code>` : esc(s.dataset.layout === 'imagefolder' ? 'folder names' : NULL_CELL)}</dd>` +
    `<dt>sample</dt><dd>${s.sample.size === null ? 'every image' : `${s.sample.size} images, seed ${s.sample.seed}`}</dd><dt>methods</dt><dd>${esc(s.methods.join(', '))}</dd>` +
    `<dt>project</dt><dd><code>${esc(s.project)}</code></dd></dl></div>`;
  return `<h2>Settings</h2><div class="settings" id="settings">${model('Model A', s.models.a)}${model('Model B', s.models.b)}${run}</div>`;
}

export function renderCompareHtml(r: CompareResult, figure: readonly CompareFigureRow[], methodNames: Record<string, string>): string {
  const s = r.settings;
  const section = sectionOfResult(r);
  const { a, b } = section.models;
  const subtitle = [`A <code>${esc(a)}</code> vs B <code>${esc(b)}</code>`, `${r.summary.compared} image${r.summary.compared === 1 ? '' : 's'}`, esc(formatDate(s.created))].join(' · ');
  return htmlPage({
    camscope: s.camscope,
    title: `camscope comparison — ${esc(a)} vs ${esc(b)}`,
    css: `${CSS}${EXTRA_CSS}`,
    heading: 'camscope model comparison',
    subtitle,
    content: `${comparisonCards(section)}
<h2>How far apart the maps are</h2>
${distanceTable(section, methodNames, 'distances')}
<p class="note" id="what">Both maps of an image explain the same class: ${esc(s.explainedClass)}. Classes are matched ${esc(s.classMatching)}.
Resolution: ${esc(s.commonGrid.rule)}. Pearson r is undefined (–) where a map is constant; top-20 % IoU compares each map's top ${Math.round(100 * s.topFraction)} % pixels (ties with the last one included).</p>
<h2>Predictions: A × B</h2>
${crossTableHtml(section, 'cross', 'compare.json')}
${figureSection(figure, methodNames)}
<h2>Every image (most different first)</h2>
${imageTableHtml(section, 'images', MAX_LISTED, 'compare.json')}
<h2>Failed images</h2>
${failedSection(r)}
${settingsSection(r)}`,
    footer: `Generated by camscope ${esc(s.camscope)} in ${esc(formatDuration(r.elapsedSeconds))}. Per-image numbers: compare.json beside this file.`,
  });
}
