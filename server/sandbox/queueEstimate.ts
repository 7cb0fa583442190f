/**
 * How long a learner in line waits for a ready sandbox: pure arithmetic over what Admission
 * (admission.ts) knows (places in line, creates running, free slots) and what it has measured
 * (how long a create takes, how often a sandbox leaves). An estimate for the page, never a promise.
 */

/**
 * Weight of the newest sample in a moving average: 0.3 follows a change within a few samples
 * (creates slow down as the host fills) without jumping on one odd create.
 */
export const EWMA_WEIGHT = 0.3;

/** An exponentially weighted moving average; the first sample replaces the initial guess. */
export class Ewma {
  private _sampled = false;

  constructor(
    private _value: number | undefined,
    private readonly _weight = EWMA_WEIGHT,
  ) {}

  get value(): number | undefined {
    return this._value;
  }

  add(sample: number): void {
    this._value = this._sampled && this._value !== undefined ? this._value + this._weight * (sample - this._value) : sample;
    this._sampled = true;
  }
}

export interface WaitInput {
  /** The learner's place in line, 1 being next. */
  position: number;
  /** Creates that may run at once. */
  createsAtOnce: number;
  /** Creates running now (each holds a lane). */
  creating: number;
  /** Slots neither taken by a sandbox nor by a running create. */
  free: number;
  /** How long a create takes, ms. */
  createMs: number;
  /** How long, typically, between two sandboxes leaving (removed, expired), ms; undefined: none seen yet. */
  leaveIntervalMs: number | undefined;
  /**
   * For each taken slot, ascending: ms until its sandbox reaches its time limit, the latest it
   * leaves (a create running counts as a full stay from now).
   */
  leavesInMs: readonly number[];
  /** The longest a sandbox stays (its TTL), ms: after the sandboxes here leave, the next ones stay this long at most. */
  stayMs: number;
}

export interface Wait {
  /** Until the sandbox is ready, ms. */
  ms: number;
  /**
   * The wait rests on the sandboxes' time limits (no one has left at a faster pace yet): it is
   * the most it can be, not a likely value.
   */
  atMost: boolean;
}

/**
 * The estimated time until the learner at `position` has a ready sandbox: the later of (a) its
 * turn for a create lane, `position` behind the creates running, and (b) enough slots freeing up
 * for everyone ahead of it and itself, at the pace sandboxes have been leaving, and at the latest
 * by their time limits; plus one create.
 */
export function estimateWait(w: WaitInput): Wait {
  const lanes = Math.max(1, w.createsAtOnce);
  const byLanes = (Math.floor((w.creating + w.position - 1) / lanes) + 1) * w.createMs;
  const need = w.position - Math.max(0, w.free);
  if (need <= 0) return { ms: byLanes, atMost: false };
  const n = w.leavesInMs.length;
  // The need-th departure by the time limits: the taken slots in order, then each again a full stay later.
  const byLimits = n === 0 ? Infinity : w.leavesInMs[(need - 1) % n]! + Math.floor((need - 1) / n) * (w.stayMs + w.createMs);
  const byPace = w.leaveIntervalMs === undefined ? Infinity : need * w.leaveIntervalMs;
  const slotFree = Math.min(byLimits, byPace);
  if (!Number.isFinite(slotFree)) return { ms: byLanes, atMost: false };
  const bySlots = Math.max(0, slotFree) + w.createMs;
  return bySlots > byLanes ? { ms: bySlots, atMost: byLimits < byPace } : { ms: byLanes, atMost: false };
}

/** The estimate alone, ms. */
export function estimateWaitMs(w: WaitInput): number {
  return estimateWait(w).ms;
}
