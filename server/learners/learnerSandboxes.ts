/**
 * Each learner's one sandbox as the page sees it: starting (waiting in line with a place and an
 * estimate, then with progress), ready (with its expiry), expired or failed. While a sandbox is
 * ready, the lesson's autocheck watches it and reports results on onAutoCheck (Learners records
 * and publishes them). After a server restart, sandboxes are found again by their owner
 * (SandboxInfo.owner is the learner id).
 *
 * Every create goes through the admission line (server/sandbox/admission.ts), and a learner has
 * at most one create in flight: a start while one is starting or waiting answers with that one; a
 * stop while waiting leaves the line at once, a stop while creating waits for the create to end
 * and then removes what it made; a start after such a stop waits for that create to end first.
 */
import type { CheckResult, NodeName, SandboxStatus } from '../common/api.ts';
import { isNodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';
import { DisposableStore, Emitter } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { LessonService } from '../lessons/types.ts';
import { Admission, type AdmissionTicket } from '../sandbox/admission.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import type { SessionStore } from './sessionStore.ts';

interface Entry {
  learner: string;
  lesson: string;
  state: 'starting' | 'ready' | 'expired' | 'failed';
  info?: SandboxInfo;
  progress?: { phase: string; percent: number };
  error?: string;
  /** DELETE arrived while starting: remove the sandbox as soon as it exists. */
  cancelled?: boolean;
  watch?: Disposable;
  /** While starting: the place in line, then the create lane. */
  ticket?: AdmissionTicket;
  /** While starting: settles when the create is over (its sandbox kept, or removed). */
  settled?: Promise<void>;
}

/** start()'s answer: the status, or why no sandbox can start now (the lab is full). */
export type StartResult = { ok: true; status: SandboxStatus } | { ok: false; error: string; retryAfterS: number };

export interface LearnerSandboxesOptions {
  sandboxes: Sandboxes;
  lessons: LessonService;
  store: SessionStore;
  log: Logger;
  /** The line every create waits in; default: no limit (tests over fakes). */
  admission?: Admission;
}

/** An autocheck result for the step `step` of the lesson the learner's sandbox is watched for. */
export interface AutoCheck {
  learner: string;
  lesson: string;
  step: number;
  result: CheckResult;
}

const noSandbox = (): SandboxStatus => ({ state: 'none', nodes: [] });

const DESTROYED_MESSAGES: Record<DestroyReason, string> = {
  requested: 'The sandbox was removed.',
  expired: 'The sandbox reached its time limit and was removed. Start a new one to continue.',
  idle: 'The sandbox was removed after a long time without activity. Start a new one to continue.',
  broken: 'The sandbox stopped working and was removed. Start a new one to continue.',
  shutdown: 'The server removed the sandbox while shutting down. Start a new one to continue.',
};

export class LearnerSandboxes implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _entries = new Map<string, Entry>();
  private readonly _o: LearnerSandboxesOptions;
  private readonly _admission: Admission;
  /** Per learner, the latest create still in flight (a cancelled one included): the next waits for it. */
  private readonly _inFlight = new Map<string, Promise<void>>();
  private readonly _onStatus = this._store.add(new Emitter<{ learner: string; status: SandboxStatus }>());
  private readonly _onAutoCheck = this._store.add(new Emitter<AutoCheck>());
  /** A learner's sandbox status changed (progress, ready, gone). */
  readonly onStatus = this._onStatus.event;
  /** The autocheck of a learner's current lesson has a result. */
  readonly onAutoCheck = this._onAutoCheck.event;

  constructor(opts: LearnerSandboxesOptions) {
    this._o = opts;
    this._admission = opts.admission ?? this._store.add(Admission.unlimited(opts.sandboxes));
    this._store.add(opts.sandboxes.onDestroyed((e) => this._onDestroyed(e.id, e.reason)));
    // The line moved: every learner still waiting has a new place or estimate.
    this._store.add(this._admission.onChange(() => {
      for (const e of this._entries.values()) if (e.ticket?.state === 'waiting') this._emit(e);
    }));
  }

  /** Finds the sandboxes that survived a server restart and gives them back to their learners. */
  adopt(): void {
    for (const info of this._o.sandboxes.list()) {
      const learner = this._o.store.get(info.owner);
      if (!learner || this._entries.has(learner.id)) continue;
      const lesson = learner.lesson && this._o.lessons.view(learner.lesson) ? learner.lesson : undefined;
      const entry: Entry = { learner: learner.id, lesson: lesson ?? '', state: 'ready', info };
      this._entries.set(learner.id, entry);
      if (lesson) this._startWatch(entry);
      this._o.log.info('adopted a sandbox after restart', { learner: learner.id, sandbox: info.id, lesson });
    }
  }

  status(learner: string): SandboxStatus {
    const e = this._entries.get(learner);
    if (!e) return noSandbox();
    if (e.state === 'ready' && e.info && !this._o.sandboxes.get(e.info.id)) {
      // Gone without an onDestroyed we saw (e.g. removed while we restarted).
      this._markGone(e, 'expired');
    }
    const nodes = e.info ? (Object.keys(e.info.nodes).filter(isNodeName) as NodeName[]) : [];
    return {
      state: e.state,
      id: e.info?.id,
      lesson: e.lesson || undefined,
      progress: e.state === 'starting' ? e.progress : undefined,
      queue: e.state === 'starting' && e.ticket ? this._admission.place(e.ticket) : undefined,
      expiresAt: e.state === 'ready' ? e.info?.expiresAt : undefined,
      nodes: e.state === 'ready' ? nodes : [],
      error: e.error,
    };
  }

  /** The learner's sandbox when it is ready to use, else undefined. */
  ready(learner: string): SandboxInfo | undefined {
    const e = this._entries.get(learner);
    if (e?.state !== 'ready' || !e.info) return undefined;
    return this._o.sandboxes.get(e.info.id) ? e.info : undefined;
  }

  /**
   * Starts the learner's sandbox for `lesson` (or switches the one starting or running to it)
   * and returns the status at once; the place in line, progress and readiness follow on onStatus.
   * A full line refuses, with the reason and when to try again. `take` may hand over a sandbox
   * that is already running (reassigned to this learner) instead of making one.
   */
  start(learner: string, lesson: string, take?: () => SandboxInfo | undefined): StartResult {
    const e = this._entries.get(learner);
    if (e && (e.state === 'starting' || (e.state === 'ready' && this.ready(learner)))) {
      this._o.store.setLesson(learner, lesson);
      if (e.lesson !== lesson) {
        e.lesson = lesson;
        if (e.state === 'ready') this._startWatch(e);
        this._emit(e);
      }
      return { ok: true, status: this.status(learner) };
    }
    const warm = take?.();
    if (warm) {
      // A sandbox that is already running (a workshop's warm pool): ready at once, no line.
      this._o.store.setLesson(learner, lesson);
      const entry: Entry = { learner, lesson, state: 'ready', info: warm };
      this._entries.set(learner, entry);
      this._o.log.info('sandbox ready from the warm pool', { learner, sandbox: warm.id });
      this._startWatch(entry);
      this._emit(entry);
      return { ok: true, status: this.status(learner) };
    }
    const admit = this._admission.request(learner);
    if (!admit.ok) return admit;
    this._o.store.setLesson(learner, lesson);
    const entry: Entry = { learner, lesson, state: 'starting', progress: { phase: 'queued', percent: 0 }, ticket: admit.ticket };
    this._entries.set(learner, entry);
    const previous = this._inFlight.get(learner);
    const settled = (entry.settled = this._create(entry, previous));
    this._inFlight.set(learner, settled);
    void settled.then(() => {
      if (this._inFlight.get(learner) === settled) this._inFlight.delete(learner);
    });
    return { ok: true, status: this.status(learner) };
  }

  /** True while the learner has a create waiting in line or running (the rate limit counts only new ones). */
  starting(learner: string): boolean {
    return this._entries.get(learner)?.state === 'starting';
  }

  /**
   * Removes the learner's sandbox (and its terminals, via onDestroyed). While it waits in line
   * it leaves the line at once; while it is being created, this waits for the create to end and
   * removes what it made.
   */
  async stop(learner: string): Promise<void> {
    const e = this._entries.get(learner);
    if (!e) return;
    if (e.state === 'starting') {
      e.cancelled = true;
      this._entries.delete(learner);
      e.ticket?.withdraw();
      await e.settled;
      // A start that came in meanwhile has its own entry and tells the page itself.
      if (!this._entries.has(learner)) this._onStatus.fire({ learner, status: noSandbox() });
      return;
    }
    this._entries.delete(learner);
    await e.watch?.dispose();
    if (e.info && this._o.sandboxes.get(e.info.id)) await this._o.sandboxes.destroy(e.info.id, 'requested');
    this._onStatus.fire({ learner, status: noSandbox() });
  }

  /**
   * Stops watching and leaves the line; creates already running end (and remove what they made,
   * nobody being there to use it). Sandboxes that are ready stay for the next server to adopt.
   */
  async dispose(): Promise<void> {
    for (const e of this._entries.values()) {
      e.ticket?.withdraw();
      await e.watch?.dispose();
    }
    await this._store.dispose();
    await Promise.allSettled([...this._inFlight.values()]);
  }

  private async _create(entry: Entry, previous: Promise<void> | undefined): Promise<void> {
    const log = this._o.log;
    const ticket = entry.ticket!;
    try {
      // One create per learner at a time: a cancelled one still running ends first.
      const [admitted] = await Promise.all([ticket.granted, previous]);
      if (!admitted || entry.cancelled || this._entries.get(entry.learner) !== entry || this._store.isDisposed) return;
      entry.progress = { phase: 'creating', percent: 0 };
      this._emit(entry);
      const info = await this._o.sandboxes.create(entry.learner, (p) => {
        if (this._entries.get(entry.learner) !== entry) return;
        entry.progress = { phase: p.phase, percent: Math.max(0, Math.min(100, Math.round(p.percent))) };
        this._emit(entry);
      });
      if (entry.cancelled || this._entries.get(entry.learner) !== entry || this._store.isDisposed) {
        await this._o.sandboxes.destroy(info.id, 'requested');
        return;
      }
      entry.info = info;
      entry.state = 'ready';
      entry.progress = undefined;
      log.info('sandbox ready', { learner: entry.learner, sandbox: info.id });
      this._startWatch(entry);
      this._emit(entry);
    } catch (err) {
      if (this._entries.get(entry.learner) !== entry) return;
      entry.state = 'failed';
      entry.error = `The sandbox could not start: ${err instanceof Error ? err.message : String(err)}`;
      log.error('sandbox failed to start', { learner: entry.learner, error: entry.error });
      this._emit(entry);
    } finally {
      // The create is over: its lane goes to the next in line (its sandbox, if kept, holds the slot).
      ticket.dispose();
    }
  }

  private _startWatch(entry: Entry): void {
    void entry.watch?.dispose();
    entry.watch = undefined;
    const info = entry.info;
    if (!info || !entry.lesson || !this._o.lessons.view(entry.lesson)) return;
    const lesson = entry.lesson;
    const learner = entry.learner;
    try {
      entry.watch = this._o.lessons.watch(
        lesson,
        info,
        () => this._o.store.get(learner)?.progress[lesson] ?? [],
        (step, result) => {
          // A result from a watch this entry has since replaced (another lesson, a new sandbox) is stale.
          if (this._entries.get(learner) !== entry || entry.lesson !== lesson) return;
          this._onAutoCheck.fire({ learner, lesson, step, result });
        },
      );
    } catch (err) {
      this._o.log.error('autocheck could not start', { lesson, error: err instanceof Error ? err.message : String(err) });
    }
  }

  private _onDestroyed(id: string, reason: DestroyReason): void {
    for (const e of this._entries.values()) {
      if (e.info?.id === id) this._markGone(e, reason);
    }
  }

  private _markGone(e: Entry, reason: DestroyReason): void {
    void e.watch?.dispose();
    e.watch = undefined;
    if (reason === 'requested') {
      this._entries.delete(e.learner);
      this._onStatus.fire({ learner: e.learner, status: noSandbox() });
      return;
    }
    e.state = reason === 'broken' ? 'failed' : 'expired';
    e.error = DESTROYED_MESSAGES[reason];
    this._emit(e);
  }

  private _emit(e: Entry): void {
    this._onStatus.fire({ learner: e.learner, status: this.status(e.learner) });
  }
}
