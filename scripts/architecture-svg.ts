/**
 * Draws docs/architecture.svg from the real tree: one box per folder of src/ (its files and line counts, or for the
 * renderer and the engine its sub-folders), grouped by the OS process that runs it, and one arrow per pair of
 * folders that import each other (solid: at run time; dashed: types only). `npx tsx scripts/architecture-svg.ts`
 * rewrites the file; test/main/architecture-doc.test.ts fails when the picture no longer matches the tree.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImportGraph, REPO_ROOT, under, type ImportGraph } from '../test/helpers/import-graph';

interface Folder {
  id: string;
  dir: string;
  title: string;
  /** List sub-folders (with file counts) instead of files. */
  summarize?: boolean;
  col: number;
}

// Columns left to right follow a request: renderer → contract → main → boundary → engine process → engine.
const FOLDERS: Folder[] = [
  { id: 'renderer', dir: 'src/renderer', title: 'src/renderer — Svelte UI', summarize: true, col: 0 },
  { id: 'preload', dir: 'src/preload', title: 'src/preload — window.camscope', col: 0 },
  { id: 'shared', dir: 'src/shared', title: 'src/shared — the IPC contract', col: 0 },
  { id: 'app', dir: 'src/main/app', title: 'app/ — Electron shell', col: 1 },
  { id: 'web-bridge', dir: 'src/main/web-bridge', title: 'web-bridge/ — the UI in Chromium', col: 1 },
  { id: 'handlers', dir: 'src/main/handlers', title: 'handlers/ — what each channel does', col: 2 },
  { id: 'common', dir: 'src/main/common', title: 'common/ — user-facing errors', col: 2 },
  { id: 'engine-host', dir: 'src/main/engine-host', title: 'engine-host/ — the process boundary', col: 3 },
  { id: 'workbench', dir: 'src/main/workbench', title: 'workbench/ — one service per domain', col: 3 },
  { id: 'cli', dir: 'src/main/cli', title: 'cli/ — camscope on the command line', col: 4 },
  { id: 'engine', dir: 'src/main/engine', title: 'engine/ — methods, metrics, ONNX (pure)', summarize: true, col: 4 },
];

// Which OS process runs each folder (a frame is drawn around the folders of one process in one column).
const PROCESS: Record<string, string> = {
  renderer: 'renderer process (sandboxed)',
  preload: 'renderer process (sandboxed)',
  shared: 'shared by every process',
  app: 'Electron main process',
  'web-bridge': 'Node, in place of app/ (e2e tests)',
  handlers: 'main process (or the web bridge)',
  common: 'every process',
  'engine-host': 'both ends: host in main, runtime in the child',
  workbench: 'engine process (utilityProcess / fork)',
  cli: 'CLI process (node)',
  engine: 'engine process, or the CLI in-process',
};

const COL_X = [20, 300, 580, 860, 1140];
const BOX_W = 260;
const LINE = 14;
const HEAD = 36;

function rows(g: ImportGraph, f: Folder): string[] {
  const files = g.files.filter((p) => under(p, f.dir));
  if (!f.summarize) {
    return files.filter((p) => !p.slice(f.dir.length + 1).includes('/')).map((p) => `${p.slice(f.dir.length + 1)}  ${g.lines[p]}`)
      .concat(
        [...new Set(files.map((p) => p.slice(f.dir.length + 1)).filter((r) => r.includes('/')).map((r) => r.split('/')[0]))].map(
          (d) => `${d}/  ${files.filter((p) => under(p, `${f.dir}/${d}`)).length} files`,
        ),
      );
  }
  const groups = new Map<string, { n: number; lines: number }>();
  for (const p of files) {
    // The renderer's code sits one level down (src/renderer/src/<screen or lib>/).
    const rest = p.slice(f.dir.length + 1).split('/');
    const parts = rest[0] === 'src' && rest.length > 2 ? rest.slice(1) : rest;
    const k = parts.length > 1 ? `${rest[0] === 'src' && rest.length > 2 ? 'src/' : ''}${parts[0]}/` : '(top level)';
    const v = groups.get(k) ?? { n: 0, lines: 0 };
    v.n++;
    v.lines += g.lines[p];
    groups.set(k, v);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}  ${v.n} files, ${v.lines} lines`);
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function architectureSvg(g: ImportGraph = readImportGraph()): string {
  const boxes = new Map<string, { x: number; y: number; h: number; rows: string[] }>();
  const colY = COL_X.map(() => 60);
  for (const f of FOLDERS) {
    const r = rows(g, f);
    const h = HEAD + r.length * LINE + 10;
    boxes.set(f.id, { x: COL_X[f.col], y: colY[f.col], h, rows: r });
    colY[f.col] += h + 40;
  }
  const height = Math.max(...colY) + 40;
  const folderOf = (p: string): string | null => {
    // Longest folder first (src/main/engine before src/main).
    const hit = FOLDERS.filter((f) => under(p, f.dir)).sort((a, b) => b.dir.length - a.dir.length)[0];
    return hit ? hit.id : null;
  };
  const links = new Map<string, boolean>(); // "from>to" → any run-time import
  for (const e of g.edges) {
    const a = folderOf(e.from);
    const b = e.to.startsWith('src/') ? folderOf(e.to) : null;
    if (!a || !b || a === b) continue;
    const k = `${a}>${b}`;
    links.set(k, (links.get(k) ?? false) || !e.typeOnly);
  }
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${COL_X[4] + BOX_W + 20}" height="${height}" viewBox="0 0 ${COL_X[4] + BOX_W + 20} ${height}" font-family="DejaVu Sans, sans-serif">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
  out.push('<rect width="100%" height="100%" fill="#ffffff"/>');
  out.push(`<text x="20" y="30" font-size="16" font-weight="bold">camscope: src/ by process (drawn from the tree by scripts/architecture-svg.ts; file  lines)</text>`);
  for (const [k, runtime] of [...links.entries()].sort()) {
    const [a, b] = k.split('>');
    const A = boxes.get(a)!;
    const B = boxes.get(b)!;
    const ax = A.x + BOX_W / 2;
    const bx = B.x + BOX_W / 2;
    const [x1, x2] = A.x === B.x ? [ax, bx] : A.x < B.x ? [A.x + BOX_W, B.x] : [A.x, B.x + BOX_W];
    const [y1, y2] = A.x === B.x ? (A.y < B.y ? [A.y + A.h, B.y] : [A.y, B.y + B.h]) : [A.y + Math.min(A.h, 60) / 2 + 8, B.y + Math.min(B.h, 60) / 2 + 8];
    out.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#555" stroke-opacity="0.7" stroke-width="1.3"${runtime ? '' : ' stroke-dasharray="5,4"'} marker-end="url(#arrow)"><title>${esc(`${a} imports ${b}${runtime ? '' : ' (types only)'}`)}</title></line>`);
  }
  for (const f of FOLDERS) {
    const b = boxes.get(f.id)!;
    out.push(`<g><rect x="${b.x}" y="${b.y}" width="${BOX_W}" height="${b.h}" rx="6" fill="#f4f7fb" stroke="#36558f"/>`);
    out.push(`<text x="${b.x + 8}" y="${b.y + 15}" font-size="11.5" font-weight="bold" fill="#1d2f55">${esc(f.title)}</text>`);
    out.push(`<text x="${b.x + 8}" y="${b.y + 29}" font-size="10" font-style="italic" fill="#7a3d00">${esc(PROCESS[f.id])}</text>`);
    b.rows.forEach((r, i) => out.push(`<text x="${b.x + 14}" y="${b.y + HEAD + 8 + i * LINE}" font-size="10.5" fill="#222">${esc(r)}</text>`));
    out.push('</g>');
  }
  out.push(`<text x="20" y="${height - 14}" font-size="10.5" fill="#555">Arrows: a folder imports another (solid: at run time; dashed: types only). engine-host/ carries every call as postMessage between the main process and the engine process.</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && process.argv[1].endsWith('architecture-svg.ts')) {
  writeFileSync(join(REPO_ROOT, 'docs/architecture.svg'), architectureSvg());
  console.log('wrote docs/architecture.svg');
}
