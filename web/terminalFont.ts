/**
 * The terminals' font, and the line height that keeps every glyph inside its row.
 *
 * xterm.js sizes a row from the font's ascent + descent as the browser reports them
 * (TextMetrics.fontBoundingBoxAscent/Descent), which Chromium rounds to whole pixels one by one:
 * DejaVu Sans Mono at 14 px is 13.0 + 3.3 px, reported as 13 + 3, so rows are 16 px with the
 * baseline at 13. Its underscore is drawn 3 to 4 px below the baseline, i.e. in the 17th pixel
 * row: the DOM renderer clips each row (`overflow: hidden`) and `a_b` shows as `a b`; `g`, `y`
 * and `|` lose their last pixel too. The cure is a line height that gives each row the pixels its
 * glyphs really use, measured from the font's ink rather than guessed: both renderers centre the
 * glyph in a taller row, so the extra pixels go half above and half below.
 */

export const TERMINAL_FONT = 'ui-monospace, "DejaVu Sans Mono", "Cascadia Mono", Menlo, Consolas, monospace';

/** Glyphs that reach furthest below the baseline and above the ascent in monospace fonts. */
const INK_PROBE = '_|gjpqy()[]{}$@WÉ';

/** What the browser reports for a font (px): the rounded box xterm uses, and the glyphs' ink. */
export interface FontBox {
  /** TextMetrics.fontBoundingBoxAscent: xterm's row is ascent + descent tall. */
  ascent: number;
  descent: number;
  /** How far the probe glyphs' ink reaches above and below the baseline. */
  inkAscent: number;
  inkDescent: number;
}

/**
 * xterm's `lineHeight` option for a font box: 1 when the ink fits in ascent + descent, else the
 * factor that adds the missing pixels on both sides (the glyph stays centred, so the ink needs
 * them below and the row gets them above too). Rounded up a little so that xterm's
 * `Math.floor(charHeight * lineHeight)` lands on the intended whole pixel.
 */
export function lineHeightFor(box: FontBox): number {
  const height = box.ascent + box.descent;
  if (!(height > 0)) return 1;
  const over = Math.max(0, Math.ceil(box.inkDescent) - box.descent, Math.ceil(box.inkAscent) - box.ascent);
  if (over === 0) return 1;
  return Math.ceil(((height + 2 * over) / height) * 1000 + 1e-6) / 1000;
}

/** Measures `fontFamily` at `fontSize` px the way xterm does (a canvas, TextMetrics). */
export function measureFont(fontSize: number, fontFamily: string): FontBox | undefined {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return undefined;
  ctx.font = `${fontSize}px ${fontFamily}`;
  const box = ctx.measureText('W');
  const ink = ctx.measureText(INK_PROBE);
  return {
    ascent: box.fontBoundingBoxAscent,
    descent: box.fontBoundingBoxDescent,
    inkAscent: ink.actualBoundingBoxAscent,
    inkDescent: ink.actualBoundingBoxDescent,
  };
}

/** The `lineHeight` option for a terminal in `fontFamily` at `fontSize` px (1 if unmeasurable). */
export function terminalLineHeight(fontSize: number, fontFamily = TERMINAL_FONT): number {
  try {
    const box = measureFont(fontSize, fontFamily);
    return box ? lineHeightFor(box) : 1;
  } catch {
    return 1;
  }
}
