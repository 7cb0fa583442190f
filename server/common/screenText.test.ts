import { describe, expect, it } from 'vitest';
import { screenText } from './screenText.ts';

describe('screenText', () => {
  it('reads the viewport rows, not the scrollback above them', () => {
    const all = ['old 1', 'old 2', 'root@node1:~# ls', 'a  b', ''];
    const buffer = { viewportY: 2, getLine: (y: number) => (y < all.length ? { translateToString: () => all[y]! } : undefined) };
    expect(screenText(buffer, 4)).toBe('root@node1:~# ls\na  b\n\n');
  });
});
