import { describe, expect, it } from 'vitest';
import { pathText, type FieldPath } from './frontMatter.ts';
import { LESSON_SCHEMA, STEP_SCHEMA, readFrontMatter } from './schema.ts';

function read(schema: typeof LESSON_SCHEMA | typeof STEP_SCHEMA, data: unknown) {
  const problems: string[] = [];
  const value = readFrontMatter(schema, data, (path: FieldPath, message: string) => problems.push(`${pathText(path) || '.'}: ${message}`));
  return { value, problems };
}

const LESSON = { title: 'T', summary: 'S', minutes: 5, nodes: ['node1'], order: 1 };

describe('readFrontMatter', () => {
  it('returns valid front matter as it is, with no problems', () => {
    expect(read(LESSON_SCHEMA, { ...LESSON, prerequisites: ['a'], next: 'b' })).toEqual({
      value: { ...LESSON, prerequisites: ['a'], next: 'b' }, problems: [],
    });
  });

  it('reports every problem at its path, unknown keys first, and keeps the valid fields', () => {
    const { value, problems } = read(LESSON_SCHEMA, { ...LESSON, title: 3, minutes: 0, colour: 'blue', nodes: ['node1', 7, 'node2', 'node1'] });
    expect(problems).toEqual([
      'colour: unknown key "colour" (known: title, summary, minutes, nodes, prerequisites, order, next)',
      'title: title must be a string (not a number 3)',
      'minutes: minutes must be more than 0 (not 0)',
      'nodes[1]: nodes[1] must be a string (not a number 7)',
      'nodes[2]: nodes[2] "node2" is not a node (known: node1, remote-docker-engine)',
      'nodes[3]: nodes[3] "node1" is listed twice',
    ]);
    expect(value).toEqual({ summary: 'S', nodes: ['node1', undefined, 'node2', 'node1'], order: 1 });
  });

  it('takes a key with no value as absent', () => {
    expect(read(LESSON_SCHEMA, { ...LESSON, summary: null, next: null }).problems).toEqual(['summary: missing required key "summary"']);
    expect(read(LESSON_SCHEMA, { ...LESSON, minutes: undefined }).problems).toEqual(['minutes: missing required key "minutes"']);
    expect(read(STEP_SCHEMA, { title: 'T', hints: null, attempts: null }).problems).toEqual([]);
  });

  it('reads steps: trimmed hints, numeric answers as text, attempts kept in place', () => {
    const { value, problems } = read(STEP_SCHEMA, {
      title: 'T',
      hints: { 'no-host': '  Push it.  ', Bad_Id: 'x', empty: ' ' },
      attempts: [
        { name: 'a', answer: 1, hint: 'no-host' },
        'not a map',
        { name: 'c', commands: 5, hint: 'no-host', hnit: 'x' },
      ],
    });
    expect(problems).toEqual([
      'hints.Bad_Id: hints.Bad_Id: hint ids are lowercase words joined by - (like no-host)',
      'hints.empty: hints.empty must be a non-empty string (not a string " ")',
      'attempts[1]: attempts[1] must be a map with name, commands and hint',
      'attempts[2].hnit: unknown key "attempts[2].hnit" (known: name, commands, answer, hint)',
      'attempts[2].commands: attempts[2].commands must be a string (not a number 5)',
    ]);
    expect(value).toEqual({
      title: 'T',
      hints: { 'no-host': 'Push it.' },
      attempts: [{ name: 'a', answer: '1', hint: 'no-host' }, undefined, { name: 'c', hint: 'no-host' }],
    });
  });

  it('words a list that is not a list', () => {
    expect(read(STEP_SCHEMA, { title: 'T', attempts: 'none' }).problems).toEqual(['attempts: attempts must be a list of { name, commands, hint }']);
    expect(read(STEP_SCHEMA, { title: 'T', hints: ['a'] }).problems).toEqual(['hints: hints must be a map of id: text (not a list)']);
    expect(read(LESSON_SCHEMA, { ...LESSON, nodes: [] }).problems).toEqual(['nodes: nodes is empty; name at least node1']);
  });
});
