import { describe, expect, it } from 'vitest';
import { commandLines, formatDuration } from './dom.ts';

describe('page helpers', () => {
  it('formats the time left', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(-5_000)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(2 * 3600_000 - 1)).toBe('1:59:59');
  });

  it('splits a runnable block into the lines to type', () => {
    expect(commandLines('docker ps\r\ndocker ps -a\n\n')).toEqual(['docker ps', 'docker ps -a']);
    expect(commandLines('docker run \\\n  busybox')).toEqual(['docker run \\', '  busybox']);
    expect(commandLines('')).toEqual([]);
  });
});
