import { describe, expect, it } from 'vitest';
import { readArgs } from './args.ts';

const OPTIONS = {
  jobs: { type: 'string', short: 'j' },
  commands: { type: 'string', needs: 'a file' },
  json: { type: 'boolean' },
} as const;

describe('readArgs', () => {
  it('reads options in every spelling, and positionals anywhere', () => {
    expect(readArgs(['a', '--jobs', '2', 'b', '--json', '--commands=f.txt'], OPTIONS)).toEqual({
      values: { jobs: '2', json: true, commands: 'f.txt' }, positionals: ['a', 'b'],
    });
    expect(readArgs(['-j', '3'], OPTIONS)).toEqual({ values: { jobs: '3' }, positionals: [] });
    expect(readArgs(['-j4', '--jobs', '5'], OPTIONS)).toEqual({ values: { jobs: '5' }, positionals: [] });
    expect(readArgs(['a', '--', '--json'], OPTIONS)).toEqual({ values: {}, positionals: ['a', '--json'] });
    expect(readArgs([], OPTIONS)).toEqual({ values: {}, positionals: [] });
  });

  it('words problems as the CLIs do', () => {
    expect(readArgs(['--bogus'], OPTIONS)).toBe('unknown option --bogus');
    expect(readArgs(['a', '-x'], OPTIONS)).toBe('unknown option -x');
    expect(readArgs(['--jobs'], OPTIONS)).toBe('--jobs needs a value');
    expect(readArgs(['-j'], OPTIONS)).toBe('-j needs a value');
    expect(readArgs(['--commands'], OPTIONS)).toBe('--commands needs a file');
    expect(readArgs(['--json=yes'], OPTIONS)).toBe('--json takes no value');
    expect(readArgs(['--bogus', '--jobs'], OPTIONS)).toBe('unknown option --bogus'); // the first, in argv order
  });

  it('takes a value that starts with -- only when asked to, or inline', () => {
    expect(readArgs(['--jobs', '--json'], OPTIONS)).toBe('--jobs needs a value');
    expect(readArgs(['--jobs', '-1'], OPTIONS)).toEqual({ values: { jobs: '-1' }, positionals: [] });
    expect(readArgs(['--jobs=--json'], OPTIONS)).toEqual({ values: { jobs: '--json' }, positionals: [] });
    expect(readArgs(['--commands', '--json'], OPTIONS, { dashedValues: true })).toEqual({ values: { commands: '--json' }, positionals: [] });
  });

  it('does not take inherited names for options', () => {
    expect(readArgs(['--toString'], OPTIONS)).toBe('unknown option --toString');
  });
});
