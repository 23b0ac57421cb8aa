/** Annotations on images (and their COCO export), and expert regions: importing them, and how maps agree with them. */
import path from 'node:path';
import type { HandlerDeps, Handlers } from './deps';
import type { EngineClient } from './engine-client';
import type { WrittenFiles } from './exports';

export function annotationHandlers(
  deps: HandlerDeps,
  client: EngineClient,
  written: WrittenFiles,
): Pick<
  Handlers,
  'annotations:list' | 'annotations:add' | 'annotations:update' | 'annotations:delete' | 'annotations:exportCoco' | 'regions:import' | 'regions:agreement'
> {
  return {
    'annotations:list': ({ image }) => client.call('listAnnotations', image === undefined ? {} : { image }),
    'annotations:add': (a) => client.call('addAnnotation', a),
    'annotations:update': (patch) => client.call('updateAnnotation', patch),
    'annotations:delete': ({ id }) => client.call('deleteAnnotation', { id }),
    'annotations:exportCoco': async () => {
      const chosen = await deps.dialogs.saveCoco('annotations.coco.json');
      if (!chosen) return null;
      const coco = await client.call('exportCoco', { dest: path.resolve(chosen) });
      written.noteFile(coco.path);
      return coco;
    },
    'regions:import': async ({ from }) => {
      // The path comes from main's own dialog; the renderer only says which kind of dialog to show.
      const chosen = await deps.dialogs.openRegions(from);
      if (!chosen) return null;
      return client.call('importRegions', { path: path.resolve(chosen) });
    },
    'regions:agreement': (args) => client.call('regionAgreement', args),
  };
}
