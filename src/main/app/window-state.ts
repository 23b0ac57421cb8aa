/**
 * Remembered window bounds: a small JSON file in userData, read at start and written when the window closes.
 * Pure Node (no 'electron' import): the caller passes the displays' work areas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { boolean, check, number, object, optional } from '../../shared/validate';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1200, height: 800, maximized: false };
export const MIN_WINDOW_SIZE = { width: 720, height: 480 } as const;

const coord = number({ integer: true, min: -100_000, max: 100_000 });
const size = number({ integer: true, min: 1, max: 100_000 });
const stateValidator = object({
  x: optional(coord),
  y: optional(coord),
  width: size,
  height: size,
  maximized: boolean(),
});

function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Reads the saved state. Anything unreadable falls back to defaults; a position that would leave the title bar off
 * every display is dropped (the window is then centred); the size is clamped to the largest display.
 */
export function loadWindowState(file: string, workAreas: Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
  const checked = check(stateValidator, raw);
  if (!checked.ok) return { ...DEFAULT_WINDOW_STATE };
  const s = checked.value;
  const maxW = Math.max(MIN_WINDOW_SIZE.width, ...workAreas.map((a) => a.width));
  const maxH = Math.max(MIN_WINDOW_SIZE.height, ...workAreas.map((a) => a.height));
  const state: WindowState = {
    width: Math.min(Math.max(s.width, MIN_WINDOW_SIZE.width), maxW),
    height: Math.min(Math.max(s.height, MIN_WINDOW_SIZE.height), maxH),
    maximized: s.maximized,
  };
  if (s.x !== undefined && s.y !== undefined) {
    // The top strip (title bar) must be on some display, or the user cannot grab the window.
    const titleBar: Rect = { x: s.x, y: s.y, width: state.width, height: 32 };
    if (workAreas.some((a) => intersects(titleBar, a))) {
      state.x = s.x;
      state.y = s.y;
    }
  }
  return state;
}

/** Writes the state atomically (temp file + rename); failures are logged, never thrown. */
export function saveWindowState(file: string, state: WindowState): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n');
    fs.renameSync(tmp, file);
  } catch (e) {
    console.warn('[window-state] could not save window bounds', e);
  }
}
