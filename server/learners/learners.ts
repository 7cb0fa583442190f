/**
 * The learners capability: who they are (sessions), each one's sandbox, their progress, and the
 * events the page hears about them. Transport-free: server/http turns the events into SSE and the
 * results into JSON.
 */
import type { CheckResult, Progress, SandboxStatus, ServerEvent } from '../common/api.ts';
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { LessonService } from '../lessons/types.ts';
import type { Admission } from '../sandbox/admission.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { LearnerSandboxes, type StartResult } from './learnerSandboxes.ts';
import type { LearnerRecord, SessionStore } from './sessionStore.ts';

export type { LearnerRecord } from './sessionStore.ts';
export type { StartResult } from './learnerSandboxes.ts';

/**
 * How often sessions unseen for the TTL are removed. The TTL is counted in days; a sweep every
 * 10 minutes keeps a stale session at most that much longer, for one pass over at most
 * `maxSessions` records.
 */
export const SESSION_SWEEP_MS = 10 * 60_000;

/** An event for one learner's open pages. */
export interface LearnerEvent {
  learner: string;
  event: ServerEvent;
}

export interface LearnersOptions {
  /** The sessions; Learners owns them from here on (dispose() flushes them). */
  sessions: SessionStore;
  sandboxes: Sandboxes;
  lessons: LessonService;
  log: Logger;
  /** The line sandbox creates wait in; default: no limit. */
  admission?: Admission;
  /** A session unseen this long is removed with its sandbox, ms; default: never. */
  sessionTtlMs?: number;
  /** Sessions kept at most; beyond it a new one is refused (sessionsFull); default: no limit. */
  maxSessions?: number;
  /** Learners whose sessions never expire by age (workshop attendees: their results are kept). */
  keepSession?: (learner: string) => boolean;
}

export class Learners implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _onEvent = this._store.add(new Emitter<LearnerEvent>());
  /** Everything a learner's page should hear: sandbox status, check results, progress. */
  readonly onEvent = this._onEvent.event;
  readonly sessions: SessionStore;
  private readonly _boxes: LearnerSandboxes;
  /** Open event streams per learner: a page of theirs is connected. */
  private readonly _pages = new Map<string, number>();
  private readonly _onPresence = this._store.add(new Emitter<{ learner: string; connected: boolean }>());
  /** A learner's first page connected, or their last one went away. */
  readonly onPresence = this._onPresence.event;

  constructor(private readonly _o: LearnersOptions) {
    this.sessions = _o.sessions;
    this._boxes = new LearnerSandboxes({ sandboxes: _o.sandboxes, lessons: _o.lessons, store: _o.sessions, log: _o.log, admission: _o.admission });
    if (_o.sessionTtlMs !== undefined) this._store.interval(() => void this.expireSessions(), SESSION_SWEEP_MS);
    this._store.add(this._boxes.onStatus(({ learner, status }) => this._publish(learner, { type: 'sandbox', status })));
    this._store.add(this._boxes.onAutoCheck((c) => this.recordCheck(c.learner, c.lesson, c.step, c.result, true)));
  }

  /** Gives the sandboxes that survived a server restart back to their learners. */
  adopt(): void {
    this._boxes.adopt();
  }

  /** The learner holding session `token`; undefined for none, a malformed or an unknown one. */
  byToken(token: string | undefined): LearnerRecord | undefined {
    return this.sessions.byToken(token);
  }

  /** Why no new session can be made now (the cap is reached), or undefined when one can. */
  sessionsFull(): string | undefined {
    const max = this._o.maxSessions;
    if (max === undefined || this.sessions.size < max) return undefined;
    return `The lab has as many learners as it keeps (${max}); new ones can join when older sessions expire. Ask the operator, or try again later.`;
  }

  /**
   * A new learner and the session token that names it (returned once, never stored).
   * @throws RangeError when sessionsFull() says the cap is reached: ask it first.
   */
  create(): { token: string; learner: LearnerRecord } {
    const full = this.sessionsFull();
    if (full) throw new RangeError(`Learners.create called with the session cap reached: ${full}`);
    const created = this.sessions.create();
    this._o.log.info('new learner', { learner: created.learner.id });
    return created;
  }

  progress(learner: string): Progress {
    return this.sessions.get(learner)?.progress ?? {};
  }

  status(learner: string): SandboxStatus {
    return this._boxes.status(learner);
  }

  /** The learner's sandbox when it is ready to use, else undefined. */
  ready(learner: string): SandboxInfo | undefined {
    return this._boxes.ready(learner);
  }

  /** Marks the learner's ready sandbox as in use, so the idle timeout starts again. */
  touch(learner: string): void {
    const sandbox = this._boxes.ready(learner);
    if (sandbox) this._o.sandboxes.touch(sandbox.id);
  }

  /**
   * Starts (or switches) the learner's sandbox for `lesson`; the place in line and progress follow
   * on onEvent. A full line refuses, with the reason and when to try again.
   */
  start(learner: string, lesson: string, take?: () => SandboxInfo | undefined): StartResult {
    return this._boxes.start(learner, lesson, take);
  }

  /** A page of the learner holds its event stream open until the returned disposable is disposed. */
  connect(learner: string): Disposable {
    const n = (this._pages.get(learner) ?? 0) + 1;
    this._pages.set(learner, n);
    if (n === 1) this._onPresence.fire({ learner, connected: true });
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        const left = (this._pages.get(learner) ?? 1) - 1;
        if (left > 0) this._pages.set(learner, left);
        else {
          this._pages.delete(learner);
          this._onPresence.fire({ learner, connected: false });
        }
      },
    };
  }

  /** True while a page of the learner holds its event stream open. */
  connected(learner: string): boolean {
    return this._pages.has(learner);
  }

  /** Sends `event` to the learner's open pages (a workshop's broadcast, a change of its time). */
  notify(learner: string, event: ServerEvent): void {
    this._publish(learner, event);
  }

  /** True while the learner's sandbox waits in line or is being created. */
  starting(learner: string): boolean {
    return this._boxes.starting(learner);
  }

  /**
   * Removes the sessions unseen for the TTL, and their sandboxes (a place in line included).
   * Runs every SESSION_SWEEP_MS; the composition root also runs it once at start.
   * @returns how many sessions were removed.
   */
  async expireSessions(now = Date.now()): Promise<number> {
    const ttl = this._o.sessionTtlMs;
    if (ttl === undefined || this._store.isDisposed) return 0;
    const gone = this.sessions.expire(now - ttl, this._o.keepSession);
    // All at once: each leaves the line before any removal frees a slot one of them would take.
    await Promise.all(gone.map((rec) => this._boxes.stop(rec.id)));
    if (gone.length) this._o.log.info('sessions expired', { count: gone.length, unseenDays: Math.round(ttl / 86_400_000) });
    return gone.length;
  }

  stop(learner: string): Promise<void> {
    return this._boxes.stop(learner);
  }

  /**
   * Runs the check of `step` of `lesson` in the learner's sandbox and records the result.
   * @returns undefined when the learner has no ready sandbox to check.
   */
  async check(learner: string, lesson: string, step: number, answer?: string): Promise<CheckResult | undefined> {
    const sandbox = this._boxes.ready(learner);
    if (!sandbox) return undefined;
    this._o.sandboxes.touch(sandbox.id);
    const result = await this._o.lessons.check(lesson, step, sandbox, answer);
    this.recordCheck(learner, lesson, step, result, false);
    return result;
  }

  /**
   * Records a check result and publishes it: a `check` event always, and a `progress` event
   * when it passes a step for the first time. The one path for the Check button and autochecks.
   */
  recordCheck(learner: string, lesson: string, step: number, result: CheckResult, auto: boolean): void {
    this._publish(learner, { type: 'check', lesson, step, result, auto });
    // An attempt is what the learner asked for (the page shows only those hints); an automatic
    // check counts only when it passes.
    const first = auto ? result.passed && this.sessions.markPassed(learner, lesson, step) : this.sessions.recordCheck(learner, lesson, step, result);
    if (first) {
      this._publish(learner, { type: 'progress', progress: this.progress(learner) });
    }
  }

  /** Records a step as passed without a check of the learner's (a jump); publishes the progress. */
  markPassed(learner: string, lesson: string, step: number): void {
    if (this.sessions.markPassed(learner, lesson, step)) this._publish(learner, { type: 'progress', progress: this.progress(learner) });
  }

  /** Stops the autochecks and writes the sessions out; sandboxes stay for the next server. */
  async dispose(): Promise<void> {
    await this._boxes.dispose();
    await this._store.dispose();
    await this.sessions.flush();
  }

  private _publish(learner: string, event: ServerEvent): void {
    this._onEvent.fire({ learner, event });
  }
}
