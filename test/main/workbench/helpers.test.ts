// Pure helpers of the worker's session (src/main/workbench/session.ts).
import { describe, expect, it } from 'vitest';
import { fastFirst, frameTransform } from '../../../src/main/workbench/maps';
import { methodDescriptors } from '../../../src/main/workbench/model';
import { knownPrecision } from '../../../src/main/workbench/project';

describe('workbench session helpers', () => {
  it('orders gradient methods before score-based ones, keeping the order within each', () => {
    expect(fastFirst(['scorecam++', 'gradcam', 'scorecam', 'layercam', 'scorecam++_sigmoid'])).toEqual([
      'gradcam', 'layercam', 'scorecam++', 'scorecam', 'scorecam++_sigmoid',
    ]);
  });

  it('describes every registry method, score-based ones as slow', () => {
    const d = methodDescriptors();
    expect(d.map((m) => m.id)).toEqual(['gradcam', 'gradcam++', 'xgradcam', 'layercam', 'hirescam', 'auggradcam++', 'scorecam', 'scorecam++', 'random']);
    expect(d.filter((m) => m.speed === 'slow').map((m) => m.id)).toEqual(['scorecam', 'scorecam++']);
  });

  it("reads a project's precision back (model.precision meta), ignoring anything but fp32 and fp16", () => {
    expect(knownPrecision('fp16')).toBe('fp16');
    expect(knownPrecision('fp32')).toBe('fp32');
    expect(knownPrecision(null)).toBeNull();
    expect(knownPrecision('fp64')).toBeNull();
  });

  it('maps the model frame back into the original image (inverse of preprocess.ts)', () => {
    expect(frameTransform('stretch', { width: 56, height: 28 }, { width: 28, height: 28 })).toEqual({ scaleX: 0.5, scaleY: 1, offsetX: 0, offsetY: 0 });
    // torchvision Resize(224) + CenterCrop(224) of 320×240: resized to 298×224, 37 px cropped on the left.
    const t = frameTransform('shorter-side-crop', { width: 320, height: 240 }, { width: 224, height: 224 });
    expect(t).toEqual({ scaleX: 298 / 320, scaleY: 224 / 240, offsetX: 37, offsetY: 0 });
    const toOriginal = (x: number, y: number) => [(x + t.offsetX) / t.scaleX, (y + t.offsetY) / t.scaleY];
    expect(toOriginal(0, 0)[0]).toBeCloseTo(39.73, 2);
    expect(toOriginal(224, 224)[1]).toBeCloseTo(240, 6);
    // Portrait, and a non-square input size ("cover").
    expect(frameTransform('shorter-side-crop', { width: 200, height: 300 }, { width: 100, height: 100 })).toMatchObject({ offsetX: 0, offsetY: 25 });
    expect(frameTransform('shorter-side-crop', { width: 100, height: 100 }, { width: 50, height: 20 })).toMatchObject({ scaleX: 0.5, offsetY: 15 });
  });
});
