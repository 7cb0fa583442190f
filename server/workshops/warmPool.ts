/**
 * The warm pool: per workshop, a few sandboxes created before anyone asks (spares, like Educates'
 * reserved sandboxes), so an attendee who joins gets a running one in a moment instead of a ~2 s
 * create or a wait in line. A spare is an ordinary sandbox owned by 'pool:<workshop>'; take()
 * hands it to the attendee (Sandboxes.reassign) and the pool makes another.
 *
 * The pool never competes with learners. Every create goes through the admission line, and the
 * pool asks for a place only when nobody waits in it and a slot and a create lane are free (a
 * ticket not granted at once is withdrawn: the pool never stands in line); at most one pool
 * create runs at a time over all workshops, and at most `refillPerMin` start in any minute. A
 * refused or failed create is tried again on a later tick.
 *
 * After a restart, adopt() takes back every live sandbox still owned by 'pool:<workshop>' (the
 * caller has already reassigned those handed to attendees). Spares of a workshop given no target
 * since are kept but no longer touched, so the idle timeout removes them if nobody wants them.
 */
import { DisposableStore, Emitter, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import type { Admission, AdmissionTicket } from '../sandbox/admission.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';

export const POOL_OWNER_PREFIX = 'pool:';

/**
 * Six a minute: with one create at a time (~2 s alone, more beside learners' creates) a pool still
 * fills 30 spares in five minutes, while a host whose creates fail at once retries every 10 s on
 * average instead of spinning, and learners' creates always find the host mostly quiet.
 * (server/core/config.ts SHIPLAB_POOL_REFILL_PER_MIN has the same default.)
 */
export const DEFAULT_REFILL_PER_MIN = 6;
/** How often the pool touches its spares and tries to refill (besides the events that start it). */
export const TICK_MS = 5_000;
const RATE_WINDOW_MS = 60_000;

/** The owner of workshop `workshop`'s spares: 'pool:<workshop>'. */
export function poolOwner(workshop: string): string {
  return POOL_OWNER_PREFIX + workshop;
}

/** The workshop whose spare an owner denotes, or undefined when `owner` is no pool owner. */
export function poolWorkshop(owner: string): string | undefined {
  return owner.startsWith(POOL_OWNER_PREFIX) && owner.length > POOL_OWNER_PREFIX.length ? owner.slice(POOL_OWNER_PREFIX.length) : undefined;
}

export interface WarmPoolOptions {
  sandboxes: Sandboxes;
  admission: Admission;
  log: Logger;
  /** Pool creates started per minute at most, over all workshops (default DEFAULT_REFILL_PER_MIN). */
  refillPerMin?: number;
  now?: () => number;
}

export interface PoolCounts {
  /** Spares running, ready to take. */
  ready: number;
  /** Pool creates running (0 or 1). */
  starting: number;
  /** Spares wanted. */
  target: number;
}

export class WarmPool implements Disposable {
  private readonly _store = new DisposableStore();
  private readonly _targets = new Map<string, number>();
  /** Per workshop, the ids of its ready spares. */
  private readonly _spares = new Map<string, Set<string>>();
  /** The one pool create running, and the workshop it is for. */
  private _creating: { workshop: string; done: Promise<void> } | undefined;
  /** Start times of the pool creates within the last minute. */
  private _starts: number[] = [];
  /** Surplus spares being removed (dispose waits for them). */
  private readonly _removing = new Set<Promise<void>>();
  private _kickQueued = false;
  /** A request was refused or not granted at once: only the next tick asks again (no loop on events). */
  private _untilTick = false;
  private readonly _refillPerMin: number;
  private readonly _now: () => number;
  private readonly _onChange = this._store.add(new Emitter<{ workshop: string }>());
  /** A workshop's counts changed: a spare became ready, was taken or lost, a create started or ended, a new target. */
  readonly onChange = this._onChange.event;

  constructor(private readonly _o: WarmPoolOptions) {
    this._refillPerMin = _o.refillPerMin ?? DEFAULT_REFILL_PER_MIN;
    if (!(this._refillPerMin > 0)) throw new RangeError(`WarmPool: refillPerMin must be above 0 (got ${this._refillPerMin})`);
    this._now = _o.now ?? Date.now;
    this._store.add(_o.sandboxes.onDestroyed((e) => this._lost(e.id)));
    // A slot or a lane freed, or the line emptied: the pool may go now rather than at the next tick.
    this._store.add(_o.admission.onChange(() => this._kick()));
    this._store.interval(() => this._tick(), TICK_MS);
  }

  /** Spare ready sandboxes wanted for `workshop`; 0 stops refilling it and removes its spares. */
  setTarget(workshop: string, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`WarmPool: a target is a whole number ≥ 0 (got ${n})`);
    if (n === 0) this._targets.delete(workshop);
    else this._targets.set(workshop, n);
    this._trim(workshop);
    if (n === 0 && !this._spares.get(workshop)?.size) this._spares.delete(workshop);
    this._onChange.fire({ workshop });
    this._kick();
  }

  /**
   * A ready spare of `workshop`, now `owner`'s (Sandboxes.reassign) and no longer the pool's, or
   * undefined when none is ready (the caller creates through the admission line as usual). Of the
   * spares, the one with the most time left.
   */
  take(workshop: string, owner: string): SandboxInfo | undefined {
    if (this._store.isDisposed) return undefined;
    const spares = this._live(workshop);
    let best: SandboxInfo | undefined;
    for (const id of spares) {
      const info = this._o.sandboxes.get(id)!;
      if (!best || info.expiresAt > best.expiresAt) best = info;
    }
    if (!best) return undefined;
    spares.delete(best.id);
    this._o.sandboxes.reassign(best.id, owner);
    this._o.sandboxes.touch(best.id);
    this._o.log.info('spare taken', { workshop, sandbox: best.id, owner });
    this._onChange.fire({ workshop });
    this._kick();
    return this._o.sandboxes.get(best.id) ?? best;
  }

  /** Every workshop's counts together (metrics). */
  totals(): PoolCounts {
    const all = [...this._targets.keys()].map((w) => this.counts(w));
    return {
      ready: all.reduce((n, c) => n + c.ready, 0),
      starting: this._creating ? 1 : 0,
      target: all.reduce((n, c) => n + c.target, 0),
    };
  }

  counts(workshop: string): PoolCounts {
    return {
      ready: this._live(workshop).size,
      starting: this._creating?.workshop === workshop ? 1 : 0,
      target: this._targets.get(workshop) ?? 0,
    };
  }

  /** After a restart: every live sandbox still owned by a pool owner is that workshop's spare again. */
  adopt(): void {
    const found = new Set<string>();
    for (const info of this._o.sandboxes.list()) {
      const workshop = poolWorkshop(info.owner);
      if (workshop === undefined) continue;
      const spares = this._sparesOf(workshop);
      if (spares.has(info.id)) continue;
      spares.add(info.id);
      found.add(workshop);
      this._o.log.info('adopted a spare after restart', { workshop, sandbox: info.id });
    }
    for (const workshop of found) {
      if (this._targets.has(workshop)) this._trim(workshop);
      this._onChange.fire({ workshop });
    }
  }

  /**
   * Stops refilling and waits for the create in flight and the removals to end. Spares that are
   * ready stay for the next server to adopt, and so does one whose create ends during dispose (it
   * is a spare like the others; removing it would only make the next server create it again).
   */
  async dispose(): Promise<void> {
    await this._store.dispose();
    await Promise.allSettled([this._creating?.done, ...this._removing]);
  }

  private _sparesOf(workshop: string): Set<string> {
    let s = this._spares.get(workshop);
    if (!s) this._spares.set(workshop, (s = new Set()));
    return s;
  }

  /** The workshop's spares, after dropping any the sandboxes no longer hold. */
  private _live(workshop: string): Set<string> {
    const s = this._spares.get(workshop) ?? new Set<string>();
    for (const id of s) if (!this._o.sandboxes.get(id)) s.delete(id);
    return s;
  }

  private _tick(): void {
    for (const [workshop, spares] of this._spares) {
      // Spares are nobody's activity: without this the idle timeout would remove them. Those of a
      // workshop with no target (adopted, not wanted again) are left to it.
      if (this._targets.has(workshop)) for (const id of spares) this._o.sandboxes.touch(id);
    }
    this._untilTick = false;
    this._refill();
  }

  /** Refills soon, outside whoever called (an Admission or Sandboxes event may be mid-change). */
  private _kick(): void {
    if (this._kickQueued || this._store.isDisposed) return;
    this._kickQueued = true;
    queueMicrotask(() => {
      this._kickQueued = false;
      this._refill();
    });
  }

  /** Starts one pool create if a workshop lacks spares and the line, the host and the rate allow. */
  private _refill(): void {
    if (this._store.isDisposed || this._creating || this._untilTick) return;
    const workshop = this._neediest();
    if (workshop === undefined) return;
    const a = this._o.admission;
    if (a.waiting > 0 || a.running >= a.slots || a.creating >= a.createsAtOnce) return;
    const now = this._now();
    this._starts = this._starts.filter((t) => now - t < RATE_WINDOW_MS);
    if (this._starts.length >= this._refillPerMin) return;
    const admit = a.request(poolOwner(workshop));
    if (!admit.ok || admit.ticket.state !== 'granted') {
      // Refused, or it would have to wait: the pool never stands in line.
      if (admit.ok) admit.ticket.withdraw();
      else this._o.log.debug('pool create refused; trying again later', { workshop, error: admit.error });
      this._untilTick = true;
      return;
    }
    this._starts.push(now);
    this._creating = { workshop, done: this._create(workshop, admit.ticket) };
    this._onChange.fire({ workshop });
  }

  /** The workshop furthest below its target, if any. */
  private _neediest(): string | undefined {
    let best: string | undefined;
    let most = 0;
    for (const [workshop, target] of this._targets) {
      const lack = target - this._live(workshop).size;
      if (lack > most) [best, most] = [workshop, lack];
    }
    return best;
  }

  private async _create(workshop: string, ticket: AdmissionTicket): Promise<void> {
    const log = this._o.log;
    const started = this._now();
    try {
      if (!(await ticket.granted)) return;
      const info = await this._o.sandboxes.create(poolOwner(workshop));
      if (this._live(workshop).size >= (this._targets.get(workshop) ?? 0)) {
        // The target went down while it was being made.
        log.info('pool create no longer wanted; removing it', { workshop, sandbox: info.id });
        this._remove(info.id);
        return;
      }
      this._sparesOf(workshop).add(info.id);
      // After dispose it stays too, for the next server to adopt.
      log.info('spare ready', { workshop, sandbox: info.id, ms: this._now() - started, closing: this._store.isDisposed || undefined });
    } catch (err) {
      log.warn('pool create failed; trying again later', { workshop, error: err instanceof Error ? err.message : String(err) });
    } finally {
      ticket.dispose();
      this._creating = undefined;
      this._onChange.fire({ workshop });
      this._kick();
    }
  }

  /** Removes the spares of `workshop` beyond its target, those with the least time left first. */
  private _trim(workshop: string): void {
    const spares = this._live(workshop);
    const surplus = spares.size - (this._targets.get(workshop) ?? 0);
    if (surplus <= 0) return;
    const byTimeLeft = [...spares].sort((x, y) => this._o.sandboxes.get(x)!.expiresAt - this._o.sandboxes.get(y)!.expiresAt);
    for (const id of byTimeLeft.slice(0, surplus)) {
      spares.delete(id);
      this._remove(id);
    }
    this._o.log.info('surplus spares removed', { workshop, count: surplus });
  }

  private _remove(id: string): void {
    const p = this._o.sandboxes
      .destroy(id, 'requested')
      .catch((err) => this._o.log.error('cannot remove a spare', { sandbox: id, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => this._removing.delete(p));
    this._removing.add(p);
  }

  /** A sandbox was removed: if it was a spare, the pool lacks one. */
  private _lost(id: string): void {
    for (const [workshop, spares] of this._spares) {
      if (!spares.delete(id)) continue;
      this._o.log.info('spare lost', { workshop, sandbox: id });
      this._onChange.fire({ workshop });
      this._kick();
    }
  }
}
