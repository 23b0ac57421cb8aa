import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, loadWindowState, saveWindowState } from '../../../src/main/app/window-state';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-window-state-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const screens = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('round-trips through save and load', () => {
    const file = path.join(dir, 'nested', 'state.json');
    saveWindowState(file, { x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(file, screens)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['state.json']); // no temp file left behind
  });

  it('falls back to defaults for a missing, corrupt or unexpected file', () => {
    expect(loadWindowState(path.join(dir, 'missing.json'), screens)).toEqual(DEFAULT_WINDOW_STATE);
    const corrupt = path.join(dir, 'corrupt.json');
    fs.writeFileSync(corrupt, '{"width": 10');
    expect(loadWindowState(corrupt, screens)).toEqual(DEFAULT_WINDOW_STATE);
    const wrong = path.join(dir, 'wrong.json');
    fs.writeFileSync(wrong, JSON.stringify({ width: 'wide', height: 700, maximized: false }));
    expect(loadWindowState(wrong, screens)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('drops a position that is off every display and clamps the size', () => {
    const file = path.join(dir, 'offscreen.json');
    fs.writeFileSync(file, JSON.stringify({ x: 5000, y: 5000, width: 9000, height: 100, maximized: false }));
    expect(loadWindowState(file, screens)).toEqual({ width: 1920, height: 480, maximized: false });
  });
});
