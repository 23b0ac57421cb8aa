/**
 * Plain-language explanations of every method, metric and term the workbench shows, for people who do not read
 * the papers: what it shows, what "good" looks like, when it misleads. Used as tooltips and in the Guide; the
 * formulas and citations stay in the reports.
 */

export interface Plain {
  /** What it shows, in one or two sentences. */
  shows: string;
  /** What a good result looks like. */
  good: string;
  /** When it misleads. */
  misleads: string;
}

export const METHOD_PLAIN: Record<string, Plain> = {
  gradcam: {
    shows: 'Weighs each feature map of the chosen layer by how much nudging it would raise the class score, and adds them up: a coarse heat map of the regions that push the model towards the class.',
    good: 'One compact hot region on the object the label names.',
    misleads: 'Blocky at deep layers (it has the layer’s resolution), and can miss a second instance of the object.',
  },
  'gradcam++': {
    shows: 'Grad-CAM with weights that give every positive spot its share, so several objects of the class light up, not only the strongest one.',
    good: 'All instances of the object highlighted, little background.',
    misleads: 'Tends to spread over more of the image than Grad-CAM; broad maps look convincing but say less.',
  },
  xgradcam: {
    shows: 'Grad-CAM with weights scaled by how strongly each feature map fires, which makes the map follow the model’s arithmetic more exactly.',
    good: 'Much like Grad-CAM, slightly tighter on the object.',
    misleads: 'Same coarse resolution as Grad-CAM; near-identical maps do not confirm each other, they share a method.',
  },
  layercam: {
    shows: 'Weighs every position of every feature map by its own gradient instead of one weight per map, so it keeps finer detail and works at earlier layers too.',
    good: 'Sharp highlights on the object’s parts (edges, textures) at early layers, the whole object at late ones.',
    misleads: 'At early layers it highlights edges of everything, not only what decides the class.',
  },
  hirescam: {
    shows: 'Multiplies each feature map by its gradient position by position and sums them: the map is exactly what the layer adds to the class score.',
    good: 'A map that can be read as “these positions raised the score this much”.',
    misleads: 'Noisier than Grad-CAM; negative evidence is cut away, so what argued against the class is not shown.',
  },
  'auggradcam++': {
    shows: 'Grad-CAM++ averaged over slightly shifted and rotated copies of the image, which gives a smoother, higher-resolution map.',
    good: 'A smooth region that stays on the object.',
    misleads: 'Slower, and the smoothing can blur two nearby objects into one.',
  },
  scorecam: {
    shows: 'Shows the model the image masked by each feature map in turn and weighs the maps by how much each masked image alone raises the class probability. No gradients: it measures, it does not estimate.',
    good: 'A region that really keeps the model’s confidence when it is all the model sees.',
    misleads: 'One forward pass per channel, so it is slow; with many similar channels the map can come out flat.',
  },
  'scorecam++': {
    shows: 'Score-CAM with feature maps cleaned of weak activations and re-scaled before masking, giving tighter maps.',
    good: 'A tight region that keeps the model confident on its own.',
    misleads: 'As slow as Score-CAM, and it can drop a faint second object.',
  },
  random: {
    shows: 'A random map: a yardstick. Any method worth using scores clearly better than it.',
    good: 'It should lose every metric.',
    misleads: 'If it ties with a real method, the metric does not separate methods on these images.',
  },
};

export const METRIC_PLAIN: Record<string, Plain> = {
  average_drop_pct: {
    shows: 'How much of its confidence the model loses when it sees only what the map highlights (the image dimmed by the map), in percent of its confidence on the full image.',
    good: 'Low: 0 % means the highlighted part alone keeps all the confidence.',
    misleads: 'A map that highlights the whole image scores well without explaining anything.',
  },
  increase_in_confidence_pct: {
    shows: 'On how many images (in percent) the model is at least as confident with only the highlighted part as with the whole image.',
    good: 'High. On small or very confident models it is often 0 % for every method, and then it does not tell methods apart.',
    misleads: 'It only counts yes/no per image, so small differences vanish.',
  },
  win_pct: {
    shows: 'On how many images (in percent) this method’s highlighted part kept the model most confident of all methods.',
    good: 'High. The columns add up to 100 %; a tie goes to the method listed first.',
    misleads: 'Methods that give almost the same maps split or steal each other’s wins.',
  },
  logit_drop: {
    shows: 'How much the class score (the raw score before it becomes a probability) falls when the highlighted part is removed from the image.',
    good: 'High: removing the region hurts the model, so the region mattered.',
    misleads: 'Removing a region leaves a shape the model never saw in training, which can hurt the score by itself.',
  },
  deletion_auc: {
    shows: 'The model’s confidence as the most highlighted pixels are blanked out one slice at a time, summed up as the area under that curve.',
    good: 'Low: confidence collapses as soon as the highlighted pixels go.',
    misleads: 'Blanked pixels are unnatural; a model can react to the blanking rather than to the missing content.',
  },
  insertion_auc: {
    shows: 'The model’s confidence as the most highlighted pixels are put back into a blank image, as the area under that curve.',
    good: 'High: a few highlighted pixels are enough to bring the confidence back.',
    misleads: 'Same caveat as deletion: partly restored images are unlike real ones.',
  },
  pointing_game_pct: {
    shows: 'On how many images the map’s hottest point falls inside an expert’s annotated region.',
    good: 'High.',
    misleads: 'Only the single hottest point counts; the rest of the map is ignored.',
  },
  energy_pointing_game: {
    shows: 'What share of the map’s total heat lies inside the expert regions.',
    good: 'High: the heat is where the experts looked.',
    misleads: 'Large regions are easy to hit.',
  },
  rank_accuracy: {
    shows: 'Of the map’s hottest pixels (as many as the regions have), the share that lies inside the regions.',
    good: 'High.',
    misleads: 'Depends on how tightly the regions were drawn.',
  },
  iou: {
    shows: 'How well the map’s hot area, cut at a threshold, overlaps the expert regions.',
    good: 'High (1 = the same area).',
    misleads: 'Depends on the threshold chosen.',
  },
};

/** Terms shown without explanation elsewhere. */
export const TERMS = {
  flat: 'A flat map has the same value everywhere: the method found nothing to highlight on that image (often a sign the layer or class does not suit it). Flat maps are counted and left out of the averages.',
  seed: 'The seed fixes which images are drawn for the sample. The same seed gives the same images, so two runs can be compared or resumed.',
  logit: 'The logit is the model’s raw class score before it is turned into a probability. Probability is what the paper reports; logits show differences the probability squashes near 0 % and 100 %.',
  win: 'Win counts, per image, which method kept the model most confident. When two methods are equally good the one listed first takes the win, so near-identical methods look unequal here.',
  ms: 'How long this map took to compute on this computer, in milliseconds (ms) or seconds.',
  cached: 'This map was computed earlier (for this image, class, model and settings) and kept in the project, so it was not computed again.',
  drop: 'Per image, Average Drop is measured on one image only: the share of confidence lost when the model sees only what the map highlights (0–100 %, lower is better). Methods often differ by a few points; identical values mean their highlighted regions kept the same confidence.',
  weak: 'Each map is scaled to its own strongest spot, so a class the model hardly believes in still looks bright.',
} as const;

/** The Sanity screen (Adebayo et al. 2018): what the check asks, each mode in one sentence, and its three measures. */
export const SANITY_PLAIN = {
  check: {
    shows: 'Scrambles what the model learned (or asks about another class) and compares the new maps with the original ones. A map that does not change cannot be showing what the model learned.',
    good: 'The maps fall apart: the similarity drops well below 0.5 once the model is randomized.',
    misleads: 'A few images give a first impression only; a map that passes can still point at the wrong thing (faithfulness and expert regions check that).',
  },
  modes: {
    cascading: 'Randomizes the model layer by layer from the output down, keeping each randomized layer, until nothing it learned is left.',
    independent: 'Randomizes one layer at a time and puts the others back, to see which layers the maps depend on.',
    'random-class': 'Keeps the model but asks for the map of a random other class, to see whether the map is about the class at all.',
  },
  measures: {
    spearman: {
      shows: 'Whether the same places are ranked hottest in both maps (rank correlation): 1 = the same order, 0 = unrelated.',
      good: 'Near 1 at the original model, then well below 0.5 after randomization: the verdict uses this measure.',
      misleads: 'Small maps with many equal values give coarse ranks.',
    },
    ssim: {
      shows: 'How alike the two maps look, patch by patch (structural similarity): 1 = identical.',
      good: 'Falls with randomization, like Spearman.',
      misleads: 'Two flat-looking maps count as alike even if their few hot spots moved.',
    },
    pearson: {
      shows: 'Whether the two maps’ values rise and fall together (correlation): 1 = together, 0 = unrelated, −1 = opposite.',
      good: 'Falls towards 0 with randomization.',
      misleads: 'A single very hot spot can dominate it.',
    },
  } satisfies Record<string, Plain>,
} as const;

/** One tooltip line: what it shows, what good looks like, when it misleads. */
export function tooltip(p: Plain | undefined): string | undefined {
  return p ? `${p.shows}\nGood: ${p.good}\nMisleads when: ${p.misleads}` : undefined;
}
