/**
 * Per-client rate limits: one token bucket per client address, holding `perMinute` tokens and
 * refilled at `perMinute` a minute, so a client may make a burst of `perMinute` and then one every
 * 60/perMinute seconds. An empty bucket answers how long until the next token (HTTP Retry-After).
 * A classroom behind one NAT address shares a bucket, which is why the defaults
 * (server/core/config.ts) allow a room's worth of bursts.
 */

/**
 * Buckets kept at most. A full bucket is the same as none, so those go first; past this many
 * clients with partly empty buckets, the oldest go (such a client gets a fresh burst: the price
 * of bounded memory against a flood of addresses).
 */
export const MAX_TRACKED_CLIENTS = 10_000;
/** IPv6 clients are counted by their /64 (4 groups): one host usually holds a whole /64 to rotate through. */
const IPV6_PREFIX_GROUPS = 4;

export type Take = { ok: true } | { ok: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly _buckets = new Map<string, Bucket>();
  private readonly _perMs: number;

  /**
   * @param perMinute burst size and refill per minute; Infinity: no limit.
   * @throws RangeError for a perMinute that is not above 0.
   */
  constructor(
    readonly perMinute: number,
    private readonly _now: () => number = Date.now,
  ) {
    if (!(perMinute > 0)) throw new RangeError(`RateLimiter: perMinute must be above 0 (got ${perMinute})`);
    this._perMs = perMinute / 60_000;
  }

  /** Takes one token of `client`'s bucket, or says how many seconds until one is there. */
  take(client: string): Take {
    if (this.perMinute === Infinity) return { ok: true };
    const now = this._now();
    const key = clientKey(client);
    const b = this._buckets.get(key);
    const tokens = b ? Math.min(this.perMinute, b.tokens + (now - b.at) * this._perMs) : this.perMinute;
    if (tokens < 1) {
      if (b) Object.assign(b, { tokens, at: now });
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - tokens) / this._perMs / 1000)) };
    }
    // Re-inserted, so the map's order is least recently used first.
    this._buckets.delete(key);
    this._buckets.set(key, { tokens: tokens - 1, at: now });
    if (this._buckets.size > MAX_TRACKED_CLIENTS) this._prune(now);
    return { ok: true };
  }

  /** Clients tracked now (tests). */
  get size(): number {
    return this._buckets.size;
  }

  private _prune(now: number): void {
    for (const [k, b] of this._buckets) {
      if (b.tokens + (now - b.at) * this._perMs >= this.perMinute) this._buckets.delete(k);
    }
    for (const k of this._buckets.keys()) {
      if (this._buckets.size <= MAX_TRACKED_CLIENTS) break;
      this._buckets.delete(k);
    }
  }
}

/** The bucket a client address falls in: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function clientKey(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  const [head = '', tail = ''] = a.split('%')[0]!.split('::');
  const front = head ? head.split(':') : [];
  const back = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back] : front;
  return `${groups.slice(0, IPV6_PREFIX_GROUPS).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
