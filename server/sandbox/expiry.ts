/**
 * TTL and idle expiry of a manager's sandboxes: when each was last active, and a sweep every
 * SWEEP_MS that removes those past their expiry time or idle longer than the idle timeout.
 * Disposing it stops the sweep (the manager's DisposableStore owns it).
 */
import { DisposableStore, type Disposable } from '../common/lifecycle.ts';
import type { SandboxTimes } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import type { SandboxInfo } from './types.ts';

/** How often expiry (TTL and idle) is enforced. */
const SWEEP_MS = 30_000;

export class Expiry implements Disposable {
  private readonly store = new DisposableStore();
  private readonly lastActive = new Map<string, number>();

  constructor(
    private readonly times: SandboxTimes,
    /** The sandboxes to watch. */
    private readonly list: () => readonly Pick<SandboxInfo, 'id' | 'expiresAt'>[],
    private readonly expire: (id: string, reason: 'expired' | 'idle') => Promise<void>,
    private readonly log: Logger,
  ) {
    this.store.interval(() => void this.sweepNow(), SWEEP_MS);
  }

  /** Marks activity at `at` so the idle timeout starts again. */
  touch(id: string, at = Date.now()): void {
    this.lastActive.set(id, at);
  }

  forget(id: string): void {
    this.lastActive.delete(id);
  }

  /** Enforces TTL and idle expiry now (it also runs every SWEEP_MS). */
  async sweepNow(): Promise<void> {
    const now = Date.now();
    for (const sb of this.list()) {
      const idle = now - (this.lastActive.get(sb.id) ?? now) > this.times.idleMs;
      if (sb.expiresAt <= now || idle) {
        await this.expire(sb.id, idle ? 'idle' : 'expired').catch((err) =>
          this.log.error('cannot remove expired sandbox', { id: sb.id, error: (err as Error).message }),
        );
      }
    }
  }

  dispose(): Promise<void> {
    return this.store.dispose();
  }
}
