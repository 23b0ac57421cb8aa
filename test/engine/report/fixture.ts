/**
 * A realistic ReportInput built by hand: 3 methods × 4 images (a file name with a comma and quotes, one with HTML
 * in it, one with non-ASCII letters), one failed image, the logit variant with one Y ≤ 0 image left out of
 * Average Drop, and a 2-row figure from tiny generated 28×28 images (one greyscale, one RGB).
 */
import type { EvaluationSettings, ImageRecord, MethodResult, MetricTable } from '../../../src/main/engine/evaluate/types';
import { overlayHeatmap, type ColormapName } from '../../../src/main/engine/image/colormap';
import type { FigureRow, ReportInput } from '../../../src/main/engine/report';

export const METHOD_IDS = ['gradcam', 'gradcam++', 'scorecam++'];
export const METHOD_NAMES: Record<string, string> = { gradcam: 'Grad-CAM', 'gradcam++': 'Grad-CAM++', 'scorecam++': 'ScoreCAM++' };

export const COMMA_FILE = 'n03000684/chain saw, "big" one.png';
export const SCRIPT_FILE = 'n03417042/<script>alert(1)</script>.png';
export const UNICODE_FILE = 'n03888605/ünïcode – parachute.JPEG';
export const FAILED_FILE = 'n03394916/broken & truncated.JPEG';
/** A class name with markup characters (shown in the settings' class list). */
export const NASTY_CLASS = 'gas <pump> & "co"';

const CLASSES = [
  'tench', 'English springer', 'cassette player', 'chain saw', 'church', 'French horn', 'garbage truck',
  NASTY_CLASS, 'golf ball', 'parachute',
];

export function settings(overrides: Partial<EvaluationSettings> = {}): EvaluationSettings {
  return {
    camscope: '0.1.0',
    created: '2025-05-01T14:03:22.512Z',
    model: {
      path: '/home/ana/models/resnet50-imagenette.onnx',
      fingerprint: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      classes: CLASSES,
    },
    layer: { name: '/layer4/layer4.2/relu_2/Relu_output_0', shape: [1, 2048, 7, 7] },
    preprocessing: {
      classes: CLASSES,
      inputSize: [224, 224],
      channels: 3,
      resize: 'shorter-side-crop',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      layer: 'auto',
      scale: 1,
      layout: 'nchw',
      inputType: 'float32',
      scores: 'softmax',
      threshold: 0.5,
    },
    dataset: { root: '/data/imagenette2-320/val', labels: null, layout: 'imagefolder', total: 3925 },
    sample: { size: 5, seed: 42 },
    methods: METHOD_IDS,
    score: 'logit',
    provider: { requested: 'cuda', used: 'cpu' },
    precision: 'fp32',
    curveSteps: 16,
    ...overrides,
  };
}

function result(O_prob: number, O_logit: number, removedLogit: number, del: number | null, ins: number | null, flat = false): MethodResult {
  return {
    O_prob, O_logit, removedLogit, deletionAuc: del, insertionAuc: ins, flat,
    mapSha: (Math.abs(Math.round(O_logit * 1e6)) % 0xffffffff).toString(16).padStart(16, '0'),
    timeMs: 12.5,
  };
}

export function records(): ImageRecord[] {
  return [
    {
      file: 'n01440764/ILSVRC2012_val_00000293.JPEG', label: 0, predicted: 0, target: 0, Y_prob: 0.9312, Y_logit: 12.41,
      methods: {
        gradcam: result(0.8811, 10.2, 6.75, 0.1523, 0.6211),
        'gradcam++': result(0.9023, 11.37, 5.9, 0.1702, 0.6498),
        'scorecam++': result(0.9544, 12.93, 8.1, 0.1207, 0.7012),
      },
    },
    {
      file: COMMA_FILE, label: 3, predicted: 3, target: 3, Y_prob: 0.30000000000000004, Y_logit: 4.000000000000001,
      methods: {
        gradcam: result(0.1, 1e-7, -0.25, 0.2111, 0.5012, true),
        'gradcam++': result(0.2234, 3.1, 1.2, 0.2001, 0.5533),
        'scorecam++': result(0.3512, 4.7, 2.05, 0.1899, 0.6001),
      },
    },
    {
      // Wrongly classified, and its target logit is negative: left out of Average Drop under the logit variant.
      file: SCRIPT_FILE, label: 6, predicted: 7, target: 7, Y_prob: 0.0812, Y_logit: -0.35,
      methods: {
        gradcam: result(0.0551, -1.2, -2.5, 0.0512, 0.0931),
        'gradcam++': result(0.0702, -0.81, -2.1, 0.0498, 0.1011),
        'scorecam++': result(0.0913, -0.12, -3.33, null, null),
      },
    },
    {
      file: UNICODE_FILE, label: 9, predicted: 9, target: 9, Y_prob: 0.7765, Y_logit: 7.125,
      methods: {
        gradcam: result(0.6012, 5.5, 2.5, 0.2577, 0.5121),
        'gradcam++': result(0.7123, 6.2, 3.3, 0.2434, 0.5987),
        'scorecam++': result(0.8001, 7.9, 4.4, 0.2011, 0.6543),
      },
    },
  ];
}

/** Hand-made table; the best cells are known: AD → scorecam++, IC → scorecam++, insertion → tie at 4 decimals. */
export function table(): MetricTable {
  return {
    score: 'logit',
    methods: METHOD_IDS,
    images: 4,
    rows: {
      gradcam: {
        average_drop_pct: 21.537, increase_in_confidence_pct: 25, win_pct: 0, logit_drop: 3.1416,
        deletion_auc: 0.1823, insertion_auc: 0.6012, images: 3, excluded_nonpositive_Y: 1, flat_maps: 1,
      },
      'gradcam++': {
        average_drop_pct: 18.2449, increase_in_confidence_pct: 25, win_pct: 33.333333333333336, logit_drop: 2.7183,
        deletion_auc: 0.2011, insertion_auc: 0.6544, images: 3, excluded_nonpositive_Y: 1, flat_maps: 0,
      },
      'scorecam++': {
        average_drop_pct: 12.004, increase_in_confidence_pct: 50, win_pct: 66.66666666666667, logit_drop: 4.4721,
        deletion_auc: 0.1705, insertion_auc: 0.65441, images: 3, excluded_nonpositive_Y: 1, flat_maps: 0,
      },
    },
  };
}

const SIZE = 28;

/** A soft blob centred at (cx, cy) in [0,1]. */
function blob(cx: number, cy: number, sigma: number): Float32Array {
  const m = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dx = (x - cx * SIZE) / SIZE;
      const dy = (y - cy * SIZE) / SIZE;
      m[y * SIZE + x] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
    }
  }
  return m;
}

/** A digit-like greyscale image: a bright ring on black. */
function greyImage(): Uint8Array {
  const px = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const r = Math.hypot(x - 13.5, y - 13.5);
      px[y * SIZE + x] = r > 6 && r < 10 ? 240 : 0;
    }
  }
  return px;
}

/** An RGB image: a sky-to-grass gradient with a red square. */
function rgbImage(): Uint8Array {
  const px = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = (y * SIZE + x) * 3;
      const inSquare = x >= 9 && x < 19 && y >= 8 && y < 18;
      const sky = y < 16;
      px[o] = inSquare ? 210 : sky ? 120 : 60;
      px[o + 1] = inSquare ? 40 : sky ? 170 : 140;
      px[o + 2] = inSquare ? 40 : sky ? 230 : 50;
    }
  }
  return px;
}

/** The figure rows; the overlays are drawn with `colormap` (jet by default), as the app and CLI do. */
export function figure(colormap: ColormapName = 'jet'): FigureRow[] {
  const grey = greyImage();
  const rgb = rgbImage();
  const centres: Record<string, [number, number, number]> = {
    gradcam: [0.35, 0.4, 0.25], 'gradcam++': [0.5, 0.5, 0.2], 'scorecam++': [0.5, 0.45, 0.15],
  };
  const overlays = (img: Uint8Array, shift: number): Record<string, Uint8Array> =>
    Object.fromEntries(
      METHOD_IDS.map((id) => {
        const [cx, cy, s] = centres[id];
        return [id, overlayHeatmap(img, blob(cx + shift, cy, s), SIZE, SIZE, colormap, 0.5)];
      }),
    );
  return [
    {
      file: 'n01440764/ILSVRC2012_val_00000293.JPEG', caption: 'n01440764/ILSVRC2012_val_00000293.JPEG — tench → tench (p=0.93)',
      width: SIZE, height: SIZE, original: grey, overlays: overlays(grey, 0), colormap,
    },
    {
      file: SCRIPT_FILE, caption: `${SCRIPT_FILE} — garbage truck → ${NASTY_CLASS} (p=0.08)`,
      width: SIZE, height: SIZE, original: rgb, overlays: overlays(rgb, 0.05), colormap,
    },
  ];
}

export function reportInput(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    settings: settings(),
    table: table(),
    accuracy: { correct: 3, labelled: 4 },
    failed: [{ file: FAILED_FILE, message: 'The file is not an image camscope can read (truncated JPEG).' }],
    records: records(),
    elapsedSeconds: 3725.4,
    methodNames: METHOD_NAMES,
    figure: figure(),
    ...overrides,
  };
}
