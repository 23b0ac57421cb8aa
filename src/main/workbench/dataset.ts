/**
 * The open image folder: reading it (labels matched to the open model's classes), its listing, and its thumbnails
 * (cached in memory until another folder opens).
 */
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { DatasetListing, Thumbnail } from '../../shared/api';
import { errorMessage } from '../engine/errors';
import { loadDataset, type Dataset } from '../engine/evaluate/dataset';
import { profileMapping } from '../engine/image/intensity-setting';
import { makeThumbnail } from '../engine/image/thumbnail';
import type { ClassNamesService } from './class-names';
import { LruCache } from './lru';
import type { WorkbenchState } from './state';

const THUMBNAIL_CACHE_BYTES = 256 * 1024 * 1024;
const LABEL_FILES = ['labels.csv', 'labels.CSV', 'Labels.csv'];

export function findLabelsCsv(root: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return undefined;
  }
  const found = LABEL_FILES.find((n) => names.includes(n));
  return found ? join(root, found) : undefined;
}

export class DatasetService {
  private readonly thumbnails = new LruCache<string, Thumbnail>(THUMBNAIL_CACHE_BYTES, (t) => t.bytes.byteLength + 64);

  constructor(
    private readonly state: WorkbenchState,
    private readonly names: Pick<ClassNamesService, 'names' | 'namedInspection'>,
  ) {}

  private readDataset(root: string): Dataset {
    const classifier = this.state.classifier;
    const classes = classifier?.profile.classes ?? [];
    const dataset = loadDataset(resolve(root), classes, findLabelsCsv(root));
    // A model without class names takes the folder's (sorted folder or label names, as torchvision numbers them).
    if (dataset.classNames && classifier?.adoptClassNames(dataset.classNames)) this.state.emit('classes');
    return dataset;
  }

  /** Reads the open folder again, its labels mapped to the open model's classes (after a model change). */
  reread(): void {
    const open = this.state.dataset;
    if (open) this.state.rereadDataset(this.readDataset(open.root));
  }

  openDataset(root: string): DatasetListing {
    const dataset = this.readDataset(root);
    if (this.state.dataset?.root !== dataset.root) {
      this.thumbnails.clear();
    }
    // The `dataset` event drops the predictions, passes and maps of the folder open before.
    this.state.setDataset(dataset);
    return this.listing();
  }

  listing(): DatasetListing {
    const d = this.state.requireDataset();
    const classifier = this.state.classifier;
    return {
      root: d.root,
      name: basename(d.root),
      layout: d.layout,
      labels: d.labels,
      labelMapping: d.labelMapping,
      classes: classifier ? { names: this.names.names(), source: this.names.namedInspection(classifier).classesSource } : null,
      items: d.items.map((i) => ({ file: i.file, label: i.label, labelName: i.labelName })),
    };
  }

  async thumbnailsFor(indices: number[]): Promise<Thumbnail[]> {
    const d = this.state.requireDataset();
    return Promise.all(
      indices.map(async (index): Promise<Thumbnail> => {
        const item = d.items[index];
        if (!item) return { index, bytes: new Uint8Array(0), mime: 'image/png', error: 'No such image.' };
        // DICOM and 16-bit images are shown as the model sees them: through the open model's intensity mapping.
        const mapping = this.state.classifier ? profileMapping(this.state.classifier.profile) : undefined;
        const key = `${item.path}|${this.state.classifier?.profile.intensity ?? 'default'}`;
        const cached = this.thumbnails.get(key);
        if (cached) return { ...cached, index };
        try {
          const t = await makeThumbnail(item.path, undefined, undefined, mapping ? { mapping } : {});
          const intensity = t.source ? { modality: t.source.modality, mapping: t.source.mapping, window: t.source.window, windows: t.source.windows } : null;
          const thumb: Thumbnail = { index, bytes: t.bytes, mime: t.mime, ...(intensity ? { intensity } : {}) };
          this.thumbnails.set(key, thumb);
          return thumb;
        } catch (e) {
          return { index, bytes: new Uint8Array(0), mime: 'image/png', error: errorMessage(e) };
        }
      }),
    );
  }
}
