/**
 * `camscope` command line: a scripting contract over the engine. `runCli` takes its arguments and output streams,
 * so tests drive it in-process; main.ts is the executable entry. This file only dispatches: each command lives in a
 * module of its own (explain, evaluate, merge, cluster, sanity, compare), and what they share in ./common.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoImagesDir, demoModelPath, EXECUTION_PROVIDERS, inspectModel, isCamscopeError, METHOD_IDS } from '../engine';
import { COLORMAPS } from '../engine/image/colormap';
import { VERSION } from '../engine/version';
import { setProjectHolderCommand } from '../engine/evaluate/project-lock';
import { EXIT, UsageError, type CliIo } from './common';
import { EXPLAIN_OPTIONS, explainArgs, explainCommand } from './explain';
import { EVALUATE_OPTIONS, evaluateArgs, evaluateCommand } from './evaluate';
import { mergeCommand } from './merge';
import { clusterCommand } from './cluster';
import { SANITY_USAGE, sanityCommand } from './sanity';
import { COMPARE_USAGE, compareCommand } from './compare';
import { REGIONS_EXPORT_USAGE, regionsExportCommand } from './regions-export';

const USAGE = `camscope ${VERSION} — explain what an ONNX image classifier looks at

Usage:
  camscope inspect --model M.onnx
  camscope explain --model M.onnx [--layer NAME|auto] [--methods ${METHOD_IDS.join(',')}|all]
                   [--class predicted|N|NAME [--versus N|NAME]] [--ep ${EXECUTION_PROVIDERS.join('|')}] [--precision fp32|fp16] [--batch N]
                   [--colormap ${COLORMAPS.join('|')}] [--alpha 0.5] [--top-k 5] [--preview-every N]
                   [--intensity MAPPING] --out DIR IMAGE_OR_DIR...
  camscope evaluate --model M.onnx --dataset DIR [--labels CSV] [--sample N --seed S] [--methods ...] [--no-reference]
                   [--score prob|logit] [--steps 10] [--figure 4] [--project FILE] [--ep ...] [--precision ...]
                   [--batch N] [--shard I/N] [--regions PATH [--regions-threshold 0.2]] [--region-class all|target]
                   [--pointing-tolerance 15] [--iou-threshold 0.5] [--road] [--intensity MAPPING] --out DIR
  camscope merge --out DIR [--figure 4] [--model M.onnx] [--ep ...] PROJECT...
  camscope slurm --model M.onnx --dataset DIR [evaluate options] --shards N [--gpus-per-task 1]
                   [--cpus-per-task C] [--mem M] [--time T] [--partition P] [--account A] [--sbatch=OPT]
                   [--camscope CMD] --out DIR
  camscope k8s --model M.onnx --dataset DIR [evaluate options] --shards N --image IMG --pvc CLAIM --mount PATH
                   [--gpus-per-task 1] [--namespace NS] [--parallelism P] [--camscope CMD] --out DIR
${SANITY_USAGE}
${COMPARE_USAGE}
${REGIONS_EXPORT_USAGE}
  camscope demo [--out DIR] [--methods ...] [--ep ...]
  camscope --version | --help

evaluate writes DIR/report.{csv,json,html,pdf} and DIR/figure.{png,svg}. Its methods (default: the six paper
methods) always get the random map as a reference line (never in Win %, never marked best) unless --no-reference.
Per-image results go to the project database (default DIR/project.camscope) as they are computed, and an
interrupted run resumes where it stopped.
--road adds ROAD (noisy linear imputation, MoRF and LeRF at 10-90 %): 18 more model passes per image and method.
--shard I/N evaluates image positions p ≡ I (mod N) of the run's seeded sample into the project; merge checks
that its PROJECTs hold all N shards of one run and writes the reports an unsharded run would. slurm writes an
sbatch array script, a merge job and submit.sh into DIR; k8s writes an Indexed Job, a merge Job and submit-k8s.sh.
compare runs two models on the same images and writes DIR/compare.{json,html,pdf}: accuracy per model, prediction
agreement, the A × B cross-table, and per image and method how far apart the two maps of model A's predicted class
are (classes matched by name; maps compared on the original image, at most 512 px on its longer side). Per-image
results go to the project (default DIR/project.camscope), so an interrupted run resumes.
regions export writes expert regions (--from: any format evaluate --regions reads) or each map's outline at a
threshold (--results: an explain output), in original-image pixels, as QuPath GeoJSON, CVAT XML or COCO JSON;
--overlays DIR also writes each map as an RGBA PNG at the image's original size.
explain --class A --versus B explains "why A, not B": the score of A minus the score of B (see the README).
explain writes DIR/<stem>/<method>.png (16-bit grayscale map, value/65535, in the model's input frame),
DIR/<stem>/<method>-overlay.png, DIR/<stem>/input.png and DIR/results.json (rewritten every few seconds and at
the end; valid JSON at every moment, so a killed run leaves the images finished up to its last rewrite).
--preview-every N also writes Score-CAM/ScoreCAM++'s estimate after every N masked passes (k = 0 before any) as
DIR/<stem>/<method>.preview-<k>.png, listed under the method in results.json as previews: [{passes, ms, map}].
--intensity MAPPING says how DICOM and 16-bit PNG/TIFF images become the 8-bit pixels the model sees: dicom-window[:N]
(the file's N-th window), window:CENTER,WIDTH, percentile:LOW,HIGH, range:bit-depth, range:image or raw:SCALE,OFFSET.
It overrides the model settings file's "intensity"; without either, DICOM files use their own first window and
16-bit images their bit depth's range. Folders are searched for DICOM files by content; a multi-frame file's frames
are explained one by one as FILE#N (output stem FILE_frameN). results.json records the mapping and its source.
Approximate methods (not the papers' methods): <id>@topk=N, <id>@noscore for scorecam and scorecam++[_ablation].
Exit status: 0 all images explained, 1 some images failed (the others are still written), 2 bad usage or model,
130 cancelled.
`;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? EXIT.fatal : EXIT.ok;
      case '--version':
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT.ok;
      case 'inspect': {
        const { values } = parseArgs({ args: rest, options: { model: { type: 'string' } }, strict: true });
        if (!values.model) throw new UsageError('--model is required.');
        io.stdout.write(`${JSON.stringify(await inspectModel(values.model), null, 2)}\n`);
        return EXIT.ok;
      }
      case 'explain': {
        const { values, positionals } = parseArgs({ args: rest, options: EXPLAIN_OPTIONS, allowPositionals: true, strict: true });
        return await explainCommand(explainArgs(values, positionals, {}), io);
      }
      case 'evaluate': {
        const { values } = parseArgs({ args: rest, options: EVALUATE_OPTIONS, allowPositionals: false, strict: true });
        setProjectHolderCommand('camscope evaluate');
        return await evaluateCommand(evaluateArgs(values), io);
      }
      case 'sanity':
        return await sanityCommand(rest, io);
      case 'compare':
        setProjectHolderCommand('camscope compare');
        return await compareCommand(rest, io);
      case 'regions':
        if (rest[0] !== 'export') throw new UsageError('regions has one subcommand: "camscope regions export" (regions are read by evaluate --regions and the app).');
        return await regionsExportCommand(rest.slice(1), io);
      case 'merge':
        return await mergeCommand(rest, io);
      case 'slurm':
      case 'k8s':
        return await clusterCommand(command, rest, io);
      case 'demo': {
        const { values, positionals } = parseArgs({ args: rest, options: EXPLAIN_OPTIONS, allowPositionals: true, strict: true });
        if (values.model) throw new UsageError('demo uses the embedded model; use "camscope explain --model" for your own.');
        const args = explainArgs(values, positionals, {
          model: demoModelPath(),
          out: 'camscope-demo',
          inputs: [demoImagesDir()],
          methods: 'scorecam++,scorecam',
        });
        io.stdout.write(`camscope demo: explaining ${args.inputs.join(', ')} with the embedded Fashion-MNIST model\n`);
        const code = await explainCommand(args, io);
        io.stdout.write(`Open ${resolve(args.out)} to see the maps (<image>/<method>-overlay.png) and results.json.\n`);
        return code;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Commands: inspect, explain, evaluate, sanity, compare, regions export, merge, slurm, k8s, demo.`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`camscope: ${e.message}\nRun "camscope --help" for usage.\n`);
      return EXIT.fatal;
    }
    if (isCamscopeError(e)) {
      io.stderr.write(`camscope: error: ${e.message}\n`);
      return e.code === 'CANCELLED' ? EXIT.cancelled : EXIT.fatal;
    }
    io.stderr.write(`camscope: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.fatal;
  }
}
