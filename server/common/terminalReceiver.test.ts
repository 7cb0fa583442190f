import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACK_CHUNK_BYTES } from './flowControl.ts';
import { decode, frames, Op } from './frames.ts';
import { INTERRUPT_HOLD_MS, SCREEN_AHEAD_BYTES, TerminalReceiver, type TerminalSink } from './terminalReceiver.ts';

/** A screen that records what it got and renders output only when told to. */
function fakeScreen() {
  const got: string[] = [];
  const unrendered: (() => void)[] = [];
  const snapshotsDone: (() => void)[] = [];
  const text = (d: Uint8Array) => new TextDecoder().decode(d);
  const sink: TerminalSink = {
    snapshot: (cols, rows, data, done) => {
      got.push(`snapshot ${cols}x${rows} ${text(data)}`);
      snapshotsDone.push(done);
    },
    output: (data, rendered) => {
      got.push(`output ${text(data)}`);
      unrendered.push(rendered);
    },
    exit: (code) => got.push(`exit ${code}`),
  };
  /** Renders what the screen holds now (which hands it more). */
  const renderOnce = () => unrendered.splice(0).forEach((r) => r());
  /** Renders until nothing is left. */
  const renderAll = () => {
    while (unrendered.length > 0) renderOnce();
  };
  return { sink, got, renderOnce, renderAll, snapshotsDone };
}

/** The ack byte counts in `sent` frames. */
const acks = (sent: Uint8Array[]) =>
  sent.map((f) => {
    const d = decode(f);
    if (!('type' in d) || d.type !== 'ack') throw new Error(`not an ack: ${JSON.stringify(d)}`);
    return d.bytes;
  });

describe('TerminalReceiver', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps output past SCREEN_AHEAD_BYTES waiting; a snapshot drops what waits and acks it', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const sent: Uint8Array[] = [];
    const reply = (f: Uint8Array) => sent.push(f);
    const chunk = (c: string) => c.repeat(SCREEN_AHEAD_BYTES / 2);
    for (const c of ['a', 'b', 'c', 'd']) r.receive(frames.output(chunk(c)), reply);
    // Two chunks fill the screen's share; c and d wait.
    expect(screen.got.map((g) => g.slice(0, 8))).toEqual(['output a', 'output b']);
    r.receive(frames.snapshot(80, 24, 'after ^C'), reply);
    r.receive(frames.output('prompt'), reply);
    r.receive(frames.exit(0), reply);
    // c and d never reach the screen, yet count as processed: the server's window opens.
    expect(screen.got.slice(2)).toEqual(['snapshot 80x24 after ^C']);
    expect(r.bytesRendered).toBe(SCREEN_AHEAD_BYTES);
    screen.renderAll();
    // Then the output after the snapshot, and the exit behind it.
    expect(screen.got.slice(3)).toEqual(['output prompt', 'exit 0']);
    screen.renderAll();
    expect(r.bytesRendered).toBe(2 * SCREEN_AHEAD_BYTES + 'prompt'.length);
  });


  it('hands a frame larger than SCREEN_AHEAD_BYTES to the screen in slices; a snapshot drops the rest', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const sent: Uint8Array[] = [];
    const reply = (f: Uint8Array) => sent.push(f);
    const big = 'x'.repeat(SCREEN_AHEAD_BYTES) + 'y'.repeat(SCREEN_AHEAD_BYTES) + 'z'.repeat(SCREEN_AHEAD_BYTES);
    r.receive(frames.output(big), reply);
    expect(screen.got).toEqual([`output ${'x'.repeat(SCREEN_AHEAD_BYTES)}`]);
    screen.renderOnce();
    expect(screen.got[1]).toBe(`output ${'y'.repeat(SCREEN_AHEAD_BYTES)}`);
    r.receive(frames.snapshot(80, 24, 'after ^C'), reply);
    // The z slice never reaches the screen; all three count as processed once y is.
    expect(screen.got.slice(2)).toEqual(['snapshot 80x24 after ^C']);
    screen.renderAll();
    expect(r.bytesRendered).toBe(big.length);
    expect(acks(sent).reduce((a, b) => a + b, 0)).toBe(big.length - (big.length % ACK_CHUNK_BYTES));
  });

  it('on a skip frame drops what waits; the next frame (a redraw, or a snapshot) goes on', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const reply = () => {};
    const chunk = (c: string) => c.repeat(SCREEN_AHEAD_BYTES);
    for (const c of ['a', 'b', 'c']) r.receive(frames.output(chunk(c)), reply);
    r.receive(frames.skip(), reply);
    // b and c are dropped at once, counted as processed; a is still in the screen.
    expect(r.bytesRendered).toBe(2 * SCREEN_AHEAD_BYTES);
    screen.renderAll();
    expect(screen.got.map((g) => g.slice(0, 8))).toEqual(['output a']);
    r.receive(frames.output('redraw'), reply);
    expect(screen.got.slice(1)).toEqual(['output redraw']);
    for (const c of ['d', 'e']) r.receive(frames.output(chunk(c)), reply);
    r.receive(frames.skip(), reply);
    r.receive(frames.snapshot(80, 24, 'prompt'), reply);
    r.receive(frames.output('after'), reply);
    screen.renderAll();
    expect(screen.got.slice(2).map((g) => g.slice(0, 8))).toEqual(['output d', 'snapshot', 'output after'].map((g) => g.slice(0, 8)));
  });

  it('shows an exit that comes during a skip, and the output before it', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    r.receive(frames.skip(), () => {});
    r.receive(frames.output('bye'), () => {});
    r.receive(frames.exit(3), () => {});
    screen.renderAll();
    expect(screen.got).toEqual(['output bye', 'exit 3']);
  });

  it('holds waiting output after a Ctrl-C until the skip and snapshot, or INTERRUPT_HOLD_MS', () => {
    vi.useFakeTimers();
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const chunk = (c: string) => c.repeat(SCREEN_AHEAD_BYTES);
    for (const c of ['a', 'b']) r.receive(frames.output(chunk(c)), () => {});
    r.sending('x'); // not a Ctrl-C: nothing held
    r.sending('\x03');
    screen.renderAll();
    expect(screen.got.map((g) => g.slice(0, 8))).toEqual(['output a']);
    // The server skips: b goes, the snapshot shows.
    r.receive(frames.skip(), () => {});
    r.receive(frames.snapshot(80, 24, 'prompt'), () => {});
    expect(screen.got.slice(1)).toEqual(['snapshot 80x24 prompt']);
    // A Ctrl-C the server does not skip for: the output shows after the hold.
    for (const c of ['c', 'd']) r.receive(frames.output(chunk(c)), () => {});
    r.sending(Uint8Array.of(0x03));
    screen.renderAll();
    expect(screen.got.map((g) => g.slice(0, 8)).slice(2)).toEqual(['output c']);
    vi.advanceTimersByTime(INTERRUPT_HOLD_MS);
    screen.renderAll();
    expect(screen.got.map((g) => g.slice(0, 8)).slice(2)).toEqual(['output c', 'output d']);
  });

  it('delivers snapshot, output and exit to the screen', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    let snapshots = 0;
    r.onSnapshot(() => snapshots++);
    const sent: Uint8Array[] = [];
    const reply = (f: Uint8Array) => sent.push(f);
    expect(r.receive(frames.snapshot(80, 24, 'screen'), reply)).toBeUndefined();
    expect(r.receive(frames.output('hello'), reply)).toBeUndefined();
    expect(r.receive(frames.exit(2), reply)).toBeUndefined();
    expect(screen.got).toEqual(['snapshot 80x24 screen', 'output hello', 'exit 2']);
    // onSnapshot fires once the screen has written it, not when it arrives.
    expect(snapshots).toBe(0);
    screen.snapshotsDone[0]!();
    expect(snapshots).toBe(1);
    expect(sent).toEqual([]);
  });

  it('acks rendered bytes in ACK_CHUNK_BYTES chunks, only after the screen rendered them', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const sent: Uint8Array[] = [];
    const half = 'a'.repeat(ACK_CHUNK_BYTES / 2);
    r.receive(frames.output(half), (f) => sent.push(f));
    r.receive(frames.output(half + 'bc'), (f) => sent.push(f));
    expect(sent).toEqual([]); // nothing rendered yet
    screen.renderAll();
    // The screen got the second frame in slices: a chunk is acked at once, the 2 bytes wait.
    expect(acks(sent)).toEqual([ACK_CHUNK_BYTES]);
    expect(r.bytesRendered).toBe(ACK_CHUNK_BYTES + 2);
    r.receive(frames.output('xyz'), (f) => sent.push(f));
    screen.renderAll();
    expect(acks(sent)).toEqual([ACK_CHUNK_BYTES]); // under a chunk: held back
    expect(r.bytesRendered).toBe(ACK_CHUNK_BYTES + 5);
    r.receive(frames.output('d'.repeat(ACK_CHUNK_BYTES)), (f) => sent.push(f));
    screen.renderAll();
    expect(acks(sent)).toEqual([ACK_CHUNK_BYTES, ACK_CHUNK_BYTES + 5]);
  });

  it('acks on the connection the output came on, and forgets unacked bytes on reset', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const first: Uint8Array[] = [];
    const second: Uint8Array[] = [];
    r.receive(frames.output('a'.repeat(ACK_CHUNK_BYTES - 1)), (f) => first.push(f));
    screen.renderAll();
    r.reset(); // a new connection: the server counts afresh
    r.receive(frames.output('b'), (f) => second.push(f));
    r.receive(frames.output('c'.repeat(ACK_CHUNK_BYTES - 1)), (f) => second.push(f));
    screen.renderAll();
    expect(first).toEqual([]);
    expect(acks(second)).toEqual([ACK_CHUNK_BYTES]);
    // bytesRendered counts every connection.
    expect(r.bytesRendered).toBe(2 * ACK_CHUNK_BYTES - 1);
  });

  it('returns malformed and client-to-server frames as errors and delivers nothing', () => {
    const screen = fakeScreen();
    const r = new TerminalReceiver(screen.sink);
    const reply = () => {
      throw new Error('no reply expected');
    };
    expect(r.receive(new Uint8Array(0), reply)).toEqual({ error: 'empty frame' });
    expect(r.receive(Uint8Array.of(0x7f), reply)?.error).toMatch(/unknown frame opcode 0x7f/);
    expect(r.receive(Uint8Array.of(Op.Exit, 0, 0), reply)?.error).toMatch(/exit frame must be 5 bytes/);
    expect(r.receive(frames.input('ls'), reply)?.error).toMatch(/input frames only go from the client/);
    expect(r.receive(frames.ack(5), reply)?.error).toMatch(/ack frames only go from the client/);
    expect(screen.got).toEqual([]);
  });
});
