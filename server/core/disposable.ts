/**
 * One vocabulary for everything that must be released: listeners, timers, ptys, sockets,
 * containers. Whoever creates a resource registers its release in a DisposableStore it owns,
 * so tearing down the owner tears down everything under it, in reverse order.
 */
export interface Disposable {
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
  private readonly items: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(item: T): T {
    if (this.disposed) {
      void item.dispose();
      return item;
    }
    this.items.push(item);
    return item;
  }

  /** Registers a timer that is cleared with the store. */
  timeout(fn: () => void, ms: number): Disposable {
    const handle = setTimeout(fn, ms);
    return this.add(toDisposable(() => clearTimeout(handle)));
  }

  interval(fn: () => void, ms: number): Disposable {
    const handle = setInterval(fn, ms);
    return this.add(toDisposable(() => clearInterval(handle)));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const item of this.items.splice(0).reverse()) {
      try {
        await item.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, 'some resources failed to dispose');
  }
}

/** A typed event with a disposable subscription, in the manner of VS Code's Emitter. */
export class Emitter<T> implements Disposable {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return toDisposable(() => {
      this.listeners.delete(listener);
    });
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
