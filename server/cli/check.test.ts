import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../core/config.ts';
import { parseCheckArgs } from './check.ts';

describe('parseCheckArgs', () => {
  it('reads a lesson, its options and their defaults', () => {
    expect(parseCheckArgs(['tiny', '--step', '2', '--commands', 'wrong.txt', '--json', '--lessons', 'some/dir'])).toEqual({
      lesson: 'tiny', step: 2, commands: 'wrong.txt', json: true, lessons: path.resolve('some/dir'),
    });
    expect(parseCheckArgs(['--answer', 'hello', 'tiny'])).toEqual({ lesson: 'tiny', answer: 'hello', json: false, lessons: path.join(ROOT, 'lessons') });
    expect(parseCheckArgs(['tiny', '--answer', '--json'])).toMatchObject({ answer: '--json', json: false });
  });

  it('says what is wrong with the arguments', () => {
    expect(parseCheckArgs(['tiny', '--commands', 'f', '--step', '0'])).toBe('--step needs a step number counted from 1 (not 0)');
    expect(parseCheckArgs(['tiny', '--commands', 'f', '--step', 'two'])).toBe('--step needs a step number counted from 1 (not two)');
    expect(parseCheckArgs(['tiny', '--commands', 'f', '--step'])).toBe('--step needs a step number counted from 1 (not nothing)');
    expect(parseCheckArgs(['tiny', '--commands'])).toBe('--commands needs a file');
    expect(parseCheckArgs(['tiny', '--answer'])).toBe('--answer needs a value');
    expect(parseCheckArgs(['tiny', '--commands', 'f', '--lessons'])).toBe('--lessons needs a folder');
    expect(parseCheckArgs(['tiny', '--commands', 'f', '--verbose'])).toBe('unknown option --verbose');
    expect(parseCheckArgs(['tiny', 'other', '--commands', 'f'])).toBe('one lesson at a time (got tiny and other)');
    expect(parseCheckArgs(['--commands', 'f'])).toBe('say which lesson: check <lesson> …');
    expect(parseCheckArgs(['tiny'])).toBe('--commands FILE is required (or --answer A for a question step)');
  });
});
