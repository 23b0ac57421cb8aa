// The layout's rules (docs/architecture.md, "Rules"), held against every import under src/. A file's folder says
// which process runs it; these checks keep that true as the code grows.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCircles, readImportGraph, REPO_ROOT, runtimeClosure, under, type ImportEdge, type ImportGraph } from '../helpers/import-graph';

const g = readImportGraph();
const show = (edges: ImportEdge[]): string[] => edges.map((e) => `${e.from} -> ${e.to}${e.clause ? ` (${e.clause.replace(/\s+/g, ' ')})` : ''}`);
const NATIVE = ['onnxruntime-node', 'sharp', 'node-sqlite3-wasm'];
const MAX_LINES = 400;

describe('the layout of src/', () => {
  it('has the folders of the four processes', () => {
    for (const dir of ['app', 'handlers', 'engine-host', 'workbench', 'common', 'cli', 'web-bridge', 'engine']) {
      expect(g.files.some((f) => under(f, `src/main/${dir}`)), dir).toBe(true);
    }
    // Nothing lies loose in src/main: every file's folder names its role.
    expect(g.files.filter((f) => /^src\/main\/[^/]+\.ts$/.test(f))).toEqual([]);
  });

  it('the engine imports no electron and nothing outside src/main/engine', () => {
    const bad = g.edges.filter((e) => under(e.from, 'src/main/engine') && (e.to === 'electron' || (e.to.startsWith('src/') && !under(e.to, 'src/main/engine'))));
    expect(show(bad)).toEqual([]);
  });

  it('only src/main/app/ipc.ts imports ipcMain', () => {
    const importers = g.edges.filter((e) => e.to === 'electron' && /\bipcMain\b/.test(e.clause)).map((e) => e.from);
    expect([...new Set(importers)]).toEqual(['src/main/app/ipc.ts']);
  });

  it('electron is imported at run time only by app/, engine-host/utility.ts and the preload', () => {
    const allowed = (f: string): boolean => under(f, 'src/main/app') || under(f, 'src/preload') || f === 'src/main/engine-host/utility.ts';
    expect(show(g.edges.filter((e) => e.to === 'electron' && !e.typeOnly && !allowed(e.from)))).toEqual([]);
  });

  it('the renderer talks to main only through the contract in src/shared', () => {
    const bad = g.edges.filter((e) => under(e.from, 'src/renderer') && (e.to === 'electron' || (e.to.startsWith('src/') && !under(e.to, 'src/renderer') && !under(e.to, 'src/shared'))));
    expect(show(bad)).toEqual([]);
    const preload = g.edges.filter((e) => under(e.from, 'src/preload') && e.to.startsWith('src/') && !under(e.to, 'src/shared') && !under(e.to, 'src/preload'));
    expect(show(preload)).toEqual([]);
  });

  it('handlers/ sees the engine process only through workbench/ops.ts, as types', () => {
    const bad = g.edges.filter((e) => under(e.from, 'src/main/handlers') && (under(e.to, 'src/main/workbench') || under(e.to, 'src/main/engine')) && !(e.to === 'src/main/workbench/ops.ts' && e.typeOnly));
    expect(show(bad)).toEqual([]);
  });

  it('engine-host/ knows nothing of the domain', () => {
    const bad = g.edges.filter((e) => under(e.from, 'src/main/engine-host') && ['app', 'handlers', 'workbench', 'cli', 'web-bridge', 'engine'].some((d) => under(e.to, `src/main/${d}`)));
    expect(show(bad)).toEqual([]);
  });

  it('workbench/ never reaches into the main process, and uses engine-host/ only from its entry', () => {
    const bad = g.edges.filter(
      (e) => under(e.from, 'src/main/workbench') &&
        (['app', 'handlers', 'web-bridge', 'cli'].some((d) => under(e.to, `src/main/${d}`)) || (under(e.to, 'src/main/engine-host') && e.from !== 'src/main/workbench/worker.ts')),
    );
    expect(show(bad)).toEqual([]);
  });

  it('nothing outside app/ imports app/, and nothing imports web-bridge/', () => {
    const bad = g.edges.filter((e) => (under(e.to, 'src/main/app') && !under(e.from, 'src/main/app')) || (under(e.to, 'src/main/web-bridge') && !under(e.from, 'src/main/web-bridge')));
    expect(show(bad)).toEqual([]);
  });

  it('has no import circle anywhere (type-only imports count)', () => {
    expect(importCircles(g).map((c) => c.join(' <-> '))).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines in src/main outside the engine`, () => {
    const big = g.files.filter((f) => under(f, 'src/main') && !under(f, 'src/main/engine') && g.lines[f] > MAX_LINES);
    expect(big.map((f) => `${f}: ${g.lines[f]} lines`)).toEqual([]);
  });

  it('the main bundle pulls in no onnxruntime, sharp or SQLite, and no workbench code', () => {
    const pulled = [...runtimeClosure(g, 'src/main/app/index.ts')];
    expect(pulled.filter((p) => NATIVE.includes(p) || under(p, 'src/main/workbench'))).toEqual([]);
    // The contract shares the engine's plain lists (engine/types.ts imports nothing); no other engine file may come.
    expect(pulled.filter((p) => under(p, 'src/main/engine'))).toEqual(['src/main/engine/types.ts']);
    // The built bundle too, when this checkout has one (CI builds before the tests).
    const built = join(REPO_ROOT, 'out/main/index.js');
    if (existsSync(built)) {
      const code = readFileSync(built, 'utf8');
      for (const name of NATIVE) expect(code.includes(`"${name}"`) || code.includes(`'${name}'`), name).toBe(false);
    }
  });

  it('one Workbench: classes named Workbench… live only in the engine process', () => {
    const classes = g.files
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(REPO_ROOT, f), 'utf8').matchAll(/\bclass\s+(Workbench\w*)/g)].map((m) => `${f}: ${m[1]}`));
    expect(classes.filter((c) => !c.startsWith('src/main/workbench/'))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  // A made-up graph with one circle, one type-only edge and a runtime chain: the helpers must see each.
  const fake: ImportGraph = {
    files: ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts'],
    lines: {},
    edges: [
      { from: 'src/a.ts', to: 'src/b.ts', clause: '{ x }', typeOnly: false },
      { from: 'src/b.ts', to: 'src/a.ts', clause: '{ type Y }', typeOnly: true },
      { from: 'src/c.ts', to: 'src/d.ts', clause: '{ type Z }', typeOnly: true },
      { from: 'src/b.ts', to: 'sharp', clause: 'sharp', typeOnly: false },
    ],
  };
  it('finds a circle made of a value import and a type-only import', () => {
    expect(importCircles(fake)).toEqual([['src/a.ts', 'src/b.ts']]);
  });
  it('follows value imports only when collecting what a bundle pulls in', () => {
    expect([...runtimeClosure(fake, 'src/a.ts')].sort()).toEqual(['sharp', 'src/a.ts', 'src/b.ts']);
    expect([...runtimeClosure(fake, 'src/c.ts')]).toEqual(['src/c.ts']);
  });
  it('reads type-only clauses the way the bundler erases them', () => {
    const edges = readImportGraph('src/main/engine-host').edges;
    const wire = edges.find((e) => e.from === 'src/main/engine-host/runtime.ts' && e.to === 'src/main/engine-host/protocol.ts' && e.typeOnly);
    expect(wire).toBeDefined();
  });
});
