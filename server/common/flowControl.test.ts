import { describe, expect, it } from 'vitest';
import { ACK_CHUNK_BYTES, AckCounter, FlowController, HIGH_WATERMARK_BYTES, LOW_WATERMARK_BYTES } from './flowControl.ts';

describe('flow control', () => {
  it('keeps the ack chunk within the low watermark (or the terminal never resumes)', () => {
    expect(ACK_CHUNK_BYTES).toBeLessThanOrEqual(LOW_WATERMARK_BYTES);
    expect(LOW_WATERMARK_BYTES).toBeLessThan(HIGH_WATERMARK_BYTES);
  });

  it('pauses at the high watermark and resumes below the low one', () => {
    const fc = new FlowController();
    expect(fc.sent(HIGH_WATERMARK_BYTES - 1)).toBe(false);
    expect(fc.paused).toBe(false);
    expect(fc.sent(1)).toBe(true);
    expect(fc.paused).toBe(true);
    expect(fc.sent(10)).toBe(false); // already paused: no second pause signal
    expect(fc.acked(HIGH_WATERMARK_BYTES - LOW_WATERMARK_BYTES)).toBe(false); // exactly LOW + 10 left
    expect(fc.acked(10)).toBe(false); // == LOW: not below yet
    expect(fc.acked(1)).toBe(true);
    expect(fc.paused).toBe(false);
    expect(fc.maxUnacked).toBe(HIGH_WATERMARK_BYTES + 10);
  });

  it('clamps over-acknowledgement and resets', () => {
    const fc = new FlowController(100, 10);
    fc.sent(150);
    expect(fc.acked(1000)).toBe(true);
    expect(fc.unacked).toBe(0);
    fc.sent(200);
    expect(fc.reset()).toBe(true);
    expect(fc.unacked).toBe(0);
    expect(() => new FlowController(10, 20)).toThrow(/watermarks/);
  });

  it('always resumes when a client acks in chunks (simulated flood)', () => {
    const fc = new FlowController();
    const client = new AckCounter();
    let sentTotal = 0;
    // The server sends odd-sized batches until paused; the client renders everything it got.
    for (let round = 0; round < 50; round++) {
      const inFlight: number[] = [];
      while (!fc.paused) {
        const n = Math.min(fc.room || 1, 4096 + ((round * 7919) % 60000));
        inFlight.push(n);
        sentTotal += n;
        fc.sent(n);
      }
      expect(fc.unacked).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
      for (const n of inFlight) {
        const ack = client.rendered(n);
        if (ack) fc.acked(ack);
      }
      expect(client.pending).toBeLessThan(ACK_CHUNK_BYTES);
      expect(fc.paused).toBe(false);
    }
    expect(sentTotal).toBeGreaterThan(50 * LOW_WATERMARK_BYTES);
  });

  it('acks in whole chunks on the client', () => {
    const c = new AckCounter(100);
    expect(c.rendered(60)).toBe(0);
    expect(c.rendered(60)).toBe(120);
    expect(c.pending).toBe(0);
    expect(c.rendered(99)).toBe(0);
    c.reset();
    expect(c.pending).toBe(0);
  });
});
