/** What the PDF standard fonts (Helvetica, WinAnsi) can draw, shared by report.pdf and compare.pdf. */

/** Code points beyond Latin-1 that WinAnsi (and so the standard fonts) can show. */
const WIN_ANSI_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018,
  0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e, 0x0178,
]);

const REPLACEMENTS: Record<string, string> = {
  '≤': '<=', '≥': '>=', '→': '->', '←': '<-', '−': '-', '▲': '^', '▼': 'v', '≠': '!=', '≈': '~',
  '\u00a0': ' ', '\u2009': ' ', '\u202f': ' ', '\t': ' ',
};

/** Maps a string onto what Helvetica (WinAnsi) can draw: known look-alikes, accents stripped, else '?'. */
export function toWinAnsi(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp)) {
      out += ch;
    } else if (REPLACEMENTS[ch] !== undefined) {
      out += REPLACEMENTS[ch];
    } else if (cp === 0x0a) {
      out += '\n';
    } else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += base.length > 0 && /^[\x20-\x7e]+$/.test(base) ? base : '?';
    }
  }
  return out;
}
