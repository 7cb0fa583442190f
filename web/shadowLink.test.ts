import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../server/common/api.ts';
import { ACK_CHUNK_BYTES } from '../server/common/flowControl.ts';
import { decode, frames } from '../server/common/frames.ts';
import { SCREEN_AHEAD_BYTES } from '../server/common/terminalReceiver.ts';
import { isAckFrame, ShadowLink, type ShadowSocket } from './shadowLink.ts';

class FakeSocket implements ShadowSocket {
  binaryType = 'blob';
  readyState = 0;
  sent: Uint8Array[] = [];
  closed: number | undefined;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly path: string) {}
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closed = code;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(frame: Uint8Array): void {
    this.onmessage?.({ data: frame.slice().buffer });
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const screen: string[] = [];
  const link = new ShadowLink(
    '/ws/shadow/w1/a1/node1',
    {
      snapshot: (cols, rows, data, done) => {
        screen.push(`snapshot ${cols}x${rows} ${new TextDecoder().decode(data)}`);
        done();
      },
      output: (data, rendered) => {
        screen.push(`output ${data.length}`);
        rendered();
      },
      exit: (code) => screen.push(`exit ${code}`),
    },
    (path) => {
      const s = new FakeSocket(path);
      sockets.push(s);
      return s;
    },
  );
  return { link, sockets, screen };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ShadowLink', () => {
  it('shows the snapshot, then output, and sends nothing but acks', () => {
    const { link, sockets, screen } = setup();
    const states: string[] = [];
    link.onState((s) => states.push(s.state));
    link.connect();
    const ws = sockets[0]!;
    expect(ws.path).toBe('/ws/shadow/w1/a1/node1');
    expect(ws.binaryType).toBe('arraybuffer');
    ws.open();
    ws.deliver(frames.snapshot(80, 24, 'root@node1:~# '));
    expect(link.state).toBe('open');
    ws.deliver(frames.output(new Uint8Array(ACK_CHUNK_BYTES)));
    // The output reaches the screen in slices of SCREEN_AHEAD_BYTES.
    expect(screen).toEqual(['snapshot 80x24 root@node1:~# ', ...Array(ACK_CHUNK_BYTES / SCREEN_AHEAD_BYTES).fill(`output ${SCREEN_AHEAD_BYTES}`)]);
    // No resize on open, no input ever: exactly one frame, the ack for the rendered output.
    expect(ws.sent.map((f) => decode(f))).toEqual([{ type: 'ack', bytes: ACK_CHUNK_BYTES }]);
    expect(states).toEqual(['connecting', 'open']);
    expect('input' in link).toBe(false);
    expect('resize' in link).toBe(false);
    link.dispose();
    expect(ws.closed).toBe(1000);
  });

  it('lets only ack frames out', () => {
    expect(isAckFrame(frames.ack(10))).toBe(true);
    expect(isAckFrame(frames.input('ls\r'))).toBe(false);
    expect(isAckFrame(frames.resize(80, 24))).toBe(false);
    expect(isAckFrame(new Uint8Array(0))).toBe(false);
  });

  it('reconnects after a drop, waits when the shell or sandbox is gone, stops when refused', () => {
    vi.useFakeTimers();
    const { link, sockets } = setup();
    link.connect();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    expect(link.state).toBe('reconnecting');
    vi.advanceTimersByTime(300);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop(CloseCode.Gone);
    expect(link.state).toBe('waiting');
    vi.advanceTimersByTime(4_999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    sockets[2]!.drop(CloseCode.Unauthorized);
    expect(link.state).toBe('refused');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(3);
    link.dispose();
  });
});
