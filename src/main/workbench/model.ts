/**
 * The open model: loading it (which swaps it into the state; index.ts wires what that makes stale), how it is shown,
 * and the same model opened again at other target layers for the layer sweep.
 */
import type { MethodDescriptor, ModelPrecision, ModelState } from '../../shared/api';
import { CamscopeError } from '../engine/errors';
import { intensitySetting } from '../engine/image/intensity-setting';
import { METHODS } from '../engine/methods/registry';
import { Classifier } from '../engine/model/classifier';
import type { ClassNamesService } from './class-names';
import type { LoadArgs, WorkbenchState } from './state';

export function methodDescriptors(): MethodDescriptor[] {
  return METHODS.map((m) => ({
    id: m.id,
    displayName: m.displayName,
    paper: m.paper,
    needsGradients: m.needsGradients,
    // Score-based methods run one forward pass per channel; gradient methods and the random reference are instant.
    speed: m.needsGradients || m.reference ? 'fast' : 'slow',
  }));
}

export class ModelService {
  /**
   * The open model opened again at other target layers, for the layer sweep (each layer is an extra output of its
   * own inference session, so a layer needs its own classifier). Opened lazily, kept until the next model.
   */
  private readonly sweepModels = new Map<string, Classifier>();
  private sweepKey = '';

  constructor(
    private readonly state: WorkbenchState,
    private readonly names: Pick<ClassNamesService, 'namedInspection'>,
  ) {}

  async loadModel(args: LoadArgs): Promise<ModelState> {
    const next = await Classifier.load(args.path, { ep: args.provider, precision: args.precision, layer: args.layer, intensity: args.intensity ?? undefined });
    // Another layer of the same model keeps the sweep's sessions (they do not depend on the chosen layer).
    const sweepKey = `${next.inspection.fingerprint}|${args.provider}|${args.precision}`;
    const previous = this.state.classifier;
    try {
      // The `model` event drops predictions, passes and maps, re-reads the folder (its labels are mapped to the
      // model's class names) and the project's names for this model.
      this.state.setModel(next, args);
    } finally {
      // Even when re-reading the folder failed: the previous model's sessions are not left open.
      if (previous) await previous.release().catch(() => {});
      if (sweepKey !== this.sweepKey) await this.releaseSweepModels();
      this.sweepKey = sweepKey;
    }
    return this.modelState();
  }

  /**
   * The user's intensity mapping for DICOM and 16-bit images (null: the sidecar's, else camscope's default). The
   * `model` event drops the predictions, passes and maps made with the one before, so they are computed again.
   */
  async setIntensity(mapping: string | null): Promise<ModelState> {
    const c = this.state.requireModel();
    const args = this.state.model!.args;
    c.setIntensity(mapping);
    this.state.setModel(c, { ...args, intensity: mapping === null ? null : c.profile.intensity });
    // The sweep's copies decode the images too: they open again with the new mapping when next needed.
    await this.releaseSweepModels();
    return this.modelState();
  }

  modelState(): ModelState {
    const c = this.state.requireModel();
    return {
      inspection: this.names.namedInspection(c),
      layer: c.layer,
      provider: { requested: this.state.model!.args.provider, used: c.provider, fallbackReason: c.fallbackReason },
      precision: this.modelPrecision(),
      methods: methodDescriptors(),
      intensity: intensitySetting(c.profile),
    };
  }

  /** The scoring precision as it stands now: a requested fp16 falls back to fp32 when the scoring graph first opens. */
  modelPrecision(): ModelPrecision {
    const c = this.state.requireModel();
    return { requested: c.requestedPrecision, used: c.precision, fallbackReason: c.precisionFallbackReason };
  }

  async releaseSweepModels(): Promise<void> {
    const open = [...this.sweepModels.values()];
    this.sweepModels.clear();
    await Promise.all(open.map((c) => c.release().catch(() => {})));
  }

  /** The open model at another target layer (opened once per layer and kept; the open layer is the model itself). */
  async sweepModel(layer: string): Promise<Classifier> {
    const main = this.state.requireModel();
    if (layer === main.layer.name) return main;
    const key = layer;
    const known = this.sweepModels.get(key);
    if (known) return known;
    const args = this.state.model!.args;
    const c = await Classifier.load(args.path, { ep: args.provider, precision: args.precision, layer, intensity: main.profile.intensitySource === 'option' ? main.profile.intensity : undefined });
    // The open model may have been named after the folder's classes: the sweep's copy uses the same names.
    c.adoptClassNames(main.profile.classes);
    if (this.state.classifier !== main) {
      await c.release().catch(() => {});
      throw new CamscopeError('CANCELLED', 'The job was cancelled.');
    }
    this.sweepModels.set(key, c);
    return c;
  }
}
