import { describe, expect, it } from 'vitest';
import { defineCheck, notYet, passed, type CheckContext } from './checkApi.ts';
import { runCheck } from './runner.ts';

const step = { hints: { 'no-host': 'Tag it localhost:5000/my-image.', late: 'Later.' }, checkFile: 'lessons/x/01-a.check.ts' };
const context = (signal: AbortSignal) => ({ signal, answer: undefined }) as unknown as CheckContext;

describe('runCheck', () => {
  it('passes, with details', async () => {
    const r = await runCheck(step, defineCheck(() => passed({ found: 'my-image:latest' })), { context });
    expect(r).toMatchObject({ status: 'passed', passed: true, found: 'my-image:latest' });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fills the hint text from the step', async () => {
    const r = await runCheck(step, defineCheck(async () => notYet('no-host', { expected: 'a', found: 'b' })), { context });
    expect(r).toMatchObject({ status: 'not-yet', passed: false, expected: 'a', found: 'b', hint: { id: 'no-host', text: 'Tag it localhost:5000/my-image.' } });
  });

  it('reports an unknown hint id as an error naming it', async () => {
    const r = await runCheck(step, defineCheck(() => notYet('nope')), { context });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/hint "nope", which is not in the step's hints \(known: no-host, late\)/);
  });

  it('reports a throwing check as an error with its message and file', async () => {
    const r = await runCheck(step, defineCheck(async () => { throw new Error('connect ENOENT /proc/1/root/run/docker.sock'); }), { context });
    expect(r).toMatchObject({ status: 'error', passed: false });
    expect(r.message).toBe('the check failed: connect ENOENT /proc/1/root/run/docker.sock (lessons/x/01-a.check.ts)');
  });

  it('reports a check that returns nonsense', async () => {
    const r = await runCheck(step, defineCheck((() => 'yes') as never), { context });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/returned "yes", not passed/);
  });

  it('cuts off a slow check and aborts its signal', async () => {
    let aborted = false;
    const slow = defineCheck(async (ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      await new Promise((r) => setTimeout(r, 1_000));
      return passed();
    });
    const r = await runCheck(step, slow, { context, timeoutMs: 50 });
    expect(r).toMatchObject({ status: 'timeout', passed: false });
    expect(r.message).toMatch(/within 50 ms/);
    expect(r.durationMs).toBeLessThan(500);
    expect(aborted).toBe(true);
  });

  it('reports a context that cannot be built as an error', async () => {
    const r = await runCheck(step, defineCheck(() => passed()), { context: () => { throw new Error('sandbox gone'); } });
    expect(r).toMatchObject({ status: 'error', message: expect.stringContaining('sandbox gone') });
  });
});
