/**
 * Sandbox subnets and fixed addresses. Shiplab picks each sandbox's /24 itself (rather than
 * letting the engine pick) so addresses are known before any container starts: the nodes'
 * daemon.json, /etc/hosts and the connection trace rules all need them.
 */

/** 10.213.0.0/16: 256 sandboxes of 254 addresses; unlikely to collide with a host's networks. */
export const POOL_PREFIX = '10.213';
export const POOL_SIZE = 256;

export interface SandboxAddresses {
  subnet: string;
  gateway: string;
  mirror: string;
  node1: string;
  remote: string;
}

export function addressesFor(index: number): SandboxAddresses {
  if (!Number.isInteger(index) || index < 0 || index >= POOL_SIZE) {
    throw new RangeError(`sandbox subnet index must be an integer in [0, ${POOL_SIZE}) (got ${index})`);
  }
  const base = `${POOL_PREFIX}.${index}`;
  return { subnet: `${base}.0/24`, gateway: `${base}.1`, mirror: `${base}.2`, node1: `${base}.3`, remote: `${base}.4` };
}

/** The lowest free index, given the subnets already in use on the engine. */
export function freeIndex(usedSubnets: Iterable<string>, start = 0): number | undefined {
  const used = new Set<number>();
  for (const s of usedSubnets) {
    const m = /^10\.213\.(\d+)\.0\/24$/.exec(s);
    if (m) used.add(Number(m[1]));
  }
  for (let i = 0; i < POOL_SIZE; i++) {
    const idx = (start + i) % POOL_SIZE;
    if (!used.has(idx)) return idx;
  }
  return undefined;
}
