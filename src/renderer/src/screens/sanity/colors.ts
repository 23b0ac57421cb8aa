/** One colour per method on the Sanity screen, readable on light and dark backgrounds; the random reference is grey. */
const PALETTE = ['#3b6fe0', '#e0662b', '#2f9e5b', '#c93b7a', '#8a5cf0', '#1a9bb0', '#b8860b', '#d94848'];

export function colorOf(method: string, index: number): string {
  return method === 'random' ? '#8c96a3' : PALETTE[index % PALETTE.length];
}
