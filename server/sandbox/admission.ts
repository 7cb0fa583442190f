/**
 * Admission: the door every sandbox create goes through, so the host is never oversubscribed.
 * At most `slots` sandboxes exist at once (capacity.ts: the sum of their budgets fits the host),
 * at most `createsAtOnce` creates run at once, and whoever asks beyond that waits in one line,
 * first come first served, with a place and an estimate (queueEstimate.ts) the page can show. A
 * line longer than `queueMax` refuses newcomers with a reason ("the lab is full") and a time to
 * come back. Adopted sandboxes count like any other: a slot is a sandbox in the list, or a create
 * running.
 *
 * A ticket is one owner's place: `granted` resolves true when it may create (it then holds a
 * create lane until disposed), false when it was withdrawn first. The composition root sizes it
 * (server/app/labAdmission.ts); server/learners/ holds one ticket per learner at a time.
 */
import type { QueuePlace } from '../common/api.ts';
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import { estimateWait, Ewma, type Wait } from './queueEstimate.ts';
import type { Sandboxes } from './types.ts';

/** A create alone takes ~2 s here, more beside others; the first one measured replaces this guess. */
export const INITIAL_CREATE_MS = 5_000;
/** A refusal asks to come back after this long at least (a retry sooner would be refused again)… */
export const MIN_RETRY_AFTER_S = 10;
/** …and at most (beyond it the estimate says little; the learner can always try earlier). */
export const MAX_RETRY_AFTER_S = 600;

export interface AdmissionOptions {
  /** Sandboxes that may exist at once (capacity.ts slotsFor); Infinity: no limit. */
  slots: number;
  /** Creates that may run at once; Infinity: no limit. */
  createsAtOnce: number;
  /** Owners that may wait in line; beyond it a request is refused. Infinity: no limit. */
  queueMax: number;
  /** The longest a sandbox lives (its TTL), ms: the estimates' upper bound on a wait for a slot. */
  ttlMs: number;
  /** The sandboxes that take slots (created here or adopted), and word when one leaves. */
  sandboxes: Pick<Sandboxes, 'list' | 'onDestroyed'>;
  now?: () => number;
}

/** What changed in line; `left` is a sandbox removed (a slot freed). */
export interface AdmissionChange {
  kind: 'queued' | 'granted' | 'withdrawn' | 'released' | 'left' | 'refused';
  owner?: string;
  /** Why a request was refused (kind 'refused'): the lab closing, no room on this host at all, or a full line. */
  reason?: 'closing' | 'no-room' | 'full';
}

export type Admit = { ok: true; ticket: AdmissionTicket } | { ok: false; error: string; retryAfterS: number };

type TicketState = 'waiting' | 'granted' | 'done';

/** One owner's place in line, then its create lane. Dispose it when the create is over. */
export class AdmissionTicket implements Disposable {
  private _state: TicketState = 'waiting';
  private _resolve!: (granted: boolean) => void;
  /** Resolves true when the owner may create now, false when the ticket was withdrawn first. */
  readonly granted = new Promise<boolean>((r) => (this._resolve = r));
  /** When the create lane was given, epoch ms. */
  grantedAt: number | undefined;

  constructor(
    readonly owner: string,
    private readonly _hooks: { withdraw(t: AdmissionTicket): void; release(t: AdmissionTicket): void },
  ) {}

  get state(): TicketState {
    return this._state;
  }

  /** Leaves the line if still waiting (granted resolves false); a granted ticket is left alone. */
  withdraw(): boolean {
    if (this._state !== 'waiting') return false;
    this._state = 'done';
    this._resolve(false);
    this._hooks.withdraw(this);
    return true;
  }

  /** Leaves the line, or gives the create lane back; idempotent. */
  dispose(): void {
    if (this.withdraw()) return;
    if (this._state !== 'granted') return;
    this._state = 'done';
    this._hooks.release(this);
  }

  /** @internal Admission's call when the ticket reaches a free lane and slot. */
  grant(at: number): void {
    if (this._state !== 'waiting') throw new Error(`cannot grant a ticket that is ${this._state} (owner ${this.owner})`);
    this._state = 'granted';
    this.grantedAt = at;
    this._resolve(true);
  }
}

export class Admission implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _line: AdmissionTicket[] = [];
  private _creating = 0;
  private readonly _createMs = new Ewma(INITIAL_CREATE_MS);
  private readonly _leaveMs = new Ewma(undefined);
  private _lastLeaveAt: number | undefined;
  private readonly _now: () => number;
  private readonly _hooks = { withdraw: (t: AdmissionTicket) => this._withdrawn(t), release: (t: AdmissionTicket) => this._released(t) };
  private readonly _onChange = this._store.add(new Emitter<AdmissionChange>());
  /** The line moved (places and estimates changed), a create started or ended, or a slot freed. */
  readonly onChange = this._onChange.event;

  constructor(private readonly _o: AdmissionOptions) {
    for (const k of ['slots', 'createsAtOnce', 'queueMax'] as const) {
      if (!(_o[k] >= 0) || (Number.isFinite(_o[k]) && !Number.isInteger(_o[k]))) throw new RangeError(`Admission: ${k} must be a whole number ≥ 0 or Infinity (got ${_o[k]})`);
    }
    if (_o.createsAtOnce < 1) throw new RangeError(`Admission: createsAtOnce must be at least 1 (got ${_o.createsAtOnce})`);
    this._now = _o.now ?? Date.now;
    this._store.add(_o.sandboxes.onDestroyed(() => this._left()));
  }

  /** No limits: every request is granted at once (tests over fakes, tools with one user). */
  static unlimited(sandboxes: AdmissionOptions['sandboxes']): Admission {
    return new Admission({ slots: Infinity, createsAtOnce: Infinity, queueMax: Infinity, ttlMs: Infinity, sandboxes });
  }

  get slots(): number {
    return this._o.slots;
  }

  get createsAtOnce(): number {
    return this._o.createsAtOnce;
  }

  /** Slots taken: sandboxes that exist, and creates running. */
  get running(): number {
    return this._o.sandboxes.list().length + this._creating;
  }

  get creating(): number {
    return this._creating;
  }

  get waiting(): number {
    return this._line.length;
  }

  /**
   * A place in line for `owner` (granted at once when a lane and a slot are free and nobody
   * waits), or a refusal saying why and when to come back.
   */
  request(owner: string): Admit {
    if (this._store.isDisposed) return { ok: false, error: 'The lab is shutting down; try again in a moment.', retryAfterS: MIN_RETRY_AFTER_S };
    if (this._o.slots === 0) {
      this._onChange.fire({ kind: 'refused', owner, reason: 'no-room' });
      return { ok: false, error: 'This host has no room for a sandbox (its memory, disk or CPUs are below one sandbox\'s limits); the operator must lower the sandbox limits or the reserves.', retryAfterS: MAX_RETRY_AFTER_S };
    }
    const goesNow = this._line.length === 0 && this._free();
    if (!goesNow && this._line.length >= this._o.queueMax) {
      const retryAfterS = Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, Math.ceil(this._estimate(this._line.length + 1).ms / 1000)));
      this._onChange.fire({ kind: 'refused', owner, reason: 'full' });
      return {
        ok: false,
        error: `The lab is full: ${this.running} sandboxes running and ${this._line.length} learners in line, as many as it keeps waiting. Try again in a few minutes.`,
        retryAfterS,
      };
    }
    const ticket = new AdmissionTicket(owner, this._hooks);
    this._line.push(ticket);
    this._onChange.fire({ kind: 'queued', owner });
    this._pump();
    return { ok: true, ticket };
  }

  /** Where a waiting ticket stands, with its estimate; undefined once it is granted or gone. */
  place(ticket: AdmissionTicket): QueuePlace | undefined {
    const i = this._line.indexOf(ticket);
    if (i < 0) return undefined;
    const running = this.running;
    const wait = this._estimate(i + 1);
    return { position: i + 1, etaS: Math.ceil(wait.ms / 1000), atMost: wait.atMost, running, capacity: this._o.slots, full: running >= this._o.slots };
  }

  /** Withdraws everyone waiting; creates running keep their lanes until their tickets are disposed. */
  async dispose(): Promise<void> {
    for (const t of [...this._line]) t.withdraw();
    await this._store.dispose();
  }

  private _free(): boolean {
    return this._creating < this._o.createsAtOnce && this.running < this._o.slots;
  }

  private _pump(): void {
    while (this._line.length && this._free()) {
      const t = this._line.shift()!;
      this._creating++;
      t.grant(this._now());
      this._onChange.fire({ kind: 'granted', owner: t.owner });
    }
  }

  private _withdrawn(t: AdmissionTicket): void {
    const i = this._line.indexOf(t);
    if (i >= 0) this._line.splice(i, 1);
    this._onChange.fire({ kind: 'withdrawn', owner: t.owner });
  }

  private _released(t: AdmissionTicket): void {
    this._creating--;
    if (t.grantedAt !== undefined) this._createMs.add(this._now() - t.grantedAt);
    this._onChange.fire({ kind: 'released', owner: t.owner });
    this._pump();
  }

  private _left(): void {
    const now = this._now();
    if (this._lastLeaveAt !== undefined) this._leaveMs.add(now - this._lastLeaveAt);
    this._lastLeaveAt = now;
    this._onChange.fire({ kind: 'left' });
    this._pump();
  }

  private _estimate(position: number): Wait {
    const now = this._now();
    const createMs = this._createMs.value ?? INITIAL_CREATE_MS;
    const list = this._o.sandboxes.list();
    const leavesInMs = [...list.map((s) => s.expiresAt - now), ...Array<number>(this._creating).fill(this._o.ttlMs + createMs)].sort((a, b) => a - b);
    return estimateWait({
      position,
      createsAtOnce: this._o.createsAtOnce,
      creating: this._creating,
      free: this._o.slots - list.length - this._creating,
      createMs,
      leaveIntervalMs: this._leaveMs.value,
      leavesInMs,
      stayMs: this._o.ttlMs,
    });
  }
}
