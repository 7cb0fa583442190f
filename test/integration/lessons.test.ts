/**
 * The lesson validator and the check CLI against real sandboxes, on two fixture lessons: one
 * sound (both nodes, a heredoc, a question step, wrong attempts), one whose attempt expects a
 * hint its check never gives. Ends by asserting that no sandbox is left behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { runCheckCommand } from '../../server/cli/check.ts';
import { ensureEngine } from '../../server/engine/engine.ts';
import { loadLessonService, type LoadedLessonService } from '../../server/lessons/service.ts';
import { validateLessons, type ValidationReport } from '../../server/robot/validate.ts';
import { openLab } from '../../server/robot/labHarness.ts';
import type { CheckResult } from '../../server/common/api.ts';
import { leftovers, NONE } from '../helpers/sandbox.ts';

const LESSONS = path.join(import.meta.dirname, '..', '..', 'server', 'lessons', 'fixtures', 'live');

describe('lesson validation on real sandboxes', () => {
  let service: LoadedLessonService;
  let out: string;
  let report: ValidationReport;
  const lines: string[] = [];
  const sandboxIds = () => lines.flatMap((l) => /sandbox (\w+) ready/.exec(l)?.[1] ?? []);
  const autoIds: string[] = [];

  beforeAll(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-validate-test-'));
    service = await loadLessonService(LESSONS);
    const lab = await openLab(service);
    try {
      report = await validateLessons({
        service, lab: { url: lab.server.url, sandboxes: lab.sandboxes }, jobs: 2, outDir: out, print: (l) => lines.push(l),
      });
    } finally {
      await lab.close();
    }
  });

  afterAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('passes a sound lesson: every step fails before and passes after its solution, attempts get their hints', () => {
    const tiny = report.cases.filter((c) => c.lesson === 'tiny');
    expect(tiny.map((c) => [c.name, c.outcome])).toEqual([
      ['step 1 "Hello": fails before its solution', 'ok'],
      ['step 1 "Hello": passes after its solution', 'ok'],
      ['step 1 "Hello": attempt "forgot --name" fails with hint no-name', 'ok'],
      ['step 2 "The note": fails before its solution', 'ok'],
      ['step 2 "The note": passes after its solution', 'ok'],
      ['step 2 "The note": attempt "guessed" fails with hint wrong', 'ok'],
    ]);
  });

  it('reports an attempt that does not get its hint, with expected and found', () => {
    const wrong = report.cases.filter((c) => c.lesson === 'tiny-wrong');
    expect(wrong.map((c) => [c.name, c.outcome])).toEqual([
      ['step 1 "A container named box": fails before its solution', 'ok'],
      ['step 1 "A container named box": passes after its solution', 'ok'],
      ['step 1 "A container named box": attempt "expects the wrong hint" fails with hint b', 'fail'],
    ]);
    expect(wrong[2]).toMatchObject({ expected: 'not-yet, hint b', found: 'not-yet, hint a: found no box' });
    expect(report.exitCode).toBe(1);
    expect(lines.some((l) => l.startsWith('FAIL tiny-wrong › step 1'))).toBe(true);
  });

  it('writes JUnit XML and one asciicast per run', () => {
    const xml = fs.readFileSync(path.join(out, 'junit.xml'), 'utf8');
    expect(xml).toContain('<testsuites name="lessons" tests="9" failures="1" skipped="0"');
    const casts = fs.readdirSync(path.join(out, 'casts')).sort();
    expect(casts).toEqual(['tiny-solution.cast', 'tiny-step01-forgot-name.cast', 'tiny-step02-guessed.cast', 'tiny-wrong-solution.cast', 'tiny-wrong-step01-expects-the-wrong-hint.cast']);
    const [header, ...events] = fs.readFileSync(path.join(out, 'casts', 'tiny-solution.cast'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ version: 2, width: 120, height: 32 });
    const text = events.map((e: [number, string, string]) => e[2]).join('');
    expect(text).toContain('root@node1:~# docker run --name hello busybox echo hello');
    expect(text).toContain('hello from a heredoc');
    expect(text).toContain('root@remote-docker-engine:~# ');
  });

  it('check CLI: runs one attempt and says not passed (1), passed (0), or bad input (2)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-check-test-'));
    try {
      const wrong = path.join(dir, 'wrong.txt');
      fs.writeFileSync(wrong, 'docker run busybox echo hello\n');
      expect(await runCheckCommand(['tiny', '--step', '1', '--commands', wrong, '--json', '--lessons', LESSONS])).toBe(1);
      expect(await runCheckCommand(['tiny', '--step', '2', '--answer', 'hello from a heredoc', '--lessons', LESSONS])).toBe(0);
      expect(await runCheckCommand(['nope', '--commands', wrong, '--lessons', LESSONS])).toBe(2);
      expect(await runCheckCommand(['tiny', '--step', '9', '--commands', wrong, '--lessons', LESSONS])).toBe(2);
      expect(await runCheckCommand(['tiny', '--commands', path.join(dir, 'missing.txt'), '--lessons', LESSONS])).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('auto-checks: an engine event in the sandbox brings the pass within a second or two', async () => {
    const sandboxes = await openSandboxes({ adopt: false });
    try {
      const sb = await sandboxes.create('lessons-test');
      autoIds.push(sb.id);
      const results: [number, CheckResult][] = [];
      const watch = service.bind(sandboxes).watch('tiny', sb, () => [], (step, r) => results.push([step, r]));
      try {
        await new Promise((r) => setTimeout(r, 1_000)); // the first look: not reported
        expect(results).toEqual([]);
        const run = await sandboxes.exec(sb.id, 'node1', ['docker', 'run', '--name', 'hello', 'busybox', 'echo', 'hello'], { timeoutMs: 60_000 });
        expect(run.exitCode).toBe(0);
        const t0 = Date.now();
        while (!results.some(([, r]) => r.passed) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
        expect(results.find(([, r]) => r.passed)).toMatchObject([0, { status: 'passed' }]);
        // The first look ran at 0 s and the tick comes at 5 s; the pass came from the engine's event
        // stream (through /proc/<pid>/root/run/docker.sock): debounce (400 ms) plus one check.
        expect(Date.now() - t0).toBeLessThan(1_500);
      } finally {
        await watch.dispose();
        await sandboxes.destroy(sb.id, 'requested');
      }
    } finally {
      await sandboxes.dispose();
    }
  });

  it('leaves no sandbox behind', async () => {
    const ids = [...sandboxIds(), ...autoIds];
    expect(ids.length).toBe(6);
    const engine = await ensureEngine();
    expect(await leftovers(engine.docker, ids)).toEqual(NONE);
  });
});
