/**
 * Admission on the real engine (issue 9, part 3): CLIENTS learners ask for a sandbox within
 * ARRIVAL_WINDOW_MS against a lab that holds CAPACITY sandboxes at once. Each learner that gets
 * one keeps it HOLD_MS, then removes it. The server must stay responsive (the p99 of GET
 * /api/sandbox, polled throughout), never have more than CAPACITY sandboxes (the manager's list,
 * sampled) nor more than CREATES_AT_ONCE creates, hand places out first come first served, create
 * nothing twice, refuse the overflow with "the lab is full", and leave nothing behind. It prints
 * the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLabServer } from '../../server/app/labApp.ts';
import { localEngineBackend } from '../../server/app/sandboxBackend.ts';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { routes, type SandboxStatus } from '../../server/common/api.ts';
import { dataDir, ROOT } from '../../server/core/config.ts';
import { logger } from '../../server/core/log.ts';
import { loadLessonService } from '../../server/lessons/service.ts';
import { LabClient } from '../../server/robot/labClient.ts';
import { warningsOnly } from '../../server/robot/labHarness.ts';
import type { Sandboxes } from '../../server/sandbox/types.ts';
import { leftovers, NONE } from '../helpers/sandbox.ts';

const CLIENTS = Number(process.env.SHIPLAB_ADMISSION_CLIENTS ?? 60);
/** Low on purpose, so the line forms and drains within a few minutes on 2 cores. */
const CAPACITY = 3;
const CREATES_AT_ONCE = 2;
/** Fewer places in line than would form, so some learners get "the lab is full". */
const QUEUE_MAX = Number(process.env.SHIPLAB_ADMISSION_QUEUE_MAX ?? 30);
const ARRIVAL_WINDOW_MS = Number(process.env.SHIPLAB_ADMISSION_WINDOW_S ?? 60) * 1000;
/** How long each learner keeps its sandbox before removing it (a short lesson). */
const HOLD_MS = 5_000;
const PROBE_EVERY_MS = 100;
const SAMPLE_EVERY_MS = 50;
const READY_TIMEOUT_MS = 12 * 60_000;
const LESSON = 'welcome';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

type Outcome =
  | { kind: 'refused'; learner: string; status: number; error: string }
  | { kind: 'admitted'; learner: string; waited: boolean; positions: number[]; fullSeen: boolean; etas: { at: number; etaS: number; atMost: boolean }[]; askedAt: number; readyAt: number };

describe('admission', () => {
  it(`${CLIENTS} learners within ${ARRIVAL_WINDOW_MS / 1000} s against ${CAPACITY} places: responsive, bounded, in order, nothing twice, nothing left`, async () => {
    const manager = await openSandboxes({ adopt: false, log: warningsOnly(logger('sandbox')) });
    const service = await loadLessonService(path.join(ROOT, 'lessons'));
    const sessionsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-admission-'));
    // Counted on the way to the manager: creates per learner, and creates at once.
    const createsBy = new Map<string, number>();
    const made: string[] = [];
    let creating = 0;
    let mostCreating = 0;
    const counted: Sandboxes = {
      get engine() {
        return manager.engine;
      },
      async create(owner, onProgress) {
        createsBy.set(owner, (createsBy.get(owner) ?? 0) + 1);
        mostCreating = Math.max(mostCreating, ++creating);
        try {
          const info = await manager.create(owner, onProgress);
          made.push(info.id);
          return info;
        } finally {
          creating--;
        }
      },
      get: (id) => manager.get(id),
      list: () => manager.list(),
      touch: (id) => manager.touch(id),
      reassign: (id, owner) => manager.reassign(id, owner),
      extend: (id, expiresAt) => manager.extend(id, expiresAt),
      exec: (id, node, cmd, o) => manager.exec(id, node, cmd, o),
      tcpConnects: (id, from, to, port) => manager.tcpConnects(id, from, to, port),
      engineCreates: (id, from, to) => manager.engineCreates(id, from, to),
      catalogImage: (tag) => manager.catalogImage(tag),
      destroy: (id, reason) => manager.destroy(id, reason),
      onDestroyed: (l) => manager.onDestroyed(l),
      dispose: () => manager.dispose(),
    };
    const lab = await createLabServer({
      backend: localEngineBackend(counted, { dataDir: dataDir() }),
      lessons: service.bind(counted),
      host: '127.0.0.1',
      port: 0,
      dataDir: sessionsDir,
      staticDir: sessionsDir,
      capacity: { sandboxes: CAPACITY, createsAtOnce: CREATES_AT_ONCE, queueMax: QUEUE_MAX },
      // Every learner here comes from 127.0.0.1: per-client limits would only measure themselves.
      rates: { sessionsPerMin: Infinity, createsPerMin: Infinity },
      log: warningsOnly(logger('lab')),
    });

    // First come, first served, replayed from the line's own events.
    const line: string[] = [];
    const outOfOrder: string[] = [];
    lab.admission.onChange((c) => {
      if (c.kind === 'queued') line.push(c.owner!);
      else if (c.kind === 'withdrawn') line.splice(line.indexOf(c.owner!), 1);
      else if (c.kind === 'granted' && line.shift() !== c.owner) outOfOrder.push(c.owner!);
    });

    let mostRunning = 0;
    const sampler = setInterval(() => (mostRunning = Math.max(mostRunning, manager.list().length)), SAMPLE_EVERY_MS);
    const prober = await LabClient.open(lab.url);
    const latencies: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t = performance.now();
        const r = await prober.request('GET', routes.sandbox.path());
        latencies.push(performance.now() - t);
        expect(r.status).toBe(200);
        await sleep(PROBE_EVERY_MS);
      }
    })();

    const t0 = Date.now();
    const learner = async (i: number): Promise<Outcome> => {
      await sleep((i * ARRIVAL_WINDOW_MS) / CLIENTS);
      const c = await LabClient.open(lab.url);
      const events = c.events();
      try {
        await events.next((e) => e.type === 'sandbox', 10_000);
        const askedAt = Date.now();
        const asked = await c.request('POST', routes.sandbox.path(), { lesson: LESSON });
        if (asked.status !== 200) return { kind: 'refused', learner: c.learner, status: asked.status, error: (asked.body as { error: string }).error };
        let status = asked.body as SandboxStatus;
        // Asking again while starting or waiting answers with the same one.
        const again = await c.request('POST', routes.sandbox.path(), { lesson: LESSON });
        expect(again.status).toBe(200);
        expect((again.body as SandboxStatus).state).toMatch(/^(starting|ready)$/);
        const waited = status.queue !== undefined;
        const etas: { at: number; etaS: number; atMost: boolean }[] = [];
        // Places as the event stream told them, in the order the server sent them. The answers to
        // POST and GET are left out: an event sent before such an answer may be read after it
        // (the client buffers events), which looked like a place moving back (2, 1, 2).
        const positions: number[] = [];
        let fullSeen = false;
        const deadline = Date.now() + READY_TIMEOUT_MS;
        while (status.state === 'starting' && Date.now() < deadline) {
          if (status.queue) {
            etas.push({ at: Date.now(), etaS: status.queue.etaS, atMost: status.queue.atMost });
            fullSeen ||= status.queue.full;
          }
          const e = await events.next((ev) => ev.type === 'sandbox', 5_000);
          if (e?.type === 'sandbox' && e.status.queue) positions.push(e.status.queue.position);
          status = e?.type === 'sandbox' ? e.status : await c.sandbox();
        }
        expect(status.state, `learner ${i}: ${status.error ?? status.progress?.phase}`).toBe('ready');
        const readyAt = Date.now();
        await sleep(HOLD_MS);
        expect((await c.stopSandbox()).state).toBe('none');
        return { kind: 'admitted', learner: c.learner, waited, positions, fullSeen, etas, askedAt, readyAt };
      } finally {
        events.close();
      }
    };

    // Every learner runs to its end before anything is closed; the first failure is reported after.
    let settled: PromiseSettledResult<Outcome>[] = [];
    try {
      settled = await Promise.allSettled(Array.from({ length: CLIENTS }, (_, i) => learner(i)));
    } finally {
      probing = false;
      await probe;
      clearInterval(sampler);
      await lab.close();
      for (const s of manager.list()) await manager.destroy(s.id, 'requested');
    }

    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const outcomes = settled.map((r) => (r as PromiseFulfilledResult<Outcome>).value);
    const admitted = outcomes.filter((o) => o.kind === 'admitted');
    const refused = outcomes.filter((o) => o.kind === 'refused');
    const queued = admitted.filter((o) => o.waited);
    const lastReadyS = (Math.max(...admitted.map((o) => o.readyAt)) - t0) / 1000;
    const waits = queued.map((o) => (o.readyAt - o.askedAt) / 1000);
    // How far off the estimates were: the first one a learner saw, and the last before its turn (seconds, + = later than said).
    // An "at most" one (nobody had left yet: the time limits bound it) is counted apart.
    const off = (o: (typeof queued)[number], e: { at: number; etaS: number }) => (o.readyAt - e.at) / 1000 - e.etaS;
    const firstAbout = queued.filter((o) => !o.etas[0]!.atMost);
    const firstOff = firstAbout.map((o) => off(o, o.etas[0]!));
    const lastOff = queued.map((o) => off(o, o.etas.at(-1)!));
    console.log(
      [
        `admission: ${CLIENTS} learners in ${ARRIVAL_WINDOW_MS / 1000} s, ${CAPACITY} places, ${CREATES_AT_ONCE} creates at once, ${QUEUE_MAX} places in line`,
        `  admitted ${admitted.length} (at once ${admitted.length - queued.length}, after waiting in line ${queued.length}), refused "full" ${refused.length}`,
        `  most sandboxes at once ${mostRunning}, most creates at once ${mostCreating}, sandboxes made ${made.length}`,
        `  API GET /api/sandbox: ${latencies.length} requests, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
        `  wait in line: median ${percentile(waits, 50).toFixed(1)} s, max ${Math.max(0, ...waits).toFixed(1)} s`,
        `  ready minus estimate: first seen ("about", ${firstAbout.length} learners) median ${percentile(firstOff, 50).toFixed(1)} s (p10 ${percentile(firstOff, 10).toFixed(1)}, p90 ${percentile(firstOff, 90).toFixed(1)}); last before its turn median ${percentile(lastOff, 50).toFixed(1)} s (p10 ${percentile(lastOff, 10).toFixed(1)}, p90 ${percentile(lastOff, 90).toFixed(1)}); first was "at most" (time limits) for ${queued.length - firstAbout.length}`,
        `  time to last sandbox ready: ${lastReadyS.toFixed(1)} s after the first learner arrived`,
      ].join('\n'),
    );

    expect(admitted.length + refused.length).toBe(CLIENTS);
    expect(mostRunning).toBeLessThanOrEqual(CAPACITY);
    expect(mostCreating).toBeLessThanOrEqual(CREATES_AT_ONCE);
    expect(outOfOrder).toEqual([]);
    for (const o of refused) {
      expect(o.status).toBe(503);
      expect(o.error).toMatch(/^The lab is full: \d+ sandboxes running and \d+ learners in line/);
    }
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.some((o) => o.fullSeen)).toBe(true);
    for (const o of queued) expect(o.positions).toEqual([...o.positions].sort((a, b) => b - a)); // a place only moves up
    for (const o of admitted) expect(createsBy.get(o.learner)).toBe(1);
    for (const o of refused) expect(createsBy.get(o.learner)).toBeUndefined();
    expect(made.length).toBe(admitted.length);
    // A responsive server: every learner's page polls and streams; GET stays fast beside 2 creates.
    expect(percentile(latencies, 99)).toBeLessThan(1_000);
    // The estimate just before a learner's turn is one create: it should be close.
    expect(Math.abs(percentile(lastOff, 50))).toBeLessThan(30);

    expect(manager.list()).toEqual([]);
    expect(await leftovers(manager.engine.docker, made)).toEqual(NONE);
    await manager.dispose();
    fs.rmSync(sessionsDir, { recursive: true, force: true });
  }, 20 * 60_000);
});
