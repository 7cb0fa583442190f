import { describe, expect, it } from 'vitest';
import { OutputQueue } from './outputQueue.ts';
import { COMPACT_AT_CHARS, compactText, runKeepChars } from './scrollCuts.ts';

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i) + '\r\n').join('');

describe('OutputQueue', () => {
  it('compacts UTF-8 output as the text cuts would, never inside a character', () => {
    const text = 'ä-start€\r\n' + lines(5000, (i) => `zeile ${i} äöü € 😀`) + 'tail 😀';
    const q = new OutputQueue();
    // Chunks split inside multi-byte characters, as reads from a pipe are.
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; at += 997) q.push(bytes.subarray(at, at + 997));
    const dropped = q.compact(100, 80, true);
    const kept = q.take(q.bytes).toString('utf8');
    expect(dropped).toBeGreaterThan(0);
    expect(kept).toBe(compactText(text, 100, 80, true));
    expect(kept).not.toContain('\ufffd');
    expect(kept.endsWith(lines(100, (i) => `zeile ${4900 + i} äöü € 😀`) + 'tail 😀')).toBe(true);
  });

  it('keeps the rest of a character a take() split off, and cuts after it', () => {
    const text = '😀' + lines(500, (i) => `l${i} ─`);
    const q = new OutputQueue();
    q.push(Buffer.from(text, 'utf8'));
    const sent = q.take(2); // half of the emoji went out
    q.compact(10, 80, true);
    const rest = q.take(q.bytes);
    expect(Buffer.concat([sent, rest]).toString('utf8')).toBe(compactText(text, 10, 80, true));
  });

  it('keeps a C1 control encoded in UTF-8 as a segment boundary (nothing cut across it)', () => {
    // U+009B (CSI) between two long plain stretches: each may be cut on its own, never across.
    const text = lines(300, (i) => `a${i}`) + '\u009b2J' + lines(300, (i) => `b${i}`);
    const q = new OutputQueue();
    q.push(Buffer.from(text, 'utf8'));
    q.compact(50, 80, true);
    const kept = q.take(q.bytes).toString('utf8');
    expect(kept).toContain('a299\r\n\u009b2Jb0\r\n');
  });

  it('raises its threshold while a long line runs, and drops back after take', () => {
    const q = new OutputQueue();
    q.push(Buffer.from('x'.repeat(COMPACT_AT_CHARS)));
    expect(q.compactAt(1000, 80)).toBe(3 * runKeepChars(1000, 80));
    q.push(Buffer.from('\r\n'));
    expect(q.compactAt(1000, 80)).toBe(COMPACT_AT_CHARS);
    q.push(Buffer.from('y'.repeat(COMPACT_AT_CHARS)));
    q.take(q.bytes);
    expect(q.compactAt(1000, 80)).toBe(COMPACT_AT_CHARS);
  });

  it('leaves a long run alone unless wrapping is plain', () => {
    const run = 'r'.repeat(10 * runKeepChars(10, 80));
    const q = new OutputQueue();
    q.push(Buffer.from(run));
    expect(q.compact(10, 80, false)).toBe(0);
    expect(q.compact(10, 80, true)).toBeGreaterThan(run.length / 2);
    expect(q.bytes % 80).toBe(run.length % 80);
  });
});
