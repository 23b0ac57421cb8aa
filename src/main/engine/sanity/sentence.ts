/** The sanity check's verdict in plain words, shared by the app's screen, the CLI and the figure. */
import type { SanityMode } from './run';

/** The verdict in plain words for people who do not read the paper; `passed` null means there was nothing to compare. */
export function verdictSentence(name: string, mode: SanityMode, passed: boolean | null, blankAt: string | null = null): string {
  // Blank maps have no similarity to compare, yet they changed as much as a map can.
  if (passed === true && blankAt !== null && mode !== 'random-class') {
    return `${name}'s maps went blank once ${blankAt} was randomized: they depend on the learned weights.`;
  }
  if (passed === null) return `No verdict for ${name}: its maps were flat or missing, so there was nothing to compare.`;
  if (mode === 'cascading') {
    return passed
      ? `${name}'s maps change when the model's weights are randomized: they depend on what the model learned.`
      : `Warning: ${name}'s maps stay much the same when the model's weights are randomized, so they may show the image itself (edges, bright areas) rather than what the model learned.`;
  }
  if (mode === 'independent') {
    return passed
      ? `${name}'s maps change when single parts of the model are randomized: they depend on what those parts learned.`
      : `Warning: ${name}'s maps stay much the same when most single parts of the model are randomized, so they depend on little of what the model learned.`;
  }
  return passed
    ? `${name}'s maps change when it is asked about another class: they show evidence for the class asked about.`
    : `Warning: ${name}'s maps stay much the same for a random other class, so they show where the model looks, not what speaks for the class.`;
}
