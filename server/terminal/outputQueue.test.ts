import { describe, expect, it } from 'vitest';
import { OutputQueue, TAKE_MAX_BYTES } from './outputQueue.ts';
import { COMPACT_AT_CHARS, compactText, runKeepChars } from './scrollCuts.ts';

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i) + '\r\n').join('');
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

describe('OutputQueue', () => {
  it('takes bytes in order, splitting chunks', () => {
    const q = new OutputQueue();
    q.push('abc');
    q.push('');
    q.push('defg');
    expect(q.bytes).toBe(7);
    expect(q.take(2)).toEqual({ text: 'ab', bytes: 2 });
    expect(q.take(3)).toEqual({ text: 'cde', bytes: 3 });
    expect(q.bytes).toBe(2);
    expect(q.take(100)).toEqual({ text: 'fg', bytes: 2 });
    expect(q.bytes).toBe(0);
    q.push('x');
    q.clear();
    expect(q.bytes).toBe(0);
    expect(q.take(5)).toEqual({ text: '', bytes: 0 });
  });

  it('counts UTF-8 bytes and never splits a character, a surrogate pair included', () => {
    const q = new OutputQueue();
    q.push('aä€😀b');
    expect(q.bytes).toBe(1 + 2 + 3 + 4 + 1);
    expect(q.take(2)).toEqual({ text: 'a', bytes: 1 });
    expect(q.take(1)).toEqual({ text: '', bytes: 0 });
    expect(q.take(5)).toEqual({ text: 'ä€', bytes: 5 });
    expect(q.take(3)).toEqual({ text: '', bytes: 0 });
    expect(q.take(5)).toEqual({ text: '😀b', bytes: 5 });
    expect(q.bytes).toBe(0);
  });

  it('compacts UTF-8 output as the text cuts would, counting what it dropped in bytes', () => {
    const text = 'ä-start€\r\n' + lines(5000, (i) => `zeile ${i} äöü € 😀`) + 'tail 😀';
    const q = new OutputQueue();
    // In pieces of whole characters, as the shell's decoded output comes.
    for (const piece of text.match(/[^]{1,997}(?![\udc00-\udfff])/gu)!) q.push(piece);
    const dropped = q.compact(100, 80, true);
    const kept = compactText(text, 100, 80, true);
    expect(dropped).toBe(utf8(text) - utf8(kept));
    expect(q.bytes).toBe(utf8(kept));
    expect(q.take(q.bytes).text).toBe(kept);
    expect(kept.endsWith(lines(100, (i) => `zeile ${4900 + i} äöü € 😀`) + 'tail 😀')).toBe(true);
  });

  it('keeps a C1 control as a segment boundary (nothing cut across it)', () => {
    const text = lines(300, (i) => `a${i}`) + '\u009b2J' + lines(300, (i) => `b${i}`);
    const q = new OutputQueue();
    q.push(text);
    q.compact(50, 80, true);
    expect(q.take(q.bytes).text).toContain('a299\r\n\u009b2Jb0\r\n');
  });

  it('raises its threshold while a long line runs, and after a compaction that kept much', () => {
    const q = new OutputQueue();
    q.push('x'.repeat(COMPACT_AT_CHARS));
    expect(q.compactAt(1000, 80)).toBe(3 * runKeepChars(1000, 80));
    q.push('\r\n');
    expect(q.compactAt(1000, 80)).toBe(COMPACT_AT_CHARS);
    // Escapes on every line: nothing to cut; the next try waits for twice as much.
    q.clear();
    q.push(lines(10_000, () => '\x1b[1mY\x1b[0m'));
    expect(q.compact(1000, 80, true)).toBe(0);
    expect(q.compactAt(1000, 80)).toBe(2 * q.bytes);
    while (q.bytes > 0) q.take(q.bytes);
    expect(q.compactAt(1000, 80)).toBe(COMPACT_AT_CHARS);
  });

  it('leaves a long run alone unless wrapping is plain', () => {
    const run = 'r'.repeat(10 * runKeepChars(10, 80));
    const q = new OutputQueue();
    q.push(run);
    expect(q.compact(10, 80, false)).toBe(0);
    expect(q.compact(10, 80, true)).toBeGreaterThan(run.length / 2);
    expect(q.bytes % 80).toBe(run.length % 80);
  });

  it('takes at most TAKE_MAX_BYTES at a time, so what it joins stays a small string', () => {
    const q = new OutputQueue();
    for (let i = 0; i < 10; i++) q.push('z'.repeat(30_000));
    expect(q.take(1 << 20).bytes).toBe(TAKE_MAX_BYTES);
    expect(q.bytes).toBe(300_000 - TAKE_MAX_BYTES);
  });
});
