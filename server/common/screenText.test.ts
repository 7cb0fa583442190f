import { describe, expect, it } from 'vitest';
import { cursorLineText, screenText } from './screenText.ts';

describe('screenText', () => {
  it('reads the viewport rows, not the scrollback above them', () => {
    const all = ['old 1', 'old 2', 'root@node1:~# ls', 'a  b', ''];
    const buffer = { viewportY: 2, getLine: (y: number) => (y < all.length ? { translateToString: () => all[y]! } : undefined) };
    expect(screenText(buffer, 4)).toBe('root@node1:~# ls\na  b\n\n');
  });

  it('reads the text left of the cursor on its row, spaces kept', () => {
    const rows = ['old', 'root@node1:~# ls', 'a  b', 'root@node1:~# ech'];
    const getLine = (y: number) =>
      y < rows.length ? { translateToString: (_trim?: boolean, start = 0, end?: number) => rows[y]!.padEnd(20).slice(start, end) } : undefined;
    expect(cursorLineText({ baseY: 1, cursorY: 2, cursorX: 14, getLine })).toBe('root@node1:~# ');
    expect(cursorLineText({ baseY: 0, cursorY: 9, cursorX: 3, getLine })).toBe('');
  });
});
