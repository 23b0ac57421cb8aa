/** Command-line options shared by `evaluate` and the cluster job generators (a module of its own: both import it). */
export const RUN_OPTIONS = {
  model: { type: 'string' },
  dataset: { type: 'string' },
  labels: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  methods: { type: 'string' },
  // evaluate adds the `random` reference to the methods; --no-reference leaves it out.
  'no-reference': { type: 'boolean' },
  score: { type: 'string' },
  steps: { type: 'string' },
  figure: { type: 'string' },
  ep: { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  layer: { type: 'string' },
  colormap: { type: 'string' },
  out: { type: 'string' },
} as const;
