import { describe, expect, it } from 'vitest';
import { lineHeightFor } from './terminalFont.ts';

/** What headless Debian chromium reports for DejaVu Sans Mono (fontBoundingBox, and the ink of
 * `_|gjpqy()[]{}$@WÉ`), px. */
const DEJAVU = {
  14: { ascent: 13, descent: 3, inkAscent: 13, inkDescent: 4 },
  15: { ascent: 14, descent: 4, inkAscent: 15, inkDescent: 4 },
  16: { ascent: 15, descent: 4, inkAscent: 15, inkDescent: 4 },
};

/** xterm's row height for a char height and lineHeight (device pixels, dpr 1). */
const row = (charHeight: number, lineHeight: number) => Math.floor(charHeight * lineHeight);

describe('lineHeightFor', () => {
  it('adds a pixel above and below when the underscore falls below the rounded descent (14 px)', () => {
    const lh = lineHeightFor(DEJAVU[14]);
    expect(row(16, lh)).toBe(18);
    // The glyph is centred: baseline at 1 + 13, the underscore's last pixel row (4 below) fits.
    expect(1 + 13 + 4).toBeLessThanOrEqual(row(16, lh));
  });

  it('also makes room when ink rises above the ascent (É at 15 px)', () => {
    expect(row(18, lineHeightFor(DEJAVU[15]))).toBe(20);
  });

  it('leaves a font whose ink fits alone', () => {
    expect(lineHeightFor(DEJAVU[16])).toBe(1);
  });

  it('lands on whole pixels at other device pixel ratios, and survives nonsense', () => {
    const lh = lineHeightFor({ ascent: 12, descent: 3, inkAscent: 12, inkDescent: 4 });
    expect(row(15, lh)).toBe(17);
    expect(row(30, lh)).toBe(34);
    expect(lineHeightFor({ ascent: 0, descent: 0, inkAscent: 0, inkDescent: 0 })).toBe(1);
    expect(lineHeightFor({ ascent: Number.NaN, descent: 3, inkAscent: 1, inkDescent: 1 })).toBe(1);
  });
});
