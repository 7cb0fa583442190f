import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { loadLessonService } from './service.ts';

const GOOD = path.join(import.meta.dirname, 'fixtures', 'good');

const sandbox = {
  id: 'sb1',
  nodes: {
    node1: { name: 'node1', ip: '10.0.0.2', pid: 1, container: 'c1', containerId: 'c1' },
    'remote-docker-engine': { name: 'remote-docker-engine', ip: '10.0.0.3', pid: 1, container: 'c2', containerId: 'c2' },
  },
} as unknown as SandboxInfo;

/** Sandboxes whose node1 `echo` prints `out`: the fixture checks look only at that. */
function fakeSandboxes(out: string): Sandboxes {
  return {
    exec: async () => ({ exitCode: 0, stdout: `${out}\n`, stderr: '' }),
  } as unknown as Sandboxes;
}

describe('loadLessonService', () => {
  it('lists and renders lessons', async () => {
    const svc = await loadLessonService(GOOD);
    expect(svc.list().map((l) => [l.id, l.steps, l.error])).toEqual([
      ['first-steps', 2, undefined],
      ['second-lesson', 1, undefined],
    ]);
    const view = svc.view('first-steps')!;
    expect(view.introHtml).toContain('&lt;script&gt;');
    expect(view.recapHtml).toContain('href="/lessons/second-lesson"');
    expect(view.stepViews.map((s) => [s.index, s.id, s.title, s.question])).toEqual([
      [0, '01-run', 'Run a container', undefined],
      [1, '02-pid', 'Its PID', "What is the host PID of web's PID 1?"],
    ]);
    expect(view.stepViews[0]!.html).toContain('<pre class="code runnable" data-node="node1">');
    expect(svc.view('nope')).toBeUndefined();
  });

  it('runs a step check against the sandbox', async () => {
    expect(await (await loadLessonService(GOOD, fakeSandboxes('web'))).check('first-steps', 0, sandbox)).toMatchObject({ status: 'passed', found: 'web running' });
    expect(await (await loadLessonService(GOOD, fakeSandboxes('busybox'))).check('first-steps', 0, sandbox)).toMatchObject({
      status: 'not-yet', hint: { id: 'wrong-image', text: expect.stringContaining('another image') },
    });
  });

  it('passes the trimmed answer (or undefined) to question steps', async () => {
    const svc = await loadLessonService(GOOD, fakeSandboxes(''));
    expect(await svc.check('first-steps', 1, sandbox, ' 4242\n')).toMatchObject({ status: 'passed', found: '4242' });
    expect(await svc.check('first-steps', 1, sandbox, '1')).toMatchObject({ status: 'not-yet', hint: { id: 'wrong' } });
    expect(await svc.check('first-steps', 1, sandbox)).toMatchObject({ status: 'not-yet', found: 'nothing' }); // the check decides
  });

  it('answers bad requests with an error result, never a throw', async () => {
    const svc = await loadLessonService(GOOD, fakeSandboxes(''));
    expect(await svc.check('nope', 0, sandbox)).toMatchObject({ status: 'error', message: 'no lesson "nope"' });
    expect(await svc.check('first-steps', 5, sandbox)).toMatchObject({ status: 'error', message: expect.stringContaining('no step 5') });
    expect(await (await loadLessonService(GOOD)).check('first-steps', 0, sandbox)).toMatchObject({ status: 'error', message: expect.stringContaining('without them') });
  });
});
