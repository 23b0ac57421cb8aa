import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

/** Runtime dependencies that must never be bundled (native addons, protobuf runtime). */
const external = ['onnxruntime-node', 'sharp', 'onnx-proto', 'node-sqlite3-wasm', 'pdfkit'];

/**
 * In dev, Vite injects CSS as <style> elements, which the production CSP (style-src 'self') forbids.
 * Relax style-src for the dev server only; the built index.html keeps the strict policy.
 */
function devCspPlugin(): Plugin {
  return {
    name: 'camscope:dev-csp',
    apply: 'serve',
    transformIndexHtml(html) {
      return html.replace("style-src 'self';", "style-src 'self' 'unsafe-inline';");
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: { include: external },
      rolldownOptions: {
        input: {
          index: resolve(root, 'src/main/app/index.ts'),
          'engine-worker': resolve(root, 'src/main/workbench/worker.ts'),
          // The headless CLI shares the engine; built beside the app so installs without tsx can run it.
          cli: resolve(root, 'src/main/cli/main.ts'),
        },
        output: {
          entryFileNames: '[name].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src/preload/index.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: { index: resolve(root, 'src/renderer/index.html') },
      },
    },
    plugins: [svelte(), devCspPlugin()],
  },
});
