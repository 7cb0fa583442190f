import { describe, expect, it } from 'vitest';
import { addressesFor, freeIndex } from './addresses.ts';

describe('sandbox addresses', () => {
  it('gives fixed roles inside the /24', () => {
    expect(addressesFor(7)).toEqual({ subnet: '10.213.7.0/24', gateway: '10.213.7.1', mirror: '10.213.7.2', node1: '10.213.7.3', remote: '10.213.7.4' });
  });
  it('rejects an index outside the pool', () => {
    expect(() => addressesFor(256)).toThrow(/\[0, 256\)/);
  });
  it('skips used subnets and wraps around', () => {
    expect(freeIndex(['10.213.0.0/24', '10.213.1.0/24', '172.17.0.0/16'])).toBe(2);
    expect(freeIndex(['10.213.255.0/24'], 255)).toBe(0);
    expect(freeIndex(Array.from({ length: 256 }, (_, i) => `10.213.${i}.0/24`))).toBeUndefined();
  });
});
