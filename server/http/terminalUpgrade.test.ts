import { describe, expect, it } from 'vitest';
import { closeReason, MAX_CLOSE_REASON_BYTES } from './terminalUpgrade.ts';

describe('closeReason', () => {
  it('keeps a reason that fits and cuts one that does not to the byte limit, whole characters only', () => {
    expect(closeReason('no sandbox is ready')).toBe('no sandbox is ready');
    const exact = 'x'.repeat(MAX_CLOSE_REASON_BYTES);
    expect(closeReason(exact)).toBe(exact);
    for (const long of ['x'.repeat(124), 'é'.repeat(100), '😀'.repeat(40), `no node "${'é'.repeat(40)}"; nodes are node1, remote-docker-engine`]) {
      const cut = closeReason(long);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
      expect(cut.endsWith('…')).toBe(true);
      expect(long.startsWith(cut.slice(0, -1))).toBe(true);
      expect(cut).not.toMatch(/\uFFFD/);
    }
  });
});
