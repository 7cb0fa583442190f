import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../common/api.ts';
import { Emitter } from '../common/lifecycle.ts';
import type { Learners } from '../learners/learners.ts';
import type { Admission, AdmissionChange } from '../sandbox/admission.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import type { Workshops } from '../workshops/workshops.ts';
import { LabMetrics } from './labMetrics.ts';

const SECRET = 'x'.repeat(32);

function lab(opts: { engineUp?: boolean; running?: number; waiting?: number } = {}) {
  const events = new Emitter<{ learner: string; event: ServerEvent }>();
  const changes = new Emitter<AdmissionChange>();
  const admission = { slots: 4, running: opts.running ?? 1, creating: 1, waiting: opts.waiting ?? 0, onChange: changes.event } as unknown as Admission;
  const sandboxes = {
    list: () => [{}, {}],
    engine: { host: 'unix:///e.sock', docker: { ping: () => (opts.engineUp === false ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve('OK')) } },
  } as unknown as Sandboxes;
  const terminals = {
    stats: () => [{ attached: true, viewers: 1, bytesOut: 100 }, { attached: false, viewers: 0, bytesOut: 20 }],
    bytesOutTotal: () => 5120,
  } as unknown as TerminalHub;
  const workshops = { admin: { verify: (t: unknown) => t === SECRET, session: (c: unknown) => c === 'cookie-ok' } } as unknown as Workshops;
  const learners = { onEvent: events.event } as unknown as Learners;
  const pool = { totals: () => ({ ready: 3, starting: 1, target: 5 }) };
  const imageBuilds = [{ image: 'node', seconds: 61.5 }];
  const m = new LabMetrics({ sandboxes, admission, learners, terminals, workshops, pool, imageBuilds, store: () => ({ ok: true, detail: 'db answers' }) });
  return { m, events, changes };
}

describe('LabMetrics', () => {
  it('counts check results by lesson, step and trigger, and their latency', async () => {
    const { m, events } = lab();
    const check = (status: 'passed' | 'not-yet', auto: boolean, durationMs: number) =>
      events.fire({ learner: 'l', event: { type: 'check', lesson: 'private-registry', step: 1, auto, result: { status, passed: status === 'passed', durationMs } } as ServerEvent });
    check('not-yet', false, 40);
    check('not-yet', true, 30);
    check('passed', false, 700);
    const text = (await m.metrics()).body;
    expect(text).toContain('shiplab_checks_total{lesson="private-registry",step="2",status="not-yet",trigger="manual"} 1');
    expect(text).toContain('shiplab_checks_total{lesson="private-registry",step="2",status="passed",trigger="manual"} 1');
    expect(text).toContain('shiplab_checks_total{lesson="private-registry",step="2",status="not-yet",trigger="auto"} 1');
    expect(text).toContain('shiplab_check_duration_seconds_bucket{le="0.05",lesson="private-registry",step="2"} 2');
    expect(text).toContain('shiplab_check_duration_seconds_count{lesson="private-registry",step="2"} 3');
    m.dispose();
  });

  it('reads sandboxes, terminals and the admission line when scraped, and times the wait in line', async () => {
    const { m, changes } = lab({ running: 3, waiting: 2 });
    changes.fire({ kind: 'queued', owner: 'a' });
    changes.fire({ kind: 'granted', owner: 'a' });
    changes.fire({ kind: 'queued', owner: 'b' });
    changes.fire({ kind: 'withdrawn', owner: 'b' });
    changes.fire({ kind: 'refused', owner: 'c', reason: 'full' });
    changes.fire({ kind: 'refused', owner: 'd', reason: 'full' });
    const text = (await m.metrics()).body;
    expect(text).toContain('shiplab_sandboxes{state="running"} 3');
    expect(text).toContain('shiplab_sandboxes{state="waiting"} 2');
    expect(text).toContain('shiplab_sandboxes_known 2');
    expect(text).toContain('shiplab_admission_slots 4');
    expect(text).toContain('shiplab_admission_wait_seconds_count 1');
    expect(text).toContain('shiplab_admission_refusals_total{reason="full"} 2');
    expect(text).toContain('shiplab_pool_spares{state="ready"} 3');
    expect(text).toContain('shiplab_pool_spares{state="target"} 5');
    expect(text).toContain('shiplab_terminals{state="attached"} 1');
    expect(text).toContain('shiplab_terminal_viewers 1');
    expect(text).toContain('shiplab_terminal_output_bytes_total 5120');
    expect(text).toContain('shiplab_image_build_seconds{image="node"} 61.5');
    expect(text).toMatch(/^shiplab_process_resident_memory_bytes \d+/m);
    m.dispose();
  });

  it('is ready with the engine, the store and a free place; names what is not', async () => {
    const up = lab();
    expect(Object.values(await up.m.ready()).every((c) => c.ok)).toBe(true);
    const down = lab({ engineUp: false, running: 3, waiting: 1 });
    const checks = await down.m.ready();
    expect(checks.engine).toEqual({ ok: false, detail: expect.stringContaining('ECONNREFUSED') });
    expect(checks.capacity).toEqual({ ok: false, detail: '0 of 4 sandbox places free, 1 waiting' });
    expect(checks.store!.ok).toBe(true);
    up.m.dispose();
    down.m.dispose();
  });

  it('lets the admin secret or an admin session read metrics, nothing else', () => {
    const { m } = lab();
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
    expect(m.authorized(req({ authorization: `Bearer ${SECRET}` }))).toBe(true);
    expect(m.authorized(req({ cookie: 'shiplab_admin=cookie-ok' }))).toBe(true);
    expect(m.authorized(req({ authorization: 'Bearer wrong' }))).toBe(false);
    expect(m.authorized(req({ authorization: `Basic ${SECRET}` }))).toBe(false);
    expect(m.authorized(req({}))).toBe(false);
    m.dispose();
  });
});
