import { describe, expect, it } from 'vitest';
import { decode, encode, frames, isFrameError, MAX_FRAME_BYTES, Op, type Frame } from './frames.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('frames', () => {
  it('round-trips every frame type', () => {
    const all: Frame[] = [
      { type: 'input', data: new TextEncoder().encode('ls -l\r') },
      { type: 'output', data: new TextEncoder().encode('héllo \x1b[31mred\x1b[0m') },
      { type: 'resize', cols: 120, rows: 40 },
      { type: 'ack', bytes: 32768 },
      { type: 'exit', code: -1 },
      { type: 'snapshot', cols: 80, rows: 24, data: new TextEncoder().encode('screen') },
      { type: 'skip' },
    ];
    for (const f of all) {
      const back = decode(encode(f));
      expect(back).toEqual(f);
    }
  });

  it('encodes output text straight into a frame, given its UTF-8 length', () => {
    const f = frames.outputText('a€😀', 8);
    expect(f).toEqual(frames.output('a€😀'));
    expect(() => frames.outputText('a€', 3)).toThrow(RangeError);
  });

  it('puts the opcode in the first byte and payload bytes unwrapped', () => {
    const f = frames.output('abc');
    expect(Array.from(f)).toEqual([Op.Output, 0x61, 0x62, 0x63]);
    expect(frames.ack(0x01020304)[0]).toBe(Op.Ack);
  });

  it('decodes payloads at a non-zero byteOffset', () => {
    const big = new Uint8Array(10);
    big.set(frames.resize(200, 50), 3);
    expect(decode(big.subarray(3, 8))).toEqual({ type: 'resize', cols: 200, rows: 50 });
    const d = decode(frames.input('x'));
    expect(!isFrameError(d) && d.type === 'input' && text(d.data)).toBe('x');
  });

  it('returns errors for bad frames instead of throwing', () => {
    expect(decode(new Uint8Array(0))).toEqual({ error: 'empty frame' });
    expect(decode(Uint8Array.of(0x7f, 1, 2))).toEqual({ error: 'unknown frame opcode 0x7f' });
    expect(decode(Uint8Array.of(0x00))).toEqual({ error: 'unknown frame opcode 0x00' });
    expect(decode(Uint8Array.of(Op.Resize, 0, 80))).toMatchObject({ error: expect.stringContaining('resize frame must be 5 bytes') });
    expect(decode(Uint8Array.of(Op.Resize, 0, 0, 0, 24))).toMatchObject({ error: expect.stringContaining('outside') });
    expect(decode(Uint8Array.of(Op.Resize, 0xff, 0xff, 0, 24))).toMatchObject({ error: expect.stringContaining('outside') });
    expect(decode(Uint8Array.of(Op.Ack, 1))).toMatchObject({ error: expect.stringContaining('ack frame') });
    expect(decode(Uint8Array.of(Op.Exit))).toMatchObject({ error: expect.stringContaining('exit frame') });
    expect(decode(Uint8Array.of(Op.Snapshot, 0, 80))).toMatchObject({ error: expect.stringContaining('snapshot frame') });
    expect(decode(Uint8Array.of(Op.Skip, 0))).toEqual({ error: 'skip frame must be 1 byte, got 2' });
  });

  it('rejects oversized frames on both sides', () => {
    const over = new Uint8Array(MAX_FRAME_BYTES + 1);
    over[0] = Op.Input;
    expect(decode(over)).toMatchObject({ error: expect.stringContaining('exceeds MAX_FRAME_BYTES') });
    const exact = new Uint8Array(MAX_FRAME_BYTES);
    exact[0] = Op.Input;
    expect(isFrameError(decode(exact))).toBe(false);
    expect(() => frames.output(new Uint8Array(MAX_FRAME_BYTES))).toThrow(/exceeds MAX_FRAME_BYTES/);
  });

  it('throws on programmer errors when encoding', () => {
    expect(() => frames.resize(0, 24)).toThrow(/cols must be/);
    expect(() => frames.resize(80, 1.5)).toThrow(/rows must be/);
    expect(() => frames.ack(-1)).toThrow(/ack bytes/);
  });
});
