/**
 * Intensity mappings and windows in plain words, and the image view's level/width drag: how a drag moves the window
 * and how the image looks meanwhile (a preview drawn from the shown 8-bit pixels until the engine sends the exact
 * ones).
 */
import type { ImageSource } from '../../../shared/api';

export type Window = { center: number; width: number };

/** An intensity mapping's string form (e.g. "window:40,400") in words. */
export function describeMapping(mapping: string, windows: ImageSource['windows'] = []): string {
  const [kind, rest = ''] = mapping.split(':');
  const n = rest.split(',');
  switch (kind) {
    case 'dicom-window': {
      const named = windows[Number(n[0]) - 1]?.explanation;
      const which = n[0] === '1' && !named ? "the file's own window" : `the file's window ${n[0]}`;
      return named ? `${which} (${named})` : which;
    }
    case 'window':
      return `window centre ${n[0]}, width ${n[1]}`;
    case 'percentile':
      return `each image's ${n[0]}th to ${n[1]}th percentile`;
    case 'range':
      return rest === 'image' ? "each image's minimum to maximum" : 'the full range of the bit depth';
    case 'raw':
      return `pixels × ${n[0]} + ${n[1]}`;
    default:
      return mapping;
  }
}

/** A window's numbers as radiology viewers show them ("C 40 / W 400"), rounded to what the bit depth resolves. */
export function windowNumbers(w: Window): string {
  return `C ${tidy(w.center)} / W ${tidy(w.width)}`;
}

function tidy(x: number): string {
  return Math.abs(x) >= 100 ? String(Math.round(x)) : String(Math.round(x * 100) / 100);
}

/** The image's modality, stored size, bit depth and frame, e.g. "CT · 512 × 512 · 12-bit signed · frame 3 of 7". */
export function sourceLine(s: ImageSource): string {
  const parts = [s.modality ?? (s.kind === 'image16' ? '16-bit image' : 'DICOM'), `${s.width} × ${s.height}`];
  if (s.kind === 'dicom') parts.push(`${s.bitsStored}-bit ${s.signed ? 'signed' : 'unsigned'}`);
  if (s.frames > 1) parts.push(`frame ${s.frame} of ${s.frames}`);
  if (s.inverted) parts.push('MONOCHROME1 (shown inverted)');
  return parts.join(' · ');
}

/** Pixels of drag per e-fold of width, and per width of level: a 300-pixel drag about triples the width or moves the level by one width. */
const WIDTH_PIXELS = 270;
const LEVEL_PIXELS = 300;

/**
 * The window after a drag of (dx, dy) screen pixels from `start`: right widens (less contrast), down raises the
 * level (darker), as in radiology viewers. Scaled by the width, so the same drag suits Hounsfield units and
 * 16-bit counts; the level stays inside the bit depth's values, the width between 1 and their span.
 */
export function draggedWindow(start: Window, dx: number, dy: number, range: [number, number]): Window {
  const span = Math.max(1, range[1] - range[0]);
  const width = Math.min(span, Math.max(1, start.width * Math.exp(dx / WIDTH_PIXELS)));
  const center = Math.min(range[1], Math.max(range[0], start.center + (dy / LEVEL_PIXELS) * start.width));
  // Whole units where the values are integers of a wide range (CT, 16-bit); finer for narrow ranges.
  const step = span >= 256 ? 1 : span / 1000;
  const snap = (x: number): number => Math.round(x / step) * step;
  return { center: snap(center), width: Math.max(1, snap(width)) };
}

/** The mapping's string form for a window chosen by dragging. */
export function windowMapping(w: Window): string {
  return `window:${w.center},${w.width}`;
}

/**
 * The shown 8-bit pixels re-windowed from `from` to `to` (both linear, modality units): each byte stands for a value
 * of `from`, which `to` maps again. Values `from` clipped stay clipped, so this is a preview only.
 */
export function rewindowPixels(pixels: Uint8Array, from: Window, to: Window, inverted: boolean): Uint8Array {
  const table = new Uint8Array(256);
  const lo = to.center - to.width / 2;
  for (let b = 0; b < 256; b++) {
    const shown = inverted ? 255 - b : b;
    const value = from.center - from.width / 2 + (shown / 255) * from.width;
    const y = Math.round(Math.min(1, Math.max(0, (value - lo) / to.width)) * 255);
    table[b] = inverted ? 255 - y : y;
  }
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]];
  return out;
}
