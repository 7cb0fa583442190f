import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../common/api.ts';
import { decode, frames, isFrameError, type Frame } from '../common/frames.ts';
import headless from '@xterm/headless';
import { ACK_CHUNK_BYTES, AckCounter, HIGH_WATERMARK_BYTES, SCROLLBACK_LINES } from '../common/flowControl.ts';
import { logger } from '../core/log.ts';
import type { SandboxInfo } from '../sandbox/types.ts';
import diagnostics_channel from 'node:diagnostics_channel';
import { ECHO_TRACE_CHANNEL, monotonicMs, type EchoTiming } from './echoTrace.ts';
import { localNodeShell, markedHostPids } from './nodeShell.ts';
import { FLOOD_BATCH_MS, QUEUE_MAX_BYTES, TerminalSession, VIEWER_MAX_BUFFERED_BYTES, VIEWER_TOO_SLOW_CODE, endsLikePrompt, type TerminalSocket } from './terminalSession.ts';

const sandbox = { id: 'unit', owner: 'learner', nodes: {} } as unknown as SandboxInfo;
const log = logger('test');

/** A socket that decodes what the session sends and acks like a browser. */
class FakeSocket implements TerminalSocket {
  received: Frame[] = [];
  text = '';
  closed: { code: number; reason: string } | undefined;
  bufferedAmount = 0;
  autoAck = true;
  private readonly _acks = new AckCounter();
  constructor(private readonly _session: () => TerminalSession) {}
  send(b: Uint8Array) {
    const f = decode(b);
    if (isFrameError(f)) throw new Error(f.error);
    this.received.push(f);
    if (f.type === 'output' || f.type === 'snapshot') this.text += new TextDecoder().decode(f.data);
    if (f.type === 'output' && this.autoAck) {
      // Like a browser: ack after "rendering", asynchronously.
      setTimeout(() => {
        const n = this._acks.rendered(f.data.length);
        if (n) this._session().ack(n);
      }, 1);
    }
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason };
  }
}

/** A viewer's socket: records what it gets, never acks; `stalled` makes its send queue grow by
 * every frame and never drain (a viewer on a link that has stopped). */
class ViewerSocket implements TerminalSocket {
  received: Frame[] = [];
  text = '';
  closed: { code: number; reason: string } | undefined;
  bufferedAmount = 0;
  stalled = false;
  send(b: Uint8Array) {
    if (this.closed) throw new Error('send after close');
    const f = decode(b);
    if (isFrameError(f)) throw new Error(f.error);
    this.received.push(f);
    if (f.type === 'output' || f.type === 'snapshot') this.text += new TextDecoder().decode(f.data);
    if (this.stalled) this.bufferedAmount += b.length;
  }
  close(code: number, reason: string) {
    this.closed ??= { code, reason };
  }
  snapshots() {
    return this.received.filter((f): f is Extract<Frame, { type: 'snapshot' }> => f.type === 'snapshot');
  }
}

const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');

async function until(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sessions: TerminalSession[] = [];
function open(graceMs = 60_000): TerminalSession {
  const s = new TerminalSession({ sandbox, node: 'node1', shell: localNodeShell(), graceMs, log });
  sessions.push(s);
  return s;
}

/** A shell with the learner attached and a viewer watching (stalled if asked), at its prompt. */
async function withViewer(stalled = false): Promise<{ s: TerminalSession; learner: FakeSocket; v: ViewerSocket }> {
  const s = open();
  const learner = new FakeSocket(() => s);
  s.attach(learner);
  const v = new ViewerSocket();
  v.stalled = stalled;
  s.watch(v);
  await until('prompt', () => /root@node1:~# $/.test(s.screenText().split('\n')[0] ?? ''));
  return { s, learner, v };
}

/** Starts `yes` in `s` and checks one second of it as a socket that records `received` gets it:
 * in flood batches (FLOOD_BATCH_MS), each about what the client keeps, the rest compacted away. */
async function expectFloodBatched(s: TerminalSession, received: Frame[]): Promise<void> {
  s.input(new TextEncoder().encode('yes\r'));
  await until('flood', () => s.stats.compacted > HIGH_WATERMARK_BYTES);
  const frames0 = received.length;
  const cut0 = s.stats.compacted;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 1_000));
  const ms = performance.now() - t0;
  const sizes = received.slice(frames0).flatMap((f) => (f.type === 'output' ? [f.data.length] : []));
  const cut = s.stats.compacted - cut0;
  const out = sizes.reduce((a, b) => a + b, 0);
  // 20 batches a second, and the client acks now and then (each ack may send what came since).
  expect(sizes.length).toBeLessThanOrEqual(2 * Math.ceil(ms / FLOOD_BATCH_MS) + 2);
  // Each batch is at most about what the client keeps: SCROLLBACK_LINES + a screen of `y\r\n`.
  expect(out).toBeLessThan(sizes.length * 4 * (SCROLLBACK_LINES + 24) + 1);
  expect(cut).toBeGreaterThan(10 * out);
}

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.end({ code: CloseCode.Ended, reason: 'test over', inNode: true });
});

// Real shells on a shared machine: generous per-test time.
describe('TerminalSession (local bash)', { timeout: 30_000 }, () => {
  it('sends a snapshot on attach, then live output', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    await until('snapshot', () => sock.received.some((f) => f.type === 'snapshot'));
    expect(sock.received[0]!.type).toBe('snapshot');
    s.input(new TextEncoder().encode('echo he""llo\r'));
    await until('echo output', () => sock.text.includes('hello'));
  });

  it("publishes a keystroke's way through the session on echoTrace", async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    await until('prompt', () => /root@node1:~# $/.test(s.screenText().split('\n')[0] ?? ''));
    const timings: EchoTiming[] = [];
    const listen = (m: unknown) => timings.push(m as EchoTiming);
    diagnostics_channel.subscribe(ECHO_TRACE_CHANNEL, listen);
    try {
      const before = monotonicMs();
      s.input(new TextEncoder().encode('b'));
      await until('echo of b', () => sock.text.endsWith('b'));
      expect(timings).toHaveLength(1);
      const t = timings[0]!;
      expect(t.written).toBeGreaterThanOrEqual(before);
      expect(t.read).toBeGreaterThan(t.written);
      expect(t.sent).toBeGreaterThanOrEqual(t.read);
      expect(t.sent).toBeLessThanOrEqual(monotonicMs());
    } finally {
      diagnostics_channel.unsubscribe(ECHO_TRACE_CHANNEL, listen);
    }
  });

  it('restores the screen for a new socket and replaces the old one', async () => {
    const s = open();
    const a = new FakeSocket(() => s);
    s.attach(a);
    s.input(new TextEncoder().encode('echo mark-$((6*7))\r'));
    await until('output', () => a.text.includes('mark-42'));
    const b = new FakeSocket(() => s);
    s.attach(b);
    expect(a.closed?.code).toBe(CloseCode.Replaced);
    await until('snapshot', () => b.received.some((f) => f.type === 'snapshot'));
    expect(b.text).toContain('mark-42');
  });

  it('keeps unacked output under the high watermark and stops `yes` with Ctrl-C', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    s.input(new TextEncoder().encode('yes\r'));
    // A flood reaches the client compacted (FLOOD_BATCH_MS): far more is cut than sent.
    await until('flood', () => s.stats.compacted > 4 * HIGH_WATERMARK_BYTES);
    // A stalled client: no acks; at most HIGH in flight, and `yes` compacts, so the shell runs on
    // with a small queue instead of waiting for the client.
    sock.autoAck = false;
    const compacted = s.stats.compacted;
    await until('compacting', () => s.stats.compacted > compacted + 4 * HIGH_WATERMARK_BYTES);
    expect(s.stats.ptyPaused).toBe(false);
    expect(s.stats.pendingBytes).toBeLessThan(64 * 1024);
    expect(s.stats.unacked).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
    expect(s.stats.maxUnacked).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
    sock.autoAck = true;
    s.ack(s.stats.unacked);
    s.input(frames.input('\x03').subarray(1));
    const before = sock.text.length;
    await until('prompt after Ctrl-C', () => /root@node1:~# $/.test(sock.text.slice(before).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '')));
  });

  it('sends a flood at most every FLOOD_BATCH_MS, compacted to what the client keeps', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    await until('snapshot', () => sock.received.some((f) => f.type === 'snapshot'));
    await expectFloodBatched(s, sock.received);
    s.input(frames.input('\x03').subarray(1));
    const before = sock.text.length;
    await until('prompt after Ctrl-C', () => /root@node1:~# $/.test(plain(sock.text.slice(before))));
  });

  it('skips to a snapshot when Ctrl-C interrupts a flood', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    await until('prompt', () => /root@node1:~# $/.test(s.screenText().split('\n')[0] ?? ''));
    s.input(new TextEncoder().encode('yes\r'));
    await until('flood', () => s.stats.bytesOut > 2 * HIGH_WATERMARK_BYTES);
    sock.autoAck = false; // a slow client: the window fills
    await until('window full', () => s.stats.unacked > HIGH_WATERMARK_BYTES / 2);
    const framesBefore = sock.received.length;
    s.input(new TextEncoder().encode('\x03'));
    sock.autoAck = true;
    s.ack(s.stats.unacked);
    const skipAt = () => sock.received.findIndex((f, i) => i >= framesBefore && f.type === 'skip');
    await until('redraw after Ctrl-C', () => skipAt() >= 0 && sock.received.length > skipAt() + 1);
    expect(s.stats.skips).toBe(1);
    expect(s.stats.lastSkipMs).toBeGreaterThan(0);
    // The client hears of the skip at once; the next frame redraws the screen (no scrollback).
    const redraw = sock.received[skipAt() + 1]!;
    expect(redraw.type).toBe('output');
    const text = new TextDecoder().decode((redraw as { data: Uint8Array }).data).replace(/\x1b\[[0-9;?!]*[a-zA-Z]/g, '');
    expect(text).toMatch(/\^C\s*(\r?\n)*root@node1:~# $/);
    expect(text.split('\n').length).toBeLessThan(2 * 24 + 2);
    // Streaming goes on normally afterwards.
    const before = sock.text.length;
    s.input(new TextEncoder().encode('echo after-$((2*21))\r'));
    await until('output after the skip', () => sock.text.slice(before).includes('after-42'));
  });

  it('ends the shell and its children after the grace period', async () => {
    const s = open(300);
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    s.input(new TextEncoder().encode('sleep 1000 &\r'));
    await until('two marked processes', () => markedHostPids(s.marker).length >= 2);
    s.detach(sock);
    let ended = false;
    s.onEnded(() => (ended = true));
    await until('session end', () => ended, 8_000);
    expect(markedHostPids(s.marker)).toEqual([]);
  });

  it('reports the exit code when the shell exits', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    s.input(new TextEncoder().encode('exit 3\r'));
    await until('close', () => sock.closed !== undefined);
    expect(sock.received.at(-1)).toEqual({ type: 'exit', code: 3 });
    expect(sock.closed?.code).toBe(CloseCode.Ended);
  });
});

describe('TerminalSession viewers (local bash)', { timeout: 30_000 }, () => {
  it('gives a viewer a snapshot, then the live output, without a learner attached', async () => {
    const s = open();
    s.input(new TextEncoder().encode('echo before-$((6*7))\r'));
    await until('output in the mirror', () => s.screenText().includes('before-42'));
    const v = new ViewerSocket();
    s.watch(v);
    await until('snapshot', () => v.received.length > 0);
    expect(v.received[0]!.type).toBe('snapshot');
    expect(plain(v.text)).toContain('before-42');
    s.input(new TextEncoder().encode('echo after-$((6*7))\r'));
    await until('live output', () => v.received.some((f) => f.type === 'output' && new TextDecoder().decode(f.data).includes('after-42')));
    expect(s.stats).toMatchObject({ attached: false, viewers: 1 });
    expect(s.isAttached).toBe(false);
  });

  it('leaves the learner attached, unreplaced, and the viewer watching, whoever comes first', async () => {
    const s = open();
    const viewer = new ViewerSocket();
    s.watch(viewer);
    const learner = new FakeSocket(() => s);
    s.attach(learner);
    await until('learner snapshot', () => learner.received.some((f) => f.type === 'snapshot'));
    const late = new ViewerSocket();
    s.watch(late);
    s.input(new TextEncoder().encode('echo both-$((6*7))\r'));
    await until('output everywhere', () => [learner, viewer, late].every((x) => x.text.includes('both-42')));
    expect(learner.closed).toBeUndefined();
    expect(viewer.closed).toBeUndefined();
    expect(late.closed).toBeUndefined();
    expect(s.stats).toMatchObject({ attached: true, viewers: 2 });
    // A viewer has no acks: the learner's acks alone drain the window.
    expect(s.stats.unacked).toBeLessThan(HIGH_WATERMARK_BYTES);
  });

  it('pauses the shell for a stalled client when the output cannot be compacted', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    sock.autoAck = false;
    // An escape on every line: no plain segment to cut.
    s.input(new TextEncoder().encode("yes $'\\e[1mY\\e[0m'\r"));
    await until('paused', () => s.stats.ptyPaused);
    expect(s.stats.unacked).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
    // At most one read past the queue's bound.
    expect(s.stats.pendingBytes).toBeGreaterThanOrEqual(QUEUE_MAX_BYTES);
    expect(s.stats.pendingBytes).toBeLessThanOrEqual(QUEUE_MAX_BYTES + 64 * 1024);
    sock.autoAck = true;
    s.ack(s.stats.unacked);
    await until('resumed', () => !s.stats.ptyPaused || s.stats.bytesOut > 2 * HIGH_WATERMARK_BYTES);
  });

  it('gives a client that was behind the same screen and scrollback, without what scrolled out', async () => {
    const s = open();
    const sock = new FakeSocket(() => s);
    s.attach(sock);
    await until('prompt', () => /root@node1:~# $/.test(s.screenText().split('\n')[0] ?? ''));
    sock.autoAck = false;
    s.input(new TextEncoder().encode('seq 1 300000; head -c 3000000 /dev/zero | tr "\\0" a; echo; echo E""ND\r'));
    await until('the shell is done', () => /^END$/m.test(s.screenText()) && s.atPrompt(), 20_000);
    expect(s.stats.pauses).toBe(0);
    expect(s.stats.compacted).toBeGreaterThan(2_000_000);
    sock.autoAck = true;
    s.ack(s.stats.unacked);
    // Caught up: nothing queued, and less than one ack's worth in flight (a client acks in
    // ACK_CHUNK_BYTES; the output now goes out in frames of TAKE_MAX_BYTES).
    await until('caught up', () => s.stats.unacked < ACK_CHUNK_BYTES && s.stats.pendingBytes === 0);
    const term = new headless.Terminal({ cols: 80, rows: 24, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    await new Promise<void>((r) => term.write(sock.text, r));
    const buf = term.buffer.active;
    const lines = Array.from({ length: buf.length }, (_, i) => buf.getLine(i)!.translateToString(true));
    term.dispose();
    // Scrollback full, all of it rows of the long line (3 MB is 37,500 rows), then its last row,
    // END and the prompt: exactly what a client that read every byte would hold.
    expect(lines.length).toBe(SCROLLBACK_LINES + 24);
    const end = lines.indexOf('END');
    expect(end).toBeGreaterThan(SCROLLBACK_LINES);
    expect(lines.slice(0, end).every((l) => l === 'a'.repeat(80))).toBe(true);
    expect(lines[end + 1]).toMatch(/root@node1:~# $/);
  });

  it('gives a viewer a flood compacted, in the learner\'s batches', async () => {
    const { s, v } = await withViewer();
    // An instructor's room watches every attendee: one attendee's `yes` reaches it as about 20
    // screens a second, not as the learner's window of 131,072 lines.
    await expectFloodBatched(s, v.received);
    s.input(frames.input('\x03').subarray(1));
    await until('viewer sees the prompt', () => /root@node1:~# $/.test(plain(v.text).trimEnd() + ' '));
  });

  it('closes a viewer that falls behind and keeps streaming to the learner', async () => {
    const { s, learner, v } = await withViewer(true);
    // Output that cannot be compacted (an escape on every line): the viewer's queue only grows.
    s.input(new TextEncoder().encode("yes $'\\e[1mY\\e[0m'\r"));
    await until('viewer closed', () => v.closed !== undefined);
    expect(v.closed).toEqual({ code: VIEWER_TOO_SLOW_CODE, reason: expect.stringContaining('behind') });
    const atClose = s.stats.bytesOut;
    // The learner's stream goes on well past the viewer's bound: the viewer never held it back.
    await until('learner streams on', () => s.stats.bytesOut > atClose + 4 * VIEWER_MAX_BUFFERED_BYTES);
    expect(v.bufferedAmount).toBeLessThanOrEqual(VIEWER_MAX_BUFFERED_BYTES + HIGH_WATERMARK_BYTES + 16);
    expect(s.stats.viewers).toBe(0);
    expect(learner.closed).toBeUndefined();
  });

  it('follows the learner\'s size with a snapshot taken at it', async () => {
    const s = open();
    const v = new ViewerSocket();
    s.watch(v);
    await until('first snapshot', () => v.snapshots().length === 1);
    s.resize(100, 30);
    await until('second snapshot', () => v.snapshots().length === 2);
    expect(v.snapshots()[1]).toMatchObject({ cols: 100, rows: 30 });
  });

  it('does not keep the shell alive, and closes viewers like the learner when it ends', async () => {
    const s = open(300);
    const v = new ViewerSocket();
    s.watch(v);
    let ended = false;
    s.onEnded(() => (ended = true));
    await until('grace period ends the shell', () => ended, 8_000);
    expect(v.closed).toEqual({ code: CloseCode.Ended, reason: 'no terminal attached for the grace period' });

    const t = open();
    const learner = new FakeSocket(() => t);
    const w = new ViewerSocket();
    t.attach(learner);
    t.watch(w);
    await t.end({ code: CloseCode.Gone, reason: 'the sandbox was removed (expired)', inNode: true });
    expect(w.closed).toEqual(learner.closed);
    expect(w.closed?.code).toBe(CloseCode.Gone);

    const late = new ViewerSocket();
    t.watch(late);
    expect(late.closed?.code).toBe(CloseCode.Ended);
  });

  it('sends a viewer the exit code when the shell exits', async () => {
    const s = open();
    const v = new ViewerSocket();
    s.watch(v);
    s.input(new TextEncoder().encode('exit 5\r'));
    await until('close', () => v.closed !== undefined);
    expect(v.received.at(-1)).toEqual({ type: 'exit', code: 5 });
    expect(v.closed).toEqual({ code: CloseCode.Ended, reason: 'the shell ended with exit code 5' });
  });

  it('restarts a viewer from the snapshot the learner gets after a Ctrl-C skip', async () => {
    const { s, learner, v } = await withViewer();
    s.input(new TextEncoder().encode('yes\r'));
    await until('flood', () => s.stats.bytesOut > 2 * HIGH_WATERMARK_BYTES);
    learner.autoAck = false;
    await until('window full', () => s.stats.unacked > HIGH_WATERMARK_BYTES / 2);
    const before = v.snapshots().length;
    s.input(new TextEncoder().encode('\x03'));
    learner.autoAck = true;
    s.ack(s.stats.unacked);
    await until('viewer snapshot after Ctrl-C', () => v.snapshots().length > before);
    expect(s.stats.skips).toBe(1);
    expect(plain(new TextDecoder().decode(v.snapshots().at(-1)!.data))).toMatch(/\^C\s*(\r?\n)*root@node1:~# $/);
  });
});

describe('endsLikePrompt', () => {
  it('sees a prompt at the end of a read, colours and bracketed-paste sequences aside', () => {
    expect(endsLikePrompt('y\ny\n^C\r\n\x1b[?2004hroot@node1:~# ')).toBe(true);
    expect(endsLikePrompt('^C\r\n\x1b]0;root@node1: ~\x07\x1b[01;32mroot@node1\x1b[00m:\x1b[01;34m~\x1b[00m# ')).toBe(true);
    expect(endsLikePrompt('/ # ')).toBe(true);
  });

  it('sees none in flood output or a line that merely contains one', () => {
    expect(endsLikePrompt('y\ny\ny\n')).toBe(false);
    expect(endsLikePrompt('root@node1:~# \r\ny\n')).toBe(false);
    expect(endsLikePrompt('price: 5 $')).toBe(false);
  });
});

