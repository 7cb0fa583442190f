import headless from '@xterm/headless';
import serializePkg from '@xterm/addon-serialize';
import { describe, expect, it } from 'vitest';
import { MIRROR_SCROLLBACK_LINES, ScreenMirror, plainCut } from './screenMirror.ts';

/** What an xterm that parses every byte shows: the mirror must restore exactly this. */
async function reference(chunks: string[], cols: number, rows: number): Promise<string> {
  const term = new headless.Terminal({ cols, rows, scrollback: MIRROR_SCROLLBACK_LINES, allowProposedApi: true });
  const ser = new serializePkg.SerializeAddon();
  term.loadAddon(ser as never);
  for (const c of chunks) term.write(c);
  await new Promise<void>((r) => term.write('', r));
  const out = ser.serialize({ scrollback: MIRROR_SCROLLBACK_LINES });
  term.dispose();
  return out;
}

async function mirrored(chunks: string[], cols: number, rows: number): Promise<{ snapshot: string; dropped: number }> {
  const m = new ScreenMirror(cols, rows);
  for (const c of chunks) m.write(c);
  await new Promise<void>((r) => m.whenParsed(r));
  const out = { snapshot: m.snapshot(), dropped: m.dropped };
  m.dispose();
  return out;
}

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');

describe('plainCut', () => {
  it('drops plain lines that scroll out, keeping the first line and the last keepLines', () => {
    const text = 'first\r\n' + lines(10, (i) => `l${i}\r\n`);
    const cut = plainCut(text, 3)!;
    expect(text.slice(0, cut.from)).toBe('first\r\n');
    // keepLines line feeds follow the range.
    expect(text.slice(cut.to)).toBe('l7\r\nl8\r\nl9\r\n');
    expect(text.slice(cut.from, cut.to)).toBe(lines(7, (i) => `l${i}\r\n`));
  });

  it('drops nothing before an escape, a BEL or another control, nor around a bare line feed', () => {
    expect(plainCut('a\r\n\x1b[31m' + lines(50, () => 'x\r\n'), 3)).toBeUndefined();
    expect(plainCut('a\r\n' + lines(50, () => 'x\r\n').replace('x', '\x07'), 60)).toBeUndefined();
    expect(plainCut('a\n' + lines(50, () => 'x\r\n'), 3)).toBeUndefined();
    expect(plainCut('a\r\nb', 3)).toBeUndefined();
  });
});

describe('ScreenMirror', () => {
  const cases: [string, string[]][] = [
    ['a `yes` flood', Array.from({ length: 40 }, () => 'y\r\n'.repeat(2000))],
    ['a flood of long lines that wrap', Array.from({ length: 10 }, () => ('a'.repeat(300) + '\r\n').repeat(400))],
    ['a coloured prompt, then a flood, then a prompt', ['\x1b[1;32mroot@node1\x1b[0m:~# ', 'yes\r\n', 'y\r\n'.repeat(30_000), '^C\r\n\x1b[1;32mroot@node1\x1b[0m:~# ']],
    ['colour set before the flood and kept through it', ['\x1b[31m', 'red\r\n'.repeat(5_000), '\x1b[0mplain']],
    ['an escape sequence split across writes', ['ab\x1b[3', '1mred\r\n' + 'r\r\n'.repeat(5_000)]],
    ['bare line feeds', ['abc', '\n'.repeat(3_000), 'x\ny\n'.repeat(2_000)]],
    ['the alternate screen during a flood', ['top\r\n'.repeat(100), '\x1b[?1049h', 'alt\r\n'.repeat(3_000), '\x1b[?1049l', 'back']],
  ];
  for (const [name, chunks] of cases) {
    it(`restores the same screen and scrollback as parsing every byte: ${name}`, async () => {
      const want = await reference(chunks, 80, 24);
      const got = await mirrored(chunks, 80, 24);
      expect(got.snapshot).toBe(want);
    });
  }

  it('parses a flood without parsing all of it', async () => {
    const got = await mirrored(Array.from({ length: 40 }, () => 'y\r\n'.repeat(2000)), 80, 24);
    expect(got.dropped).toBeGreaterThan(200_000);
  });

  it('a snapshot taken right after a write shows that write', async () => {
    const m = new ScreenMirror(80, 24);
    m.write('hello\r\nworld');
    expect(m.backlog).toBe(12);
    await new Promise<void>((r) => m.whenParsed(r));
    expect(m.backlog).toBe(0);
    expect(m.text().split('\n').slice(0, 2)).toEqual(['hello', 'world']);
    m.dispose();
  });
});
