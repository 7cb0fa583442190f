import { describe, expect, it } from 'vitest';
import { commandLines, formatDuration, formatWait, ordinal } from './dom.ts';

describe('page helpers', () => {
  it('formats the time left', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(-5_000)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(2 * 3600_000 - 1)).toBe('1:59:59');
  });

  it('names a place in line and a wait', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    expect([0, 20, 59.2, 60, 61, 3599, 3600, 4200].map(formatWait)).toEqual(['1 s', '20 s', '1 min', '1 min', '2 min', '1 h', '1 h', '1 h 10 min']);
  });

  it('splits a runnable block into the lines to type', () => {
    expect(commandLines('docker ps\r\ndocker ps -a\n\n')).toEqual(['docker ps', 'docker ps -a']);
    expect(commandLines('docker run \\\n  busybox')).toEqual(['docker run \\', '  busybox']);
    expect(commandLines('')).toEqual([]);
  });
});
