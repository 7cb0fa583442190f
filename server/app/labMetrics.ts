/**
 * The lab's operator view (server/http/opsRoutes.ts): readiness and Prometheus metrics
 * (prom-client), read from the capabilities the lab is wired from. Gauges are read when scraped
 * (admission counts, terminals); counters and histograms follow the events the capabilities
 * already publish (check results, the admission line), so nothing below knows of metrics.
 */
import type { IncomingMessage } from 'node:http';
import client from 'prom-client';
import { DisposableStore, type Disposable } from '../common/lifecycle.ts';
import { bearer, type Ops, type ReadyCheck } from '../http/opsRoutes.ts';
import { adminToken } from '../http/requestAuth.ts';
import type { ImageBuild } from '../images/catalog.ts';
import type { Learners } from '../learners/learners.ts';
import type { Admission } from '../sandbox/admission.ts';
import type { Sandboxes } from '../sandbox/types.ts';
import type { TerminalHub } from '../terminal/terminalHub.ts';
import type { WarmPool } from '../workshops/warmPool.ts';
import type { Workshops } from '../workshops/workshops.ts';

/** How long readiness waits for the engine's ping before calling it down, ms. */
const ENGINE_PING_TIMEOUT_MS = 2_000;

/** Check latencies, s: a check answers in well under a second, and is cut off at 5 s. */
const CHECK_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];
/** Waits in the admission line, s: from none to the minutes a full room queues. */
const WAIT_BUCKETS_S = [0.1, 1, 5, 15, 30, 60, 120, 300, 600];

export interface LabMetricsOptions {
  sandboxes: Sandboxes;
  admission: Admission;
  learners: Learners;
  terminals: TerminalHub;
  workshops: Workshops;
  pool: Pick<WarmPool, 'totals'>;
  /** The images this process built at its start. */
  imageBuilds: readonly ImageBuild[];
  /** Whether the lab's database answers (readiness). */
  store: () => ReadyCheck;
}

export class LabMetrics implements Ops, Disposable {
  readonly registry = new client.Registry();
  private readonly _store = new DisposableStore();
  private readonly _queuedAt = new Map<string, number>();

  constructor(private readonly _o: LabMetricsOptions) {
    const r = this.registry;
    // The process's own (CPU, memory, event-loop lag, GC), as shiplab_process_* and shiplab_nodejs_*.
    client.collectDefaultMetrics({ register: r, prefix: 'shiplab_' });
    const { admission, terminals, sandboxes } = _o;
    new client.Gauge({
      name: 'shiplab_sandboxes',
      help: 'Sandboxes by state: running (made and held by a learner or the pool), creating, waiting (learners in the admission line)',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.set({ state: 'running' }, admission.running);
        this.set({ state: 'creating' }, admission.creating);
        this.set({ state: 'waiting' }, admission.waiting);
      },
    });
    new client.Gauge({
      name: 'shiplab_sandboxes_known',
      help: 'Sandboxes the sandbox capability holds (adopted ones included)',
      registers: [r],
      collect() {
        this.set(sandboxes.list().length);
      },
    });
    new client.Gauge({
      name: 'shiplab_admission_slots',
      help: 'Sandboxes this host holds at once (from its memory, disk and CPUs, or the configured cap)',
      registers: [r],
      collect() {
        this.set(admission.slots);
      },
    });
    const refusals = new client.Counter({
      name: 'shiplab_admission_refusals_total',
      help: 'Sandbox requests refused, by reason: full (the line is as long as it may be), no-room (this host holds no sandbox at all)',
      labelNames: ['reason'],
      registers: [r],
    });
    const pool = _o.pool;
    new client.Gauge({
      name: 'shiplab_pool_spares',
      help: 'Warm-pool spares over all workshops: ready, starting, and the target',
      labelNames: ['state'],
      registers: [r],
      collect() {
        const t = pool.totals();
        this.set({ state: 'ready' }, t.ready);
        this.set({ state: 'starting' }, t.starting);
        this.set({ state: 'target' }, t.target);
      },
    });
    const wait = new client.Histogram({
      name: 'shiplab_admission_wait_seconds',
      help: 'Time from joining the admission line to being let in to create',
      buckets: WAIT_BUCKETS_S,
      registers: [r],
    });
    new client.Gauge({
      name: 'shiplab_terminals',
      help: 'Terminal shells by state: attached (a learner socket) or detached (in their grace period)',
      labelNames: ['state'],
      registers: [r],
      collect() {
        const stats = terminals.stats();
        const attached = stats.filter((s) => s.attached).length;
        this.set({ state: 'attached' }, attached);
        this.set({ state: 'detached' }, stats.length - attached);
      },
    });
    new client.Gauge({
      name: 'shiplab_terminal_viewers',
      help: 'Read-only viewers (instructor shadows) on terminals',
      registers: [r],
      collect() {
        this.set(terminals.stats().reduce((n, s) => n + s.viewers, 0));
      },
    });
    new client.Counter({
      name: 'shiplab_terminal_output_bytes_total',
      help: 'Output bytes the terminals sent to learners since this server started, ended terminals included',
      registers: [r],
      collect() {
        // The hub keeps the count; a counter cannot be set, so it is reset and raised to it.
        this.reset();
        this.inc(terminals.bytesOutTotal());
      },
    });
    const builds = new client.Gauge({
      name: 'shiplab_image_build_seconds',
      help: 'How long each image this process built at its start took (images already current are not listed)',
      labelNames: ['image'],
      registers: [r],
    });
    for (const b of _o.imageBuilds) builds.set({ image: b.image }, b.seconds);
    const checks = new client.Counter({
      name: 'shiplab_checks_total',
      help: 'Check results by lesson, step (1-based), status and trigger (manual: the learner pressed Check; auto: an engine event)',
      labelNames: ['lesson', 'step', 'status', 'trigger'],
      registers: [r],
    });
    const latency = new client.Histogram({
      name: 'shiplab_check_duration_seconds',
      help: 'How long checks took, by lesson and step (1-based)',
      labelNames: ['lesson', 'step'],
      buckets: CHECK_BUCKETS_S,
      registers: [r],
    });
    this._store.add(
      _o.learners.onEvent(({ event }) => {
        if (event.type !== 'check') return;
        // Lesson ids and step numbers come from the lesson files, never from a learner: a
        // bounded set of label values.
        const step = String(event.step + 1);
        checks.inc({ lesson: event.lesson, step, status: event.result.status, trigger: event.auto ? 'auto' : 'manual' });
        latency.observe({ lesson: event.lesson, step }, event.result.durationMs / 1000);
      }),
    );
    this._store.add(
      admission.onChange((c) => {
        if (c.kind === 'refused') return void refusals.inc({ reason: c.reason ?? 'full' });
        if (!c.owner) return;
        if (c.kind === 'queued') this._queuedAt.set(c.owner, performance.now());
        else if (c.kind === 'granted' || c.kind === 'withdrawn' || c.kind === 'left') {
          const at = this._queuedAt.get(c.owner);
          this._queuedAt.delete(c.owner);
          if (at !== undefined && c.kind === 'granted') wait.observe((performance.now() - at) / 1000);
        }
      }),
    );
  }

  authorized(req: IncomingMessage): boolean {
    const admin = this._o.workshops.admin;
    return admin.verify(bearer(req)) || admin.session(adminToken(req));
  }

  async metrics(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async ready(): Promise<Record<string, ReadyCheck>> {
    const { admission, sandboxes } = this._o;
    const engine = await Promise.race([
      sandboxes.engine.docker.ping().then(
        // No paths or addresses: probes answer any Host (opsRoutes.ts).
        () => ({ ok: true, detail: 'answers' }),
        (err: Error) => ({ ok: false, detail: `does not answer: ${err.message}` }),
      ),
      new Promise<ReadyCheck>((r) => setTimeout(() => r({ ok: false, detail: `no answer within ${ENGINE_PING_TIMEOUT_MS} ms` }), ENGINE_PING_TIMEOUT_MS).unref()),
    ]);
    const free = admission.slots - admission.running - admission.creating;
    return {
      engine,
      store: this._o.store(),
      // The server only listens once the host is prepared: images built, the mirror up.
      images: { ok: true, detail: 'built and served by the mirror (prepared before this server started)' },
      // Not ready for more when newcomers would only wait: every place taken and a line already.
      capacity: {
        ok: free > 0 || admission.waiting === 0,
        detail: `${Math.max(free, 0)} of ${admission.slots} sandbox places free, ${admission.waiting} waiting`,
      },
    };
  }

  dispose(): void {
    void this._store.dispose();
    this.registry.clear();
  }
}
