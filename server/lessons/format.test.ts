import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, loadLessons } from './format.ts';

const GOOD = path.join(import.meta.dirname, 'fixtures', 'good');

describe('loadLessons on a good folder', () => {
  it('reads lessons, steps, blocks, attempts and questions', async () => {
    const lessons = await loadLessons(GOOD);
    expect(lessons.map((l) => [l.id, l.problems.map(formatProblem)])).toEqual([
      ['first-steps', []],
      ['second-lesson', []],
    ]);
    const [first] = lessons;
    expect(first?.meta).toEqual({
      title: 'First steps', summary: 'Run a container and answer a question about it.', minutes: 5,
      nodes: ['node1', 'remote-docker-engine'], prerequisites: [], order: 10, next: 'second-lesson',
    });
    const [run, pid] = first!.steps;
    expect(run).toMatchObject({ index: 0, number: 1, id: '01-run', title: 'Run a container' });
    expect(run!.checkFile).toBe(path.join(GOOD, 'first-steps', '01-run.check.ts'));
    expect(run!.blocks).toEqual([
      { node: 'node1', code: 'docker run -d --name web nginx', line: 19 },
      { node: 'remote-docker-engine', code: 'docker -H=node1:2375 ps', line: 25 },
    ]);
    expect(run!.attempts).toEqual([
      { name: 'forgot -d and the name', commands: [{ node: 'node1', text: 'docker run busybox true' }], hint: 'not-running', line: 7 },
      {
        name: 'wrong image, on the remote engine too', hint: 'wrong-image', line: 11,
        commands: [
          { node: 'node1', text: 'docker run -d --name web busybox sleep 1000' },
          { node: 'remote-docker-engine', text: 'docker ps' },
        ],
      },
    ]);
    expect(pid).toMatchObject({ question: 'What is the host PID of web\'s PID 1?', answer: "docker inspect -f '{{.State.Pid}}' web" });
    expect(pid!.attempts[0]).toMatchObject({ answer: '1', commands: [], hint: 'wrong' });
  });
});

/** Copies the good fixture to a temp folder, applies one edit, loads it: one broken lesson per case. */
describe('loadLessons on broken lessons', () => {
  let tmp: string | undefined;
  afterEach(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  async function broken(edit: (dir: string) => void): Promise<string[]> {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-lessons-'));
    fs.cpSync(GOOD, tmp, { recursive: true });
    edit(path.join(tmp, 'first-steps'));
    const lessons = await loadLessons(tmp);
    const other = lessons.find((l) => l.id === 'second-lesson');
    expect(other?.problems ?? ['missing']).toEqual([]); // the other lesson is not taken down
    const first = lessons.find((l) => l.id === 'first-steps');
    return first!.problems.map(formatProblem).map((s) => s.replace(`${tmp}${path.sep}`, 'lessons/'));
  }
  const replace = (file: string, from: string | RegExp, to: string) => (dir: string) => {
    const p = path.join(dir, file);
    const before = fs.readFileSync(p, 'utf8');
    const after = before.replace(from, to);
    if (after === before) throw new Error(`fixture edit did not apply to ${file}`);
    fs.writeFileSync(p, after);
  };

  it.each([
    ['an attempt naming an unknown hint', replace('01-run.md', 'hint: not-running', 'hint: nope'),
      'lessons/first-steps/01-run.md:10: attempts[0].hint "nope" is not in hints (known: not-running, wrong-image)'],
    ['an unknown front-matter key', replace('lesson.md', 'order: 10', 'order: 10\ncolour: blue'),
      'lessons/first-steps/lesson.md:7: unknown key "colour" (known: title, summary, minutes, nodes, prerequisites, order, next)'],
    ['an unknown key in an attempt', replace('01-run.md', '    hint: not-running', '    hint: not-running\n    hnit: x'),
      'lessons/first-steps/01-run.md:11: unknown key "attempts[0].hnit" (known: name, commands, answer, hint)'],
    ['a missing required key', replace('lesson.md', 'summary: Run a container and answer a question about it.\n', ''),
      'lessons/first-steps/lesson.md:2: missing required key "summary"'],
    ['a wrong type', replace('lesson.md', 'minutes: 5', 'minutes: five'),
      'lessons/first-steps/lesson.md:4: minutes must be a number (not a string "five")'],
    ['nodes naming an unknown node', replace('lesson.md', 'nodes: [node1, remote-docker-engine]', 'nodes: [node1, node2]'),
      'lessons/first-steps/lesson.md:5: nodes[1] "node2" is not a node (known: node1, remote-docker-engine)'],
    ['next naming an unknown lesson', replace('lesson.md', 'next: second-lesson', 'next: third-lesson'),
      'lessons/first-steps/lesson.md:7: next "third-lesson" is not another lesson (known: second-lesson)'],
    ['prerequisites naming an unknown lesson', replace('lesson.md', 'order: 10', 'order: 10\nprerequisites:\n  - zeroth'),
      'lessons/first-steps/lesson.md:8: prerequisites[0] "zeroth" is not another lesson (known: second-lesson)'],
    ['a step without its check', (dir: string) => fs.rmSync(path.join(dir, '02-pid.check.ts')),
      'lessons/first-steps/02-pid.md: missing 02-pid.check.ts beside the step (export default defineCheck(…))'],
    ['a check without its step', (dir: string) => fs.writeFileSync(path.join(dir, '03-gone.check.ts'), ''),
      'lessons/first-steps/03-gone.check.ts: a check with no step: there is no 03-gone.md beside it'],
    ['a runnable block naming an unknown node', replace('01-run.md', '```bash @node1', '```bash @node9'),
      'lessons/first-steps/01-run.md:19: runnable block names unknown node "node9" (known: node1, remote-docker-engine)'],
    ['a runnable block on a node the lesson does not use', replace('lesson.md', 'nodes: [node1, remote-docker-engine]', 'nodes: [node1]'),
      'lessons/first-steps/01-run.md:25: runnable block runs on remote-docker-engine, which is not in lesson.md nodes (node1)'],
    ['a question step without answer', replace('02-pid.md', /answer: docker inspect.*\n/, ''),
      'lessons/first-steps/02-pid.md:2: a question step needs "answer": a command whose output on node1 is the right answer'],
    ['duplicate step numbers', (dir: string) => fs.copyFileSync(path.join(dir, '02-pid.md'), path.join(dir, '02-again.md')),
      'lessons/first-steps/02-pid.md: step number 02 is used twice (02-again.md and 02-pid.md); number each step once'],
    ['a file that is not a step', (dir: string) => fs.writeFileSync(path.join(dir, 'notes.md'), 'x'),
      'lessons/first-steps/notes.md: not a step: step files are named NN-slug.md (like 02-tag-and-push.md); the others are lesson.md and recap.md'],
    ['invalid YAML', replace('01-run.md', 'title: Run a container', 'title: Run: a container'),
      'lessons/first-steps/01-run.md:2: front matter is not valid YAML:'],
    ['a key given twice', replace('01-run.md', 'hints:', 'title: again\nhints:'),
      'lessons/first-steps/01-run.md:3: front matter is not valid YAML: Map keys must be unique'],
    ['no front matter', replace('02-pid.md', /^---\n/, ''),
      'lessons/first-steps/02-pid.md:1: missing front matter'],
    ['an attempt on a node the lesson does not use', replace('lesson.md', 'nodes: [node1, remote-docker-engine]', 'nodes: [node1]'),
      'lessons/first-steps/01-run.md:12: attempts[1].commands runs on remote-docker-engine, which is not in lesson.md nodes (node1)'],
    ['a step with nothing to run', replace('01-run.md', /```bash @[\s\S]*?```/g, ''),
      'lessons/first-steps/01-run.md:17: '],
    ['missing lesson.md', (dir: string) => fs.rmSync(path.join(dir, 'lesson.md')),
      'lessons/first-steps/lesson.md: missing lesson.md'],
  ])('reports %s with file and line', async (_name, edit, expected) => {
    const problems = await broken(edit);
    expect(problems.some((p) => p.startsWith(expected)), `${expected}\nnot in:\n${problems.join('\n')}`).toBe(true);
  });

  it('reports every problem, not only the first', async () => {
    const problems = await broken((dir) => {
      replace('lesson.md', 'minutes: 5', 'minutes: -1')(dir);
      replace('01-run.md', 'hint: wrong-image', 'hint: nope')(dir);
    });
    expect(problems).toEqual([
      'lessons/first-steps/lesson.md:4: minutes must be more than 0 (not -1)',
      'lessons/first-steps/01-run.md:15: attempts[1].hint "nope" is not in hints (known: not-running, wrong-image)',
    ]);
  });
});
