/**
 * Class names the user gave in the app's Classes editor, kept in the project file (meta key `classes:<fingerprint>`),
 * so another model opened in the same project keeps its own names and the user's model folder is never written.
 *
 * Precedence: the project's names (the user's explicit choice) > the model's sidecar > an ImageFolder's folder names
 * or the labels file's names (when their count equals the model's outputs) > `class N`. The last three are the
 * classifier's own names (engine/model/classifier.ts); the project's names are a layer on top of them, applied where
 * names are shown or written (predictions, listings, evaluation settings, reports, figures). True labels are still
 * matched against the model's own names, so renaming a class never changes which images count as right.
 */
import { CamscopeError } from '../engine/errors';
import type { Classifier } from '../engine/model/classifier';
import type { EvaluationSettings } from '../engine/evaluate/types';
import { ProjectDb } from '../engine/evaluate/project-db';
import { MAX_CLASS_NAME_LENGTH, type ClassNameSource, type ClassNames } from '../../shared/api';
import type { WorkbenchState } from './state';

/** The part of the project database the names need (ProjectDb's meta table). */
export interface MetaStore {
  getMeta(key: string): string | null;
  setMeta(key: string, value: string | null): void;
}

// C0 and C1 control characters (tabs and line breaks included): a name is one line of plain text.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function classNamesKey(fingerprint: string): string {
  return `classes:${fingerprint}`;
}

/**
 * The names as they will be saved (trimmed), or an INVALID_ARGUMENT error with one plain sentence: the count must
 * equal the model's classes, and every name must be non-empty, short, one line, and different from the others.
 */
export function checkClassNames(names: readonly unknown[], count: number): string[] {
  const bad = (message: string): never => {
    throw new CamscopeError('INVALID_ARGUMENT', message);
  };
  if (names.length !== count) bad(`The model has ${count} classes, but ${names.length} names were given; give one name per class.`);
  const out = names.map((raw, i) => {
    if (typeof raw !== 'string') return bad(`The name of class ${i} must be text.`);
    const name = raw.trim();
    if (!name) bad(`The name of class ${i} is empty; every class needs a name.`);
    if (name.length > MAX_CLASS_NAME_LENGTH) bad(`The name of class ${i} is longer than ${MAX_CLASS_NAME_LENGTH} characters; shorten it.`);
    if (CONTROL.test(name)) bad(`The name of class ${i} contains a line break, tab or other control character; use plain text on one line.`);
    return name;
  });
  const seen = new Map<string, number>();
  out.forEach((name, i) => {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) bad(`Classes ${first} and ${i} are both called "${name}"; give each class its own name.`);
    seen.set(name.toLowerCase(), i);
  });
  return out;
}

/** The project's names for this model, or null when it has none (or they no longer fit the model: then they are ignored). */
export function readClassNames(db: Pick<MetaStore, 'getMeta'>, fingerprint: string, count: number): string[] | null {
  const text = db.getMeta(classNamesKey(fingerprint));
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? checkClassNames(parsed, count) : null;
  } catch {
    return null;
  }
}

/** Saves the names for this model into the project (null removes them: the model's own names apply again). */
export function saveClassNames(db: MetaStore, fingerprint: string, names: string[] | null): void {
  db.setMeta(classNamesKey(fingerprint), names === null ? null : JSON.stringify(names));
}

/** Where the classifier's own names came from, in the words the Classes editor shows. */
export function modelNameSource(source: Classifier['inspection']['classesSource'], layout: 'imagefolder' | 'csv' | null): ClassNameSource {
  if (source === 'dataset') return layout === 'csv' ? 'labels' : 'folders';
  return source === 'sidecar' || source === 'project' ? source : 'default';
}

/** A prediction or target named by `names` (its index is unchanged). */
export function named<T extends { classIndex: number; className: string }>(p: T, names: readonly string[]): T {
  const name = names[p.classIndex];
  return name === undefined || name === p.className ? p : { ...p, className: name };
}

/** An evaluation's settings with the project's names for its model (both where the report lists them). */
export function namedSettings(settings: EvaluationSettings, names: readonly string[] | null): EvaluationSettings {
  if (!names || names.length !== settings.model.classes.length) return settings;
  return {
    ...settings,
    model: { ...settings.model, classes: [...names] },
    preprocessing: { ...settings.preprocessing, classes: [...names] },
  };
}

/**
 * The CLI's `evaluate --project FILE`: after the run (its labels matched against the model's own names), the
 * reports and the figure use the names saved in that project for this model. Changes `result.settings` and the
 * classifier's names in place; returns the names used, or null when the project has none.
 */
export function useProjectClassNames(classifier: Classifier, result: { settings: EvaluationSettings }, projectPath: string): string[] | null {
  let names: string[] | null;
  const db = new ProjectDb(projectPath);
  try {
    names = readClassNames(db, classifier.inspection.fingerprint, classifier.profile.classes.length);
  } finally {
    db.close();
  }
  if (!names) return null;
  result.settings = namedSettings(result.settings, names);
  classifier.inspection.profile = { ...classifier.inspection.profile, classes: [...names] };
  classifier.inspection.classesSource = 'project';
  return names;
}

/** The project's class names for the open model (the Classes editor), read again when the model or project changes. */
export class ClassNamesService {
  private savedNames: { fingerprint: string; names: string[] } | null = null;

  constructor(private readonly state: WorkbenchState) {}

  /** Re-reads the project's names for the open model (after a model or project change, or a save). */
  reload(): void {
    const c = this.state.classifier;
    this.savedNames = null;
    if (!c || !this.state.projectPath) return;
    try {
      const names = this.state.withDb((db) => readClassNames(db, c.inspection.fingerprint, c.profile.classes.length));
      if (names) this.savedNames = { fingerprint: c.inspection.fingerprint, names };
    } catch {
      // A project that cannot be read now: the model's own names apply.
    }
  }

  savedFor(c: Classifier): string[] | null {
    const s = this.savedNames;
    return s && s.fingerprint === c.inspection.fingerprint && s.names.length === c.profile.classes.length ? s.names : null;
  }

  /** The names shown and written now: the project's for this model, else the model's own. */
  names(): string[] {
    const c = this.state.requireModel();
    return this.savedFor(c) ?? c.profile.classes;
  }

  /** The inspection as the app shows it (the classifier keeps the model's own names: labels are matched to those). */
  namedInspection(c: Classifier): Classifier['inspection'] {
    const saved = this.savedFor(c);
    return saved ? { ...c.inspection, classesSource: 'project', profile: { ...c.inspection.profile, classes: [...saved] } } : c.inspection;
  }

  classNames(): ClassNames {
    const c = this.state.requireModel();
    const saved = this.savedFor(c);
    return {
      names: [...(saved ?? c.profile.classes)],
      modelNames: [...c.profile.classes],
      modelSource: modelNameSource(c.inspection.classesSource, this.state.dataset?.layout ?? null),
      saved: saved !== null,
    };
  }

  /** Saves the user's names for the open model into the open project (null: back to the model's own names). */
  setClassNames(names: string[] | null): ClassNames {
    const c = this.state.requireModel();
    this.state.requireProject();
    const checked = names === null ? null : checkClassNames(names, c.profile.classes.length);
    // Names equal to the model's own are not stored, so the model's names (sidecar, folders) keep applying.
    const keep = checked && checked.some((n, i) => n !== c.profile.classes[i]) ? checked : null;
    this.state.withDb((db) => saveClassNames(db, c.inspection.fingerprint, keep));
    this.reload();
    return this.classNames();
  }
}
