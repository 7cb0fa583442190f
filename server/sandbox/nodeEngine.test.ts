import { describe, expect, it } from 'vitest';
import { nodeEngineSocket } from './nodeEngine.ts';

describe('nodeEngineSocket', () => {
  it('goes through the node root to /run, not /var/run', () => {
    expect(nodeEngineSocket(1234)).toBe('/proc/1234/root/run/docker.sock');
  });
});
