/**
 * One vocabulary for everything that must be released: listeners, timers, ptys, sockets,
 * containers, in the server and in the page alike (no DOM, no Node here). Whoever creates a
 * resource registers its release in a DisposableStore it owns, so tearing down the owner tears
 * down everything under it, in reverse order. In the manner of xterm.js's Lifecycle.ts and VS
 * Code's Emitter.
 */
export interface Disposable {
  /** Releases the resource; a second call does nothing. May be async (a container to remove). */
  dispose(): void | Promise<void>;
}

export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

export class DisposableStore implements Disposable {
  private readonly _items: Disposable[] = [];
  private _disposed = false;

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Registers `item`; a store already disposed disposes it at once, so a late add cannot leak. */
  add<T extends Disposable>(item: T): T {
    if (this._disposed) {
      void item.dispose();
      return item;
    }
    this._items.push(item);
    return item;
  }

  /** Registers a timer that is cleared with the store. */
  timeout(fn: () => void, ms: number): Disposable {
    const handle = setTimeout(fn, ms);
    return this.add(toDisposable(() => clearTimeout(handle)));
  }

  /** Registers an interval that is cleared with the store. */
  interval(fn: () => void, ms: number): Disposable {
    const handle = setInterval(fn, ms);
    return this.add(toDisposable(() => clearInterval(handle)));
  }

  /**
   * Disposes every item, newest first, each even if an earlier one failed.
   * @throws AggregateError (as a rejection) naming every item that failed to dispose.
   */
  async dispose(): Promise<void> {
    if (this._disposed) return;
    this._disposed = true;
    const errors: unknown[] = [];
    for (const item of this._items.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'some resources failed to dispose');
  }
}

/** A typed event with a disposable subscription: `readonly onX = this._onX.event`. */
export class Emitter<T> implements Disposable {
  private readonly _listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this._listeners.add(listener);
    return toDisposable(() => {
      this._listeners.delete(listener);
    });
  };

  /** Calls every listener; one that throws is reported and does not stop the others. */
  fire(value: T): void {
    for (const l of [...this._listeners]) {
      try {
        l(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }

  dispose(): void {
    this._listeners.clear();
  }
}
