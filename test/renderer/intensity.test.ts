// The image view's window words and level/width drag, checked by hand: the drag's scale, its clamps, and the
// preview's re-windowing of shown bytes (linear, clipped, MONOCHROME1 inverted).
import { describe, expect, it } from 'vitest';
import type { ImageSource } from '../../src/shared/api';
import { describeMapping, draggedWindow, rewindowPixels, sourceLine, windowMapping, windowNumbers } from '../../src/renderer/src/lib/intensity';

const CT: [number, number] = [-3072, 1023];

describe('draggedWindow', () => {
  it('no movement keeps the window', () => {
    expect(draggedWindow({ center: 40, width: 400 }, 0, 0, CT)).toEqual({ center: 40, width: 400 });
  });

  it('270 pixels right multiply the width by e; 300 pixels down raise the level by one width', () => {
    expect(draggedWindow({ center: 40, width: 400 }, 270, 0, CT)).toEqual({ center: 40, width: Math.round(400 * Math.E) });
    expect(draggedWindow({ center: 40, width: 400 }, -270, 300, CT)).toEqual({ center: 440, width: Math.round(400 / Math.E) });
    expect(draggedWindow({ center: 40, width: 400 }, 0, -150, CT)).toEqual({ center: -160, width: 400 });
  });

  it('stays within the bit depth: the level inside its values, the width from 1 to their span', () => {
    expect(draggedWindow({ center: 40, width: 400 }, 0, 10_000, CT).center).toBe(1023);
    expect(draggedWindow({ center: 40, width: 400 }, 10_000, 0, CT).width).toBe(4095);
    expect(draggedWindow({ center: 40, width: 2 }, -10_000, 0, CT).width).toBe(1);
  });

  it('snaps to whole units on wide ranges and to a thousandth of the span on narrow ones, never under the width of 1 a window needs', () => {
    expect(draggedWindow({ center: 0.5, width: 0.5 }, 27, 0, [0, 1])).toEqual({ center: 0.5, width: 1 });
    const w = draggedWindow({ center: 0.3, width: 0.2 }, 27, 0, [0, 2]);
    // 0.2·e^0.1 = 0.22103 → below 1, so the width's floor of 1 applies
    expect(w.width).toBe(1);
    expect(draggedWindow({ center: 0.3, width: 0.2 }, 0, 30, [0, 2]).center).toBeCloseTo(0.32, 10);
  });
});

describe('rewindowPixels', () => {
  // Shown bytes b stand for values b when from = 0…255 (centre 127.5, width 255).
  const identity = { center: 127.5, width: 255 };
  const bytes = Uint8Array.from([0, 50, 100, 127, 200, 255]);

  it('the same window gives the same bytes', () => {
    expect(Array.from(rewindowPixels(bytes, identity, identity, false))).toEqual(Array.from(bytes));
  });

  it('half the width around the lower half doubles and clips: y = round(clamp(v / 127.5) · 255)', () => {
    expect(Array.from(rewindowPixels(bytes, identity, { center: 63.75, width: 127.5 }, false))).toEqual([0, 100, 200, 254, 255, 255]);
  });

  it('MONOCHROME1: the shown byte is inverted back to its value, re-windowed, and inverted again', () => {
    // shown 255 − v; v = 255 − b; new y(v) as above; shown 255 − y
    const out = rewindowPixels(Uint8Array.from([255, 205, 155]), identity, { center: 63.75, width: 127.5 }, true);
    expect(Array.from(out)).toEqual([255, 155, 55]);
  });
});

describe('words', () => {
  it('names the file window by its explanation and the numbers as viewers show them', () => {
    const windows = [{ center: 40, width: 400, function: 'LINEAR', explanation: 'SOFT TISSUE' }, { center: -600, width: 1500, function: 'LINEAR', explanation: 'LUNG' }];
    expect(describeMapping('dicom-window:2', windows)).toBe("the file's window 2 (LUNG)");
    expect(describeMapping('dicom-window:1')).toBe("the file's own window");
    expect(describeMapping('window:-600,1500')).toBe('window centre -600, width 1500');
    expect(windowNumbers({ center: -600, width: 1500 })).toBe('C -600 / W 1500');
    expect(windowNumbers({ center: 0.125, width: 0.5 })).toBe('C 0.13 / W 0.5');
    expect(windowMapping({ center: -600, width: 1500 })).toBe('window:-600,1500');
  });

  it('says modality, size, bit depth, frame and inversion, and nothing else', () => {
    const s: ImageSource = {
      kind: 'dicom', modality: 'CT', width: 512, height: 400, bitsStored: 12, signed: true, frame: 3, frames: 7,
      mapping: 'dicom-window:1', window: { center: 40, width: 400 }, windows: [], valueRange: CT, inverted: false,
    };
    expect(sourceLine(s)).toBe('CT · 512 × 400 · 12-bit signed · frame 3 of 7');
    expect(sourceLine({ ...s, kind: 'image16', modality: null, frames: 1, inverted: false })).toBe('16-bit image · 512 × 400');
    expect(sourceLine({ ...s, frames: 1, inverted: true, signed: false, bitsStored: 10, modality: 'CR' })).toBe('CR · 512 × 400 · 10-bit unsigned · MONOCHROME1 (shown inverted)');
  });
});
