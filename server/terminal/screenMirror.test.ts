import headless from '@xterm/headless';
import serializePkg from '@xterm/addon-serialize';
import { describe, expect, it } from 'vitest';
import { MIRROR_SCROLLBACK_LINES, ScreenMirror } from './screenMirror.ts';
import { ChunkText, compactChunks, compactText, lineCuts, plainCut, runCuts, runKeepChars, trailingRun } from './scrollCuts.ts';

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
  it('cuts text that starts with the line feed of a split CR LF', () => {
    const text = '\n' + Array.from({ length: 50 }, (_, i) => `${i}\r\n`).join('');
    const cut = plainCut(text, 10);
    expect(cut).toBeDefined();
    expect(text.slice(0, cut!.from)).toBe('\n0\r\n');
    expect(text.slice(cut!.to)).toBe(Array.from({ length: 10 }, (_, i) => `${40 + i}\r\n`).join(''));
  });

  it('drops plain lines that scroll out, keeping the first line and the last keepLines', () => {
    const text = 'first\r\n' + lines(10, (i) => `l${i}\r\n`);
    const cut = plainCut(text, 3)!;
    expect(text.slice(0, cut.from)).toBe('first\r\n');
    // keepLines line feeds follow the range.
    expect(text.slice(cut.to)).toBe('l7\r\nl8\r\nl9\r\n');
    expect(text.slice(cut.from, cut.to)).toBe(lines(7, (i) => `l${i}\r\n`));
  });

  it('drops nothing across an escape, a BEL or another control, nor around a bare line feed', () => {
    expect(plainCut('a\r\n' + lines(50, () => 'x\r\n') + '\x1b[31m', 3, 0, 1 + 2 + 50 * 3 - 40)).toBeDefined();
    expect(lineCuts('a\r\nx\r\nx\r\n\x1b[31m' + lines(2, () => 'x\r\n'), 3)).toEqual([]);
    expect(plainCut('a\r\n' + lines(50, () => 'x\r\n').replace('x', '\x07'), 60)).toBeUndefined();
    expect(plainCut('a\n' + lines(50, () => 'x\r\n'), 3)).toBeUndefined();
    expect(plainCut('a\r\nb', 3)).toBeUndefined();
  });
});

describe('lineCuts', () => {
  it('cuts in every plain segment, each keeping its first line and keepLines lines', () => {
    const seg = (tag: string) => `${tag}first\r\n` + lines(20, (i) => `${tag}${i}\r\n`);
    const text = seg('a') + '\x1b[1m' + seg('b') + '\x07' + 'short\r\n';
    const cuts = lineCuts(text, 3);
    expect(cuts).toHaveLength(2);
    const kept = cuts.reduceRight((t, c) => t.slice(0, c.from) + t.slice(c.to), text);
    expect(kept).toBe('afirst\r\na17\r\na18\r\na19\r\n\x1b[1mbfirst\r\nb17\r\nb18\r\nb19\r\n\x07short\r\n');
  });
});

describe('trailingRun', () => {
  it('counts the printable run a write ends with, across writes', () => {
    expect(trailingRun('abc', 0)).toBe(3);
    expect(trailingRun('abc', 10)).toBe(13);
    expect(trailingRun('ab\r\ncd', 10)).toBe(2);
    expect(trailingRun('ab\r\n', 10)).toBe(0);
  });
});

describe('runCuts', () => {
  it('cuts whole rows from the middle of a long run, keeping its head and runKeepChars of its tail', () => {
    const cols = 10;
    const text = '$ ' + 'a'.repeat(1_000) + '\r\n';
    const cuts = runCuts(text, 20, cols);
    expect(cuts).toHaveLength(1);
    const { from, to } = cuts[0]!;
    expect(from).toBe(4); // '$' and ' ' could be inside a CSI; the second 'a' ends any sequence
    expect((to - from) % cols).toBe(0);
    expect(text.lastIndexOf('a') + 1 - to).toBeGreaterThanOrEqual(runKeepChars(20, cols));
    expect(text.lastIndexOf('a') + 1 - to).toBeLessThan(runKeepChars(20, cols) + cols);
  });

  it('cuts nothing from a short run, a run of sequence parameters, or past the end of plain text', () => {
    expect(runCuts('a'.repeat(200), 20, 10)).toEqual([]);
    expect(runCuts('1;2;3'.repeat(1_000), 20, 10)).toEqual([]);
    expect(runCuts('a'.repeat(5_000), 20, 10, 100)).toEqual([]);
  });

  it('keeps its head through the second character that can end a sequence', () => {
    const text = '[31;1' + 'm' + 'b'.repeat(5_000);
    expect(runCuts(text, 20, 10)[0]!.from).toBe(6);
  });
});

describe('ChunkText', () => {
  it('reads chunks as the string they make, however they are split', () => {
    const text = 'ab\r\ncd\x1b[0m\nef\n\n€\x07g\r\n';
    for (const sizes of [[1], [2, 5], [3, 0, 4], [text.length]]) {
      const chunks: string[] = [];
      for (let at = 0, k = 0; at < text.length; k++) {
        const n = sizes[k % sizes.length]!;
        chunks.push(text.slice(at, at + n));
        at += n === 0 ? 0 : n;
        if (k > 10 * text.length) break;
      }
      const t = new ChunkText(chunks);
      expect(t.length).toBe(text.length);
      for (let i = -1; i <= text.length + 1; i++) {
        expect(t.charCodeAt(i)).toEqual(text.charCodeAt(i));
        expect(t.indexOf('\n', i)).toBe(text.indexOf('\n', i));
        expect(t.lastIndexOf('\n', i)).toBe(text.lastIndexOf('\n', i));
        const m = /[\x00-\x07\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
        m.lastIndex = Math.max(0, i);
        expect(t.notPlainFrom(Math.max(0, i))).toBe(m.exec(text)?.index ?? text.length);
      }
      expect(t.without([{ from: 2, to: 4 }, { from: 9, to: 12 }]).join('')).toBe(text.slice(0, 2) + text.slice(4, 9) + text.slice(12));
    }
  });
});

describe('compactChunks', () => {
  /** Splits `text` into pieces of the given lengths, cycling through them. */
  const split = (text: string, sizes: number[]) => {
    const out: string[] = [];
    for (let at = 0, k = 0; at < text.length; k++) {
      out.push(text.slice(at, at + sizes[k % sizes.length]!));
      at += sizes[k % sizes.length]!;
    }
    return out;
  };
  const cases: [string, string][] = [
    ['one long run', 'a'.repeat(50_000)],
    ['a prompt, then a long run', 'root@node1:~# tr\r\n' + 'a'.repeat(40_000)],
    ['lines, then a long run', Array.from({ length: 3000 }, (_, i) => `line ${i}\r\n`).join('') + 'x'.repeat(30_000)],
    ['a run after an escape', 'ok\x1b[0m' + '12;' + 'b'.repeat(30_000)],
    ['a run of digits and spaces only (no head ends)', '\r\n' + '1 '.repeat(20_000)],
    ['lines only', Array.from({ length: 5000 }, (_, i) => `y${i}\r\n`).join('')],
    ['a short run', 'abc\r\n'.repeat(100) + 'z'.repeat(500)],
    ['UTF-8 before the run', 'ä€😀\r\n'.repeat(3000) + 'q'.repeat(25_000)],
    // Past JOIN_MAX_CHARS before the run: read as chunks (ChunkText), not joined.
    ['many long lines', ('l'.repeat(150) + '\r\n').repeat(2000)],
    ['long lines, a colour change every 300', Array.from({ length: 2000 }, (_, i) => (i % 300 === 0 ? '\x1b[3' + (i % 8) + 'm' : '') + `${i} ` + 'w'.repeat(140) + '\r\n').join('')],
    ['long lines with bare line feeds among them', Array.from({ length: 2000 }, (_, i) => 'b'.repeat(120) + (i % 97 === 0 ? '\n' : '\r\n')).join('') + 'tail'],
    ['long UTF-8 lines, then a run', ('ä€😀 '.repeat(30) + '\r\n').repeat(1500) + 'r'.repeat(9_000)],
    ['a long line ended, then lines', 'p'.repeat(20_000) + '\r\n' + ('m'.repeat(100) + '\r\n').repeat(1500)],
    ['one segment starting with the line feed of a split CR LF', '\n' + ('s'.repeat(80) + '\r\n').repeat(2000)],
  ];
  for (const [name, text] of cases) {
    it(`drops what compactText drops from the joined text, with the run in slices: ${name}`, () => {
      for (const plainWrap of [true, false]) {
        for (const sizes of [[text.length], [4096], [997, 13, 65_536], [1]]) {
          const chunks = split(text, sizes);
          const run = trailingRun(text, 0);
          const out = compactChunks(chunks, run, 100, 80, plainWrap);
          const want = compactText(text, 100, 80, plainWrap);
          expect(out.prefix.join('') + out.run.join('')).toBe(want);
          expect(out.dropped).toBe(text.length - want.length);
          expect(out.run.every((p) => /^[ -~]+$/.test(p))).toBe(true);
        }
      }
    });
  }

  it('keeps long text before the run as slices of its chunks, not one joined string', () => {
    const text = ('l'.repeat(150) + '\r\n').repeat(2000);
    const out = compactChunks(split(text, [4096]), 0, 100, 80, true);
    expect(out.prefix.length).toBeGreaterThan(1);
    expect(out.prefix.join('')).toBe(compactText(text, 100, 80, true));
  });

  it('cuts a run that began before the chunks as if it began with them', () => {
    const chunks = ['a'.repeat(9000), 'a'.repeat(9000)];
    const out = compactChunks(chunks, 1_000_000, 100, 80, true);
    expect(out.prefix).toEqual([]);
    expect(out.run.join('')).toBe(compactText(chunks.join(''), 100, 80, true));
  });
});

describe('ScreenMirror', () => {
  it('redraws its screen over a client that showed earlier output, keeping what the client showed', async () => {
    const m = new ScreenMirror(40, 6);
    const client = new headless.Terminal({ cols: 40, rows: 6, scrollback: 100, allowProposedApi: true });
    const write = (t: InstanceType<typeof headless.Terminal>, d: string) => new Promise<void>((r) => t.write(d, r));
    // What both saw: lines, colours left on, mouse reports and bracketed paste switched on.
    const shown = lines(8, (i) => `shown-${i}\r\n`) + '\x1b[31mred\x1b[?1000h\x1b[?2004h';
    m.write(shown);
    await write(client, shown);
    // What the client never saw (a Ctrl-C skip dropped it): more lines, mouse off, a prompt.
    m.write('\x1b[0m\x1b[?1000l\r\n' + lines(20, (i) => `skipped-${i}\r\n`) + '^C\r\nroot@node1:~# ');
    await new Promise<void>((r) => m.whenParsed(r));
    await write(client, m.redraw()!);
    const b = client.buffer.active;
    const text = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => b.getLine(from + i)!.translateToString(true)).join('\n');
    expect(text(b.baseY, b.baseY + 6)).toBe(m.text());
    expect([b.cursorX, b.cursorY]).toEqual([14, 5]);
    expect(client.modes.mouseTrackingMode).toBe('none');
    expect(client.modes.bracketedPasteMode).toBe(true);
    // The client's scrollback still holds what it showed, then its last screen.
    expect(text(0, b.baseY)).toContain('shown-0\nshown-1');
    expect(text(0, b.baseY)).toContain('red');
    // Pen reset: a cell written after the redraw is in the default colour.
    await write(client, 'x');
    expect(b.getLine(b.baseY + b.cursorY)!.getCell(b.cursorX - 1)!.isFgDefault()).toBe(true);
    client.dispose();
    m.dispose();
  });

  it('has no redraw while the alternate screen is active', async () => {
    const m = new ScreenMirror(40, 6);
    m.write('\x1b[?1049hfull screen');
    await new Promise<void>((r) => m.whenParsed(r));
    expect(m.redraw()).toBeUndefined();
    m.dispose();
  });

  const cases: [string, string[]][] = [
    ['a `yes` flood', Array.from({ length: 40 }, () => 'y\r\n'.repeat(2000))],
    ['a flood of long lines that wrap', Array.from({ length: 10 }, () => ('a'.repeat(300) + '\r\n').repeat(400))],
    ['a coloured prompt, then a flood, then a prompt', ['\x1b[1;32mroot@node1\x1b[0m:~# ', 'yes\r\n', 'y\r\n'.repeat(30_000), '^C\r\n\x1b[1;32mroot@node1\x1b[0m:~# ']],
    ['colour set before the flood and kept through it', ['\x1b[31m', 'red\r\n'.repeat(5_000), '\x1b[0mplain']],
    ['an escape sequence split across writes', ['ab\x1b[3', '1mred\r\n' + 'r\r\n'.repeat(5_000)]],
    ['bare line feeds', ['abc', '\n'.repeat(3_000), 'x\ny\n'.repeat(2_000)]],
    ['the alternate screen during a flood', ['top\r\n'.repeat(100), '\x1b[?1049h', 'alt\r\n'.repeat(3_000), '\x1b[?1049l', 'back']],
    ['one long line with no line feed (tr \\0 a), after a prompt', ['root@node1:~# ', 'head -c 2M\r\n', ...Array.from({ length: 32 }, () => 'a'.repeat(65_536)), '\r\nDONE\r\n$ ']],
    ['a long line of a pattern that does not divide the width, in odd pieces', ['> ', ...Array.from({ length: 300 }, (_, i) => 'abcdefg'.repeat(1_000).slice(i % 7, 5_000 + (i % 13)))]],
    ['a long line begun inside an escape sequence', ['x\x1b[3', '1' + 'm'.repeat(400_000), '\x1b[0m!']],
    ['a long line after the cursor was moved mid-row', ['\x1b[5;33H', 'z'.repeat(300_000), ' end']],
    ['a long line with auto-wrap off', ['\x1b[?7l', 'q'.repeat(300_000), 'Q\x1b[?7h\r\nafter']],
    ['a flood that starts right after an escape sequence (bracketed paste off)', ['$ yes\r\n', '\x1b[?2004l\r', ...Array.from({ length: 30 }, () => 'y\r\n'.repeat(3_000)), '^C\r\n\x1b[?2004h$ ']],
    ['floods of lines between colour changes', Array.from({ length: 12 }, (_, i) => `\x1b[3${i % 8}m` + `line ${i}\r\n`.repeat(2_500))],
    ['a long line in insert mode', ['old text on this row\r', '\x1b[4h', 'i'.repeat(300_000), '\x1b[4l\r\nafter']],
  ];
  for (const [name, chunks] of cases) {
    it(`restores the same screen and scrollback as parsing every byte: ${name}`, async () => {
      const want = await reference(chunks, 80, 24);
      const got = await mirrored(chunks, 80, 24);
      expect(got.snapshot).toBe(want);
    });
  }

  it('parses one long line without parsing all of it', async () => {
    const got = await mirrored(Array.from({ length: 32 }, () => 'a'.repeat(65_536)), 120, 32);
    expect(got.dropped).toBeGreaterThan(1_500_000);
  });

  it('parses a flood begun after an escape sequence without parsing all of it', async () => {
    const got = await mirrored(['\x1b[?2004l\r', ...Array.from({ length: 40 }, () => 'y\r\n'.repeat(2000))], 80, 24);
    expect(got.dropped).toBeGreaterThan(200_000);
  });

  it('parses a flood of lines longer than 60 characters without parsing all of it', async () => {
    // 152 characters a line: 64 K characters hold only ~430 of them, fewer than the ~1,000 kept.
    const got = await mirrored(Array.from({ length: 40 }, () => ('l'.repeat(150) + '\r\n').repeat(250)), 80, 24);
    expect(got.dropped).toBeGreaterThan(800_000);
  });

  it('parses output with no line feeds as it comes, without holding it back for lines', () => {
    // A progress bar redrawn in place: colours and CR, never a line feed.
    const m = new ScreenMirror(80, 24);
    for (let i = 0; i < 2_000; i++) m.write(`\r\x1b[32m${'#'.repeat(i % 60)}\x1b[0m ${i}/2000`);
    // Past compactAt (64 K) it went to the parser: what waits unparsed stays below that.
    expect(m.backlog - m.parserBacklog).toBeLessThan(64 * 1024);
    m.dispose();
  });

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
