/**
 * The image screen's jobs: one image's maps, streamed as they arrive (score-based ones as sharpening previews), their
 * per-image faithfulness, and Grad-CAM of the image at each of the model's last layers (the layer sweep).
 */
import type { ExplainSummary, ExplainTarget, FaithfulnessRow, LayerSweep } from '../../shared/api';
import { decodeJson, encodeJson, faithfulnessKey } from '../engine/cache/results';
import { CamscopeError, errorMessage, throwIfCancelled } from '../engine/errors';
import { contentId, scoreExplanation } from '../engine/evaluate/run';
import { checkClassChoice, explainImages, type ImageExplanation, type MethodOutcome } from '../engine/explain';
import { createMethod } from '../engine/methods/registry';
import { classScore } from '../engine/model/scores';
import { named, type ClassNamesService } from './class-names';
import { mapClass, type MapClass } from './map-class';
import { fastFirst, type ImagePass, type MapService } from './maps';
import type { ModelService } from './model';
import type { ExplainPartial, JobContext, JobProgressBody } from './ops';
import { faithfulnessRow, type ResultCache } from './result-cache';
import type { WorkbenchState } from './state';

/** `versus`: explain "classIndex, not versus" (a contrast); null or absent: the class alone. */
type ImageArgs = { image: number; classIndex: number | null; versus?: number | null; methods: string[] };

export class ExplanationService {
  constructor(
    private readonly state: WorkbenchState,
    private readonly cache: Pick<ResultCache, 'fromCache' | 'storeInCache'>,
    private readonly maps: Pick<MapService, 'pass' | 'frame' | 'mapFor'>,
    private readonly names: Pick<ClassNamesService, 'names'>,
    private readonly model: Pick<ModelService, 'modelPrecision' | 'sweepModel'>,
  ) {}

  async explain(args: ImageArgs, ctx: JobContext): Promise<ExplainSummary> {
    for (const id of args.methods) createMethod(id); // unknown ids fail before any work
    const pass = await this.maps.pass(args.image, args.classIndex, ctx.signal);
    const { choice, target } = this.contrast(pass, args.versus);
    const image: ExplainPartial = {
      kind: 'image',
      frame: this.maps.frame(args.image, pass.image),
      predictions: pass.predictions.map((p) => named(p, this.names.names())),
      target,
    };
    ctx.partial(image);
    const summary: ExplainSummary = { image: args.image, target: image.target, methods: [], precision: this.model.modelPrecision() };
    const order = fastFirst(args.methods);
    for (const [i, id] of order.entries()) {
      throwIfCancelled(ctx.signal);
      try {
        let total = 0;
        const { outcome, cached } = await this.maps.mapFor(args.image, choice, id, ctx.signal, (done, all) => {
          total = all;
          const p: JobProgressBody = { stage: 'explain', method: id, done, total: all, message: `${i + 1} of ${order.length}` };
          ctx.partial(p);
        }, (frame) => {
          // Score-based maps sharpen while they run: each estimate is shown as a preview until the exact map arrives.
          const [h, w] = this.state.requireModel().profile.inputSize;
          const preview: ExplainPartial = {
            kind: 'map', method: id, map: frame.map, width: w, height: h, flat: false, timeMs: frame.ms,
            preview: { passes: frame.passes, total: Math.max(total, frame.passes) },
          };
          ctx.partial(preview);
        });
        const map: ExplainPartial = {
          kind: 'map',
          method: id,
          map: outcome.result.map,
          width: outcome.result.width,
          height: outcome.result.height,
          flat: outcome.result.flat,
          timeMs: outcome.timeMs,
          // A map from memory or the project took no time now: the card says "cached", not "0 ms".
          ...(cached ? { cached: true } : {}),
        };
        ctx.partial(map);
        summary.methods.push({ id, ok: true });
      } catch (e) {
        if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        summary.methods.push({ id, ok: false, error: errorMessage(e) });
      }
    }
    summary.precision = this.model.modelPrecision();
    return summary;
  }

  async faithfulness(args: ImageArgs, ctx: JobContext): Promise<FaithfulnessRow[]> {
    const classifier = this.state.requireModel();
    const pass = await this.maps.pass(args.image, args.classIndex, ctx.signal);
    const { choice } = this.contrast(pass, args.versus);
    const content = contentId(this.state.item(args.image).path);
    const versus = args.versus ?? undefined;
    const keyOf = (id: string): string => faithfulnessKey(classifier, content ?? '', pass.target.classIndex, id, versus);
    // Per-image values the project already holds (from this view or an evaluation) are not computed again.
    const known = content
      ? this.cache.fromCache((get) => args.methods.map((id) => get(keyOf(id))).map((b) => (b ? decodeJson<FaithfulnessRow>(b) : null)), [] as (FaithfulnessRow | null)[])
      : [];
    if (known.length === args.methods.length && known.every(Boolean)) return known as FaithfulnessRow[];
    const maps: MethodOutcome[] = [];
    const order = fastFirst(args.methods);
    for (const [i, id] of order.entries()) {
      const p: JobProgressBody = { stage: 'faithfulness', method: id, done: i, total: order.length };
      ctx.partial(p);
      maps.push((await this.maps.mapFor(args.image, choice, id, ctx.signal)).outcome);
    }
    throwIfCancelled(ctx.signal);
    const r: Extract<ImageExplanation, { ok: true }> = {
      ok: true,
      file: this.state.item(args.image).path,
      image: pass.image,
      predictions: pass.predictions,
      logits: pass.logits,
      target: pass.target,
      maps,
    };
    const scored = await scoreExplanation(classifier, r, 0, classifier.suggestedBatchSize());
    const rows = args.methods.map((id) => faithfulnessRow(id, pass.target.probability, scored[id]));
    if (content) this.cache.storeInCache(rows.map((row) => ({ key: keyOf(row.method), kind: 'faithfulness', bytes: encodeJson(row) })));
    return rows;
  }

  /**
   * What the maps explain: the pass's class, or "that class, not versus" with both probabilities on the image. A
   * versus equal to the explained class (e.g. the predicted one) fails here, before any map, in one sentence.
   */
  private contrast(pass: ImagePass, versus: number | null | undefined): { choice: MapClass; target: ExplainTarget } {
    const classifier = this.state.requireModel();
    const names = this.names.names();
    const choice = mapClass(pass.target.classIndex, versus);
    checkClassChoice(choice, classifier.numClasses);
    const target: ExplainTarget = { classIndex: pass.target.classIndex, className: names[pass.target.classIndex], probability: pass.target.probability };
    if (typeof choice === 'object') {
      const probability = classScore(pass.logits, 0, classifier.numClasses, choice.versus, 'prob', classifier.scores);
      target.versus = { classIndex: choice.versus, className: names[choice.versus], probability };
    }
    return { choice, target };
  }

  /**
   * Grad-CAM (a gradient method: milliseconds per map) of one image at each of the model's last `count` candidate
   * layers, all explaining the same class, so the user picks a layer by seeing its map. Limited to the last layers
   * because every other layer costs one more opened session (kept for the next sweep of any image).
   */
  async sweepLayers(args: { image: number; classIndex: number | null; count: number }, ctx: JobContext): Promise<LayerSweep> {
    const main = this.state.requireModel();
    const pass = await this.maps.pass(args.image, args.classIndex, ctx.signal);
    const item = this.state.item(args.image);
    const layers = main.inspection.candidateLayers.slice(-Math.max(1, args.count));
    const sweep: LayerSweep = {
      image: args.image,
      frame: this.maps.frame(args.image, pass.image),
      target: { classIndex: pass.target.classIndex, className: this.names.names()[pass.target.classIndex], probability: pass.target.probability },
      layers: [],
    };
    for (const [i, layer] of layers.entries()) {
      throwIfCancelled(ctx.signal);
      const p: JobProgressBody = { stage: 'sweep', done: i, total: layers.length, message: layer.name };
      ctx.partial(p);
      try {
        const classifier = await this.model.sweepModel(layer.name);
        let result: ImageExplanation | undefined;
        for await (const r of explainImages(classifier, [item.path], {
          methods: [createMethod('gradcam')],
          classChoice: pass.target.classIndex,
          topK: 1,
          signal: ctx.signal,
        })) {
          result = r;
        }
        if (!result || !result.ok) throw new CamscopeError('INVALID_IMAGE', result && !result.ok ? result.error.message : `Nothing could be read from ${item.file}.`);
        const skipped = result.methodErrors?.find((m) => m.method === 'gradcam');
        if (skipped) throw new CamscopeError('UNSUPPORTED_MODEL', skipped.message);
        const outcome = result.maps.find((m) => m.method === 'gradcam');
        if (!outcome) throw new CamscopeError('UNSUPPORTED_MODEL', `Grad-CAM produced no map for ${item.file} at this layer.`);
        const { map, width, height, flat } = outcome.result;
        sweep.layers.push({ layer: layer.name, map, width, height, flat, timeMs: outcome.timeMs, error: null });
      } catch (e) {
        if (e instanceof CamscopeError && e.code === 'CANCELLED') throw e;
        sweep.layers.push({ layer: layer.name, map: null, width: 0, height: 0, flat: false, timeMs: 0, error: errorMessage(e) });
      }
    }
    const done: JobProgressBody = { stage: 'sweep', done: layers.length, total: layers.length };
    ctx.partial(done);
    return sweep;
  }
}
