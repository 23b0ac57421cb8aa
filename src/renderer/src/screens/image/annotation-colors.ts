/** A stable, distinct colour per annotation label (the same label is always drawn the same way). */
const PALETTE = ['#ff5a5f', '#2ec4b6', '#ffb703', '#8e7dff', '#3a86ff', '#fb5607', '#06d6a0', '#ff006e', '#8ac926', '#00b4d8'];

export function labelColor(label: string): string {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return PALETTE[Math.abs(h) % PALETTE.length];
}
