/** The page's small lifecycle vocabulary (web/ may not import server/core): whoever creates a
 * listener, timer, socket or terminal registers its release with the view that owns it. */
export interface Disposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

export class DisposableStore implements Disposable {
  private _items: Disposable[] = [];
  private _disposed = false;

  get isDisposed(): boolean {
    return this._disposed;
  }

  add<T extends Disposable>(item: T): T {
    if (this._disposed) item.dispose();
    else this._items.push(item);
    return item;
  }

  /** addEventListener with its removal registered here. */
  listen<K extends keyof HTMLElementEventMap>(
    target: HTMLElement | Window | Document | MediaQueryList,
    type: K | string,
    fn: (e: Event) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn, opts);
    this.add(toDisposable(() => target.removeEventListener(type, fn, opts)));
  }

  interval(fn: () => void, ms: number): void {
    const h = setInterval(fn, ms);
    this.add(toDisposable(() => clearInterval(h)));
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const item of this._items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch (err) {
        console.error('dispose failed', err);
      }
    }
  }
}

/** A typed event: `onX` properties subscribe and return a Disposable. */
export class Emitter<T> implements Disposable {
  private _listeners = new Set<(v: T) => void>();
  readonly event = (fn: (v: T) => void): Disposable => {
    this._listeners.add(fn);
    return toDisposable(() => this._listeners.delete(fn));
  };
  fire(v: T): void {
    for (const l of [...this._listeners]) l(v);
  }
  dispose(): void {
    this._listeners.clear();
  }
}
