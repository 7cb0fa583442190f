import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../server/common/api.ts';
import { decode, frames } from '../server/common/frames.ts';
import { MAX_QUEUED_CHARS, PROMPT_WAIT_MS, TerminalLink } from './terminalLink.ts';

/** Stands in for the browser's WebSocket (TerminalLink makes its own with `new WebSocket`). */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  binaryType = 'blob';
  readyState = FakeSocket.CONNECTING;
  sent: Uint8Array[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.({});
  }
  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer });
  }
  drop(code: number): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.({ code, reason: '' });
  }
  /** The text of every input frame sent, in order. */
  inputs(): string[] {
    return this.sent.map((f) => decode(f)).flatMap((f) => ('type' in f && f.type === 'input' ? [new TextDecoder().decode(f.data)] : []));
  }
}

let prompt = true;
function link(): TerminalLink {
  return new TerminalLink(
    'remote-docker-engine',
    { snapshot: (_c, _r, _d, done) => done(), output: (_d, rendered) => rendered(), exit: () => {} },
    () => prompt,
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  prompt = true;
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'lab.test' });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('TerminalLink input queue', () => {
  it('keeps input sent while connecting and sends it once, after the snapshot, on the right node', async () => {
    const l = link();
    l.connect();
    l.input('docker run -d --name web nginx\r');
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe('ws://lab.test/ws/terminal/remote-docker-engine');
    ws.open();
    expect(ws.inputs()).toEqual([]);
    expect(l.queued).toBeGreaterThan(0);
    ws.deliver(frames.snapshot(80, 24, 'root@remote-docker-engine:~# '));
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.inputs()).toEqual(['docker run -d --name web nginx\r']);
    expect(l.queued).toBe(0);
    // Open now: typing goes straight out.
    l.input('x');
    expect(ws.inputs()).toEqual(['docker run -d --name web nginx\r', 'x']);
    l.dispose();
  });

  it('waits for the prompt after the snapshot, then for at most PROMPT_WAIT_MS', async () => {
    prompt = false;
    const l = link();
    l.input('a\r'); // idle: before connect
    l.connect();
    const ws = FakeSocket.all[0]!;
    ws.open();
    ws.deliver(frames.snapshot(80, 24, ''));
    await vi.advanceTimersByTimeAsync(200);
    l.input('b\r'); // behind the queue, not before it
    await vi.advanceTimersByTimeAsync(200);
    expect(ws.inputs()).toEqual([]);
    prompt = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(ws.inputs()).toEqual(['a\rb\r']);

    // A shell whose prompt never matches still gets its input.
    prompt = false;
    ws.drop(1006);
    l.input('c\r');
    await vi.advanceTimersByTimeAsync(1_000);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    ws2.deliver(frames.snapshot(80, 24, 'weird> '));
    await vi.advanceTimersByTimeAsync(PROMPT_WAIT_MS - 100);
    expect(ws2.inputs()).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(ws2.inputs()).toEqual(['c\r']);
    l.dispose();
  });

  it('does not send input again on a reconnect', async () => {
    const l = link();
    l.connect();
    const ws = FakeSocket.all[0]!;
    ws.open();
    l.input('early\r');
    ws.deliver(frames.snapshot(80, 24, '# '));
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.inputs()).toEqual(['early\r']);
    ws.drop(1006);
    expect(l.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    const ws2 = FakeSocket.all[1]!;
    ws2.open();
    ws2.deliver(frames.snapshot(80, 24, '# '));
    await vi.advanceTimersByTimeAsync(PROMPT_WAIT_MS * 2);
    expect(ws2.inputs()).toEqual([]);
    l.dispose();
  });

  it('forgets queued input when the terminal is replaced, gone or disconnected, and caps the queue', async () => {
    for (const code of [CloseCode.Replaced, CloseCode.Gone, CloseCode.Ended]) {
      FakeSocket.all = [];
      const l = link();
      l.connect();
      l.input('lost\r');
      FakeSocket.all[0]!.drop(code);
      expect(l.queued).toBe(0);
      l.connect();
      const ws = FakeSocket.all[1]!;
      ws.open();
      ws.deliver(frames.snapshot(80, 24, '# '));
      await vi.advanceTimersByTimeAsync(PROMPT_WAIT_MS * 2);
      expect(ws.inputs(), String(code)).toEqual([]);
      l.dispose();
    }
    const l = link();
    l.input('x'.repeat(MAX_QUEUED_CHARS));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    l.input('y');
    expect(l.queued).toBe(MAX_QUEUED_CHARS);
    expect(warn).toHaveBeenCalledOnce();
    l.disconnect();
    expect(l.queued).toBe(0);
    l.dispose();
  });
});
