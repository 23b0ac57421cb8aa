/**
 * The import graph of src/: every file (.ts, .svelte) and every import in it, resolved to a repository path or
 * left as a package name. Read by test/main/layers.test.ts (the layout's rules) and scripts/architecture-svg.ts (the
 * picture in docs/architecture.md), so the rules and the picture describe the same tree.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ImportEdge {
  from: string;
  /** A repository path ('src/main/…') or a package specifier ('electron', 'node:fs', 'sharp'). */
  to: string;
  /** What is imported, e.g. `{ ipcMain, app }` or `* as ort`. */
  clause: string;
  /** `import type …`, or every named import marked `type`: erased at build time. */
  typeOnly: boolean;
}

export interface ImportGraph {
  files: string[];
  lines: Record<string, number>;
  edges: ImportEdge[];
}

// Static imports and re-exports (`import … from`, `export … from`, bare `import '…'`) and dynamic `import('…')`.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(relative(REPO_ROOT, p).split('\\').join('/'));
  }
}

function resolveSpec(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return spec;
  const base = posix.join(posix.dirname(from), spec).replace(/\.js$/, '');
  for (const c of [base, `${base}.ts`, `${base}.svelte`, `${base}.svelte.ts`, `${base}/index.ts`]) {
    const abs = join(REPO_ROOT, c);
    if (existsSync(abs) && statSync(abs).isFile()) return c;
  }
  return null; // an asset (?raw, .css) or a path that does not exist: not part of the code graph
}

function isTypeOnly(typeKeyword: string | undefined, clause: string): boolean {
  if (typeKeyword) return true;
  const c = clause.trim();
  if (!/^\{[^}]*\}$/.test(c)) return false;
  const names = c.replace(/[{}]/g, '').split(',').map((n) => n.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

export function readImportGraph(root = 'src'): ImportGraph {
  const files: string[] = [];
  walk(join(REPO_ROOT, root), files);
  files.sort();
  const lines: Record<string, number> = {};
  const edges: ImportEdge[] = [];
  for (const f of files) {
    const text = readFileSync(join(REPO_ROOT, f), 'utf8');
    lines[f] = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const code = f.endsWith('.svelte') ? (text.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []).join('\n') : text;
    for (const m of code.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4] ?? m[5];
      const to = resolveSpec(f, spec);
      if (to === null) continue;
      const clause = (m[2] ?? '').trim();
      edges.push({ from: f, to, clause, typeOnly: m[4] === undefined && m[5] === undefined && isTypeOnly(m[1], clause) });
    }
  }
  return { files, lines, edges };
}

export const under = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

/** Import circles (strongly connected components of more than one file, or a file importing itself). */
export function importCircles(g: ImportGraph): string[][] {
  const next = new Map<string, string[]>(g.files.map((f) => [f, []]));
  for (const e of g.edges) if (next.has(e.to)) next.get(e.from)!.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1 || next.get(v)!.includes(v)) circles.push(c.sort());
    }
  };
  for (const f of g.files) if (!index.has(f)) visit(f);
  return circles;
}

/** Everything `entry` pulls in at run time (type-only imports are erased by the bundler, so they do not count). */
export function runtimeClosure(g: ImportGraph, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    for (const e of g.edges) {
      if (e.from !== f || e.typeOnly || seen.has(e.to)) continue;
      seen.add(e.to);
      if (e.to.startsWith('src/')) todo.push(e.to);
    }
  }
  return seen;
}

export const dirOf = (p: string): string => dirname(p).split('\\').join('/');
