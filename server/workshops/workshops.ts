/**
 * The workshops capability: an instructor's workshops (title, lessons in order, capacity, opening
 * hours, session length), attendees joining by code with a display name, each a learner like any
 * other (Learners: same sessions, sandboxes, checks and progress), a warm pool so a joining
 * attendee gets a running sandbox at once, and the room as the instructor's console sees it
 * (room.ts), with the instructor's actions: broadcast, reset, jump to a step, extend, end, export.
 *
 * Expected failures (a wrong code, a full workshop, a taken name) are values with a message for
 * the person; the HTTP edge only picks the status. Every admin action is written to the admin log
 * (database) and the server log.
 */
import crypto from 'node:crypto';
import type {
  AttendeeInfo, Broadcast, JoinInfo, RoomAttendee, RoomStep, RoomView, WorkshopInput, WorkshopState, WorkshopSummary,
} from '../common/api.ts';
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { LearnerRecord, Learners } from '../learners/learners.ts';
import type { LessonService } from '../lessons/types.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import type { Db } from '../store/database.ts';
import { AdminKeys } from './adminKeys.ts';
import { newJoinCode, parseJoinCode } from './joinCode.ts';
import { resultsCsv } from './resultsCsv.ts';
import { attendeeRow, heatMap } from './room.ts';
import { solveSteps, type LineTypist, type StepTyping } from './solveSteps.ts';
import type { AttendeeRecord, WorkshopRecord } from './workshopStore.ts';
import { WorkshopStore } from './workshopStore.ts';

/** Spares start this long before a workshop opens, so the first attendees find them running. */
export const POOL_LEAD_MS = 10 * 60_000;
/** How often time-driven changes are looked at: a workshop opening or closing, pool targets. */
const TICK_MS = 15_000;
/** Default share of the capacity kept warm. */
export const DEFAULT_POOL_SHARE = 0.5;
/** Broadcasts an attendee's page gets when it loads (the newest). */
const BROADCASTS_SHOWN = 20;

/** What the workshops need from the terminals: when an attendee last typed, and typing for a jump. */
export interface RoomTerminals extends LineTypist {
  lastInputAt(sandboxId: string): number | undefined;
}

/** What the workshops need from the warm pool (warmPool.ts). */
export interface SandboxPool {
  readonly onChange: (listener: (e: { workshop: string }) => void) => Disposable;
  setTarget(workshop: string, n: number): void;
  take(workshop: string, owner: string): SandboxInfo | undefined;
  counts(workshop: string): { ready: number; starting: number; target: number };
  adopt(): void;
}

export interface WorkshopsOptions {
  db: Db;
  learners: Learners;
  lessons: LessonService;
  sandboxes: Sandboxes;
  terminals: RoomTerminals;
  /** Default: no warm pool (every attendee's sandbox goes through the admission line). */
  pool?: SandboxPool;
  /** No terminal input this long: idle in the console, ms. */
  idleMs: number;
  /** The operator's admin secret; default: the kept one, or a new one (firstAdminToken). */
  adminToken?: string;
  log: Logger;
  now?: () => number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; status: 400 | 403 | 404 | 409; error: string };
const fail = <T>(status: 400 | 403 | 404 | 409, error: string): Result<T> => ({ ok: false, status, error });

export interface JoinResult {
  info: AttendeeInfo;
  /** Set when a new learner session was made for the attendee: the cookie to set. */
  token?: string;
}

export class Workshops implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _db: WorkshopStore;
  private readonly _now: () => number;
  private readonly _onRoom = this._store.add(new Emitter<{ workshop: string }>());
  /** Something in a workshop's room changed (its console should look again). */
  readonly onRoom = this._onRoom.event;
  readonly admin: AdminKeys;
  /** The admin secret made at this first start, to be shown once; undefined otherwise. */
  readonly firstAdminToken: string | undefined;
  /** Attendee (learner id) → workshop id, for the events of learners. */
  private readonly _workshopOf = new Map<string, string>();
  /** Running jumps, per attendee: what it is doing now, and how to stop it. */
  private readonly _busy = new Map<string, { text: string; abort: AbortController }>();

  constructor(private readonly _o: WorkshopsOptions) {
    this._now = _o.now ?? Date.now;
    this._db = new WorkshopStore(_o.db);
    const admin = AdminKeys.open(this._db, _o.adminToken, this._now);
    this.admin = admin.keys;
    this.firstAdminToken = admin.firstToken;
    for (const a of this._db.allAttendees()) this._workshopOf.set(a.learner, a.workshop);
    this._store.add(_o.learners.onEvent(({ learner, event }) => {
      const ws = this._workshopOf.get(learner);
      if (!ws) return;
      if (event.type === 'sandbox' && event.status.state === 'ready' && event.status.id) this._fitSandbox(learner, event.status.id);
      if (event.type !== 'broadcast' && event.type !== 'workshop') this._changed(ws);
    }));
    this._store.add(_o.learners.onPresence(({ learner }) => {
      const ws = this._workshopOf.get(learner);
      if (ws) this._changed(ws);
    }));
    if (_o.pool) this._store.add(_o.pool.onChange(({ workshop }) => this._changed(workshop)));
    this._store.interval(() => this._tick(), TICK_MS);
  }

  /**
   * After a restart, before Learners.adopt(): sandboxes handed from the pool to attendees still
   * carry the pool's label, so they are given back to their attendees here; then the pool takes
   * the rest as spares, and each workshop's pool target is set again.
   */
  adoptBeforeLearners(): void {
    for (const a of this._db.allAttendees()) {
      if (!a.sandbox) continue;
      const info = this._o.sandboxes.get(a.sandbox);
      if (info) this._o.sandboxes.reassign(info.id, a.learner);
      else this._db.setSandbox(a.learner, undefined);
    }
  }

  /** After Learners.adopt(): the pool's spares, the attendees' sandbox times, the pool targets. */
  adoptAfterLearners(): void {
    this._o.pool?.adopt();
    for (const a of this._db.allAttendees()) {
      const box = this._o.learners.ready(a.learner);
      if (box) this._fitSandbox(a.learner, box.id);
    }
    this._tick();
  }

  // ---- the instructor ------------------------------------------------------------------------

  list(): WorkshopSummary[] {
    return this._db.all().map((w) => this._summary(w));
  }

  summary(id: string): WorkshopSummary | undefined {
    const w = this._db.get(id);
    return w && this._summary(w);
  }

  /** A new workshop; its lessons must exist and its hours make sense. */
  create(input: WorkshopInput, client?: string): Result<WorkshopSummary> {
    const missing = input.lessons.filter((l) => !this._o.lessons.view(l));
    if (missing.length) return fail(400, `no lesson ${missing.map((m) => JSON.stringify(m)).join(', ')} (GET /api/lessons lists them)`);
    if (new Set(input.lessons).size !== input.lessons.length) return fail(400, 'a lesson is listed twice');
    if (input.closesAt <= input.opensAt) return fail(400, 'the workshop must close after it opens');
    if (input.closesAt <= this._now()) return fail(400, 'the closing time has already passed');
    let code = newJoinCode();
    while (this._db.byCode(code)) code = newJoinCode();
    const w: WorkshopRecord = {
      ...input,
      poolShare: input.poolShare ?? DEFAULT_POOL_SHARE,
      id: crypto.randomBytes(6).toString('base64url'),
      code,
      createdAt: this._now(),
    };
    this._db.create(w);
    this._audit('create workshop', { workshop: w.id, detail: `${w.title} (${w.code}), ${w.capacity} places, lessons ${w.lessons.join(', ')}`, client });
    this._tick();
    return { ok: true, value: this._summary(w) };
  }

  /** The console's whole state. */
  room(id: string): RoomView | undefined {
    const w = this._db.get(id);
    if (!w) return undefined;
    const now = this._now();
    const steps = this._columns(w);
    const attendees = this._db.attendees(id).map((a) => this._row(a, steps, now));
    return {
      workshop: this._summary(w),
      steps,
      attendees,
      heat: heatMap(attendees, steps, now),
      pool: this._o.pool?.counts(id) ?? { ready: 0, starting: 0, target: 0 },
      broadcasts: this._db.broadcasts(id).slice(-BROADCASTS_SHOWN),
      at: now,
    };
  }

  broadcast(id: string, text: string, client?: string): Result<Broadcast> {
    const w = this._db.get(id);
    if (!w) return fail(404, `no workshop ${id}`);
    if (this._state(w) === 'ended') return fail(409, 'the workshop has ended; nobody is there to read it');
    const b = this._db.addBroadcast(id, text, this._now());
    this._audit('broadcast', { workshop: id, detail: text, client });
    for (const a of this._db.attendees(id)) this._o.learners.notify(a.learner, { type: 'broadcast', broadcast: b });
    this._changed(id);
    return { ok: true, value: b };
  }

  /** Ends the workshop now: attendees' sandboxes and the spares are removed; results are kept. */
  async end(id: string, client?: string): Promise<Result<WorkshopSummary>> {
    const w = this._db.get(id);
    if (!w) return fail(404, `no workshop ${id}`);
    if (this._db.end(id, this._now())) this._audit('end workshop', { workshop: id, client });
    this._o.pool?.setTarget(id, 0);
    const attendees = this._db.attendees(id);
    for (const a of attendees) this._busy.get(a.learner)?.abort.abort();
    await Promise.all(attendees.map((a) => this._o.learners.stop(a.learner)));
    for (const a of attendees) {
      this._db.setSandbox(a.learner, undefined);
      const info = this.attendeeInfo(a.learner);
      if (info) this._o.learners.notify(a.learner, { type: 'workshop', info });
    }
    this._changed(id);
    return { ok: true, value: this.summary(id)! };
  }

  /** A new sandbox for the attendee (their progress stays): from the pool when it has one. */
  async reset(id: string, attendee: string, client?: string): Promise<Result<RoomAttendee>> {
    const a = this._attendeeOf(id, attendee);
    if (!a.ok) return a;
    const w = this._db.get(id)!;
    if (this._state(w) === 'ended') return fail(409, 'the workshop has ended');
    this._busy.get(attendee)?.abort.abort();
    this._audit('reset sandbox', { workshop: id, attendee, client });
    await this._o.learners.stop(attendee);
    this._db.setSandbox(attendee, undefined);
    const started = this._startSandbox(w, a.value, this._o.learners.sessions.get(attendee)?.lesson);
    if (!started.ok) return fail(409, started.error);
    return { ok: true, value: this._rowOf(id, attendee) };
  }

  /** More time for one attendee (their sandbox lives as long). */
  extend(id: string, attendee: string, minutes: number, client?: string): Result<RoomAttendee> {
    const a = this._attendeeOf(id, attendee);
    if (!a.ok) return a;
    const endsAt = Math.max(a.value.endsAt, this._now()) + minutes * 60_000;
    this._db.setEndsAt(attendee, endsAt);
    this._audit('extend time', { workshop: id, attendee, detail: `+${minutes} min`, client });
    const box = this._o.learners.ready(attendee);
    if (box) {
      this._fitSandbox(attendee, box.id);
      // The page's status bar shows the sandbox's own time left: tell it too.
      this._o.learners.notify(attendee, { type: 'sandbox', status: this._o.learners.status(attendee) });
    }
    const info = this.attendeeInfo(attendee);
    if (info) this._o.learners.notify(attendee, { type: 'workshop', info });
    this._changed(id);
    return { ok: true, value: this._rowOf(id, attendee) };
  }

  /**
   * Brings the attendee to `step` of `lesson`: the steps before it that are not passed are solved
   * with their own solutions, typed into the attendee's own terminals (they and the shadow see it),
   * each checked until it passes, as the validator does. Runs in the background; the console shows
   * what it does (RoomAttendee.busy) and the grid fills in as steps pass.
   */
  jump(id: string, attendee: string, lesson: string, step: number, client?: string): Result<RoomAttendee> {
    const a = this._attendeeOf(id, attendee);
    if (!a.ok) return a;
    const w = this._db.get(id)!;
    if (!w.lessons.includes(lesson)) return fail(400, `lesson ${lesson} is not part of this workshop`);
    const view = this._o.lessons.view(lesson)!;
    if (!Number.isInteger(step) || step < 0 || step >= view.stepViews.length) return fail(400, `lesson ${lesson} has steps 0 to ${view.stepViews.length - 1}`);
    if (this._busy.has(attendee)) return fail(409, `a jump is already running for ${a.value.name}: ${this._busy.get(attendee)!.text}`);
    const box = this._o.learners.ready(attendee);
    if (!box) return fail(409, `${a.value.name} has no running sandbox yet; reset it first or wait until it is ready`);
    this._audit('jump to step', { workshop: id, attendee, detail: `${lesson} step ${step + 1}`, client });
    if (this._o.learners.sessions.get(attendee)?.lesson !== lesson) this._o.learners.start(attendee, lesson);
    const abort = new AbortController();
    const busy = { text: 'starting', abort };
    this._busy.set(attendee, busy);
    const typing: StepTyping = {
      lessons: this._o.lessons,
      terminals: this._o.terminals,
      sandboxes: this._o.sandboxes,
    };
    void solveSteps(typing, {
      sandbox: box,
      lesson,
      steps: [...Array(step).keys()].filter((s) => !(this._o.learners.progress(attendee)[lesson] ?? []).includes(s)),
      signal: abort.signal,
      onProgress: (text) => {
        busy.text = text;
        this._changed(id);
      },
      onPassed: (s) => this._o.learners.markPassed(attendee, lesson, s),
    }).then(
      () => this._o.log.info('jump done', { workshop: id, attendee, lesson, step }),
      (err: unknown) => {
        this._o.log.warn('jump stopped', { workshop: id, attendee, lesson, step, error: err instanceof Error ? err.message : String(err) });
        this._audit('jump failed', { workshop: id, attendee, detail: err instanceof Error ? err.message : String(err) });
      },
    ).finally(() => {
      if (this._busy.get(attendee) === busy) this._busy.delete(attendee);
      this._changed(id);
    });
    return { ok: true, value: this._rowOf(id, attendee) };
  }

  /** The results as CSV: one row per attendee and step. */
  exportCsv(id: string, client?: string): string | undefined {
    const w = this._db.get(id);
    if (!w) return undefined;
    this._audit('export results', { workshop: id, client });
    const steps = this._columns(w);
    return resultsCsv(steps, this._db.attendees(id).map((a) => ({ id: a.learner, name: a.name, steps: this._o.learners.sessions.steps(a.learner) })));
  }

  /** The sandbox a shadow of `attendee` in workshop `id` looks at, when it is running. */
  shadowTarget(id: string, attendee: string): SandboxInfo | undefined {
    const a = this._db.attendee(attendee);
    if (!a || a.workshop !== id) return undefined;
    return this._o.learners.ready(attendee);
  }

  /** Writes an admin action down (database and log). */
  audit(action: string, e: { workshop?: string; attendee?: string; detail?: string; client?: string }): void {
    this._audit(action, e);
  }

  // ---- the attendee --------------------------------------------------------------------------

  /** What a visitor holding `codeInput` is told; a wrong code is a 404 with the reason. */
  joinInfo(codeInput: string): Result<JoinInfo> {
    const parsed = parseJoinCode(codeInput);
    if (!parsed.ok) return fail(404, `wrong code: ${parsed.error}`);
    const w = this._db.byCode(parsed.code);
    if (!w) return fail(404, `no workshop has the code ${parsed.code}; check it with your instructor`);
    const state = this._state(w);
    return {
      ok: true,
      value: {
        code: w.code,
        title: w.title,
        state: state === 'scheduled' ? 'not-open' : state === 'ended' ? 'ended' : this._db.count(w.id) >= w.capacity ? 'full' : 'open',
        opensAt: w.opensAt,
        closesAt: w.closesAt,
      },
    };
  }

  /**
   * Joins the workshop with `codeInput` as `name`. The visitor's current learner becomes the
   * attendee when it is free (`current`); an attendee of this workshop joining again (a reload, a
   * new tab) gets their own place back; otherwise a new learner is made (`newLearner`) and its
   * token returned for the cookie. The attendee's sandbox starts at once, from the pool if it has one.
   */
  join(codeInput: string, name: string, current: LearnerRecord | undefined, newLearner: () => { token: string; learner: LearnerRecord }): Result<JoinResult> {
    const info = this.joinInfo(codeInput);
    if (!info.ok) return info;
    const w = this._db.byCode(info.value.code)!;
    if (current) {
      const mine = this._db.attendee(current.id);
      if (mine?.workshop === w.id) return { ok: true, value: { info: this.attendeeInfo(current.id)! } };
    }
    if (info.value.state === 'not-open') return fail(403, `"${w.title}" opens at ${new Date(w.opensAt).toISOString()}; come back then`);
    if (info.value.state === 'ended') return fail(403, `"${w.title}" has ended`);
    if (info.value.state === 'full') return fail(409, `"${w.title}" is full (${w.capacity} places); ask your instructor`);
    const free = current && !this._db.attendee(current.id) ? current : undefined;
    let token: string | undefined;
    let learner = free;
    if (!learner) {
      const made = newLearner();
      learner = made.learner;
      token = made.token;
    }
    const now = this._now();
    const record: AttendeeRecord = { learner: learner.id, workshop: w.id, name, joinedAt: now, endsAt: Math.min(w.closesAt, now + w.sessionMinutes * 60_000) };
    const joined = this._db.join(record, w.capacity);
    if (joined === 'full') return fail(409, `"${w.title}" is full (${w.capacity} places); ask your instructor`);
    if (joined === 'name-taken') return fail(409, `somebody in "${w.title}" is already called "${name}"; add an initial or pick another name`);
    this._workshopOf.set(learner.id, w.id);
    this._o.log.info('attendee joined', { workshop: w.id, learner: learner.id });
    const started = this._startSandbox(w, record, undefined);
    if (!started.ok) this._o.log.warn('attendee sandbox did not start', { workshop: w.id, learner: learner.id, error: started.error });
    this._tick();
    this._changed(w.id);
    return { ok: true, value: { info: this.attendeeInfo(learner.id)!, ...(token !== undefined && { token }) } };
  }

  /** What the attendee's page shows of their workshop; undefined for a learner who is no attendee. */
  attendeeInfo(learner: string): AttendeeInfo | undefined {
    const a = this._db.attendee(learner);
    const w = a && this._db.get(a.workshop);
    if (!a || !w) return undefined;
    return {
      workshop: { id: w.id, title: w.title, lessons: w.lessons, state: this._state(w), closesAt: w.closesAt },
      attendee: { id: a.learner, name: a.name, joinedAt: a.joinedAt, endsAt: a.endsAt },
      broadcasts: this._db.broadcasts(w.id).slice(-BROADCASTS_SHOWN),
    };
  }

  /** True for a learner who joined a workshop (their session and results are kept). */
  isAttendee(learner: string): boolean {
    return this._workshopOf.has(learner);
  }

  async dispose(): Promise<void> {
    for (const b of this._busy.values()) b.abort.abort();
    await this._store.dispose();
  }

  // ---- inside ---------------------------------------------------------------------------------

  private _state(w: WorkshopRecord, now = this._now()): WorkshopState {
    if (w.endedAt !== undefined || now >= w.closesAt) return 'ended';
    return now < w.opensAt ? 'scheduled' : 'open';
  }

  private _summary(w: WorkshopRecord): WorkshopSummary {
    return {
      id: w.id, code: w.code, title: w.title, lessons: w.lessons, capacity: w.capacity, opensAt: w.opensAt, closesAt: w.closesAt,
      sessionMinutes: w.sessionMinutes, poolShare: w.poolShare, state: this._state(w), attendees: this._db.count(w.id),
      joinPath: `/#/join/${w.code}`, createdAt: w.createdAt, ...(w.endedAt !== undefined && { endedAt: w.endedAt }),
    };
  }

  private _columns(w: WorkshopRecord): RoomStep[] {
    return w.lessons.flatMap((lesson) => this._o.lessons.view(lesson)?.stepViews.map((s) => ({ lesson, step: s.index, title: s.title })) ?? []);
  }

  private _row(a: AttendeeRecord, steps: RoomStep[], now: number): RoomAttendee {
    const box = this._o.learners.ready(a.learner);
    return attendeeRow({
      id: a.learner,
      name: a.name,
      joinedAt: a.joinedAt,
      endsAt: a.endsAt,
      sandbox: this._o.learners.status(a.learner).state,
      connected: this._o.learners.connected(a.learner),
      lastInputAt: box ? this._o.terminals.lastInputAt(box.id) : undefined,
      busy: this._busy.get(a.learner)?.text,
      steps: this._o.learners.sessions.steps(a.learner),
    }, steps, now, this._o.idleMs);
  }

  private _rowOf(id: string, attendee: string): RoomAttendee {
    return this._row(this._db.attendee(attendee)!, this._columns(this._db.get(id)!), this._now());
  }

  private _attendeeOf(id: string, attendee: string): Result<AttendeeRecord> {
    if (!this._db.get(id)) return fail(404, `no workshop ${id}`);
    const a = this._db.attendee(attendee);
    if (!a || a.workshop !== id) return fail(404, `no attendee ${attendee} in workshop ${id}`);
    return { ok: true, value: a };
  }

  /** Starts the attendee's sandbox for `lesson` (default: the workshop's first), from the pool when it has one. */
  private _startSandbox(w: WorkshopRecord, a: AttendeeRecord, lesson: string | undefined): { ok: true } | { ok: false; error: string } {
    const target = lesson && w.lessons.includes(lesson) ? lesson : w.lessons[0]!;
    let taken: SandboxInfo | undefined;
    const started = this._o.learners.start(a.learner, target, () => (taken = this._o.pool?.take(w.id, a.learner)));
    if (taken) this._db.setSandbox(a.learner, taken.id);
    return started.ok ? { ok: true } : { ok: false, error: started.error };
  }

  /** The attendee's sandbox lives until the attendee's time ends. */
  private _fitSandbox(learner: string, sandboxId: string): void {
    const a = this._db.attendee(learner);
    if (!a || !this._o.sandboxes.get(sandboxId)) return;
    this._o.sandboxes.extend(sandboxId, a.endsAt);
  }

  /** Pool targets follow the clock: warm from POOL_LEAD_MS before opening until closing. */
  private _tick(): void {
    const now = this._now();
    for (const w of this._db.all()) {
      const state = this._state(w, now);
      const warm = state !== 'ended' && now >= w.opensAt - POOL_LEAD_MS;
      const left = w.capacity - this._db.count(w.id);
      this._o.pool?.setTarget(w.id, warm ? Math.max(0, Math.min(left, Math.ceil(w.capacity * w.poolShare))) : 0);
      if (state !== 'ended') this._changed(w.id);
    }
  }

  private _changed(workshop: string): void {
    this._onRoom.fire({ workshop });
  }

  private _audit(action: string, e: { workshop?: string; attendee?: string; detail?: string; client?: string }): void {
    try {
      this._db.log({ at: this._now(), action, ...e });
    } catch (err) {
      this._o.log.error('cannot write the admin log', { error: String(err) });
    }
    this._o.log.info(`admin: ${action}`, e);
  }
}
