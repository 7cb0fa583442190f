import assert from 'node:assert';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/log.ts';
import { lastResortHandler, survivable } from './lastResort.ts';

const caught = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
};

describe('the last resort', () => {
  it('survives one request or socket failing, not a broken invariant', () => {
    expect(survivable(caught(() => new URL('http://[')))).toBe(true); // ERR_INVALID_URL
    expect(survivable(caught(() => decodeURIComponent('%E0%A4%A')))).toBe(true); // URIError
    expect(survivable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(survivable(Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' }))).toBe(true);
    expect(survivable(caught(() => assert.ok(false, 'two owners for one sandbox')))).toBe(false); // ERR_ASSERTION
    expect(survivable(new Error('a terminal without a sandbox'))).toBe(false);
    expect(survivable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(survivable(Object.assign(new Error('x'), { code: 42 }))).toBe(false);
    expect(survivable('a string')).toBe(false);
    expect(survivable(undefined)).toBe(false);
  });

  it('logs either way and exits 1 only for a broken invariant', () => {
    const lines: [string, Record<string, unknown> | undefined][] = [];
    const log: Logger = { debug() {}, info() {}, warn() {}, error: (m, d) => lines.push([m, d]), child: () => log };
    const exits: number[] = [];
    const handle = lastResortHandler(log, (code) => exits.push(code));
    handle(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), 'uncaughtException');
    expect(exits).toEqual([]);
    handle(new Error('a terminal without a sandbox'), 'unhandledRejection');
    expect(exits).toEqual([1]);
    expect(lines.map(([m, d]) => [m, d?.origin])).toEqual([
      ['uncaught error survived (a bug: it should have been caught where it happened)', 'uncaughtException'],
      ['broken invariant: exiting', 'unhandledRejection'],
    ]);
    expect(String(lines[1]![1]!.error)).toMatch(/^Error: a terminal without a sandbox\n\s+at /);
  });
});
