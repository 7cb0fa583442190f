/** The page's side of server/common/api.ts: JSON requests and the SSE event stream. */
import { routes, type ServerEvent } from '../server/common/api.ts';
import { Emitter, type Disposable } from '../server/common/lifecycle.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Retry-After of a 429 or 503 (too many requests, the lab is full), seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after') ?? NaN);
    throw new ApiError(res.status, (data as { error?: string } | undefined)?.error ?? `${res.status} ${res.statusText}`, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  return data as T;
}

export type Connection = 'connecting' | 'open' | 'lost';

/** EventSource retries on its own while the server is unreachable; when the server answers with
 * an error instead (e.g. it restarted and wants a session first) it gives up, and we reopen. */
const REOPEN_AFTER_MS = 3_000;

/** Every ServerEvent type, once: the compiler refuses this record when api.ts adds a type. */
const SERVER_EVENT_TYPES: Record<ServerEvent['type'], true> = { sandbox: true, check: true, progress: true, broadcast: true, workshop: true };

/** An SSE stream of JSON events named by their `type` (server/http/sse.ts), reconnecting for as
 * long as the page holds it. */
export class EventStream<E> implements Disposable {
  private _source!: EventSource;
  private readonly _onEvent = new Emitter<E>();
  private readonly _onConnection = new Emitter<Connection>();
  readonly onEvent = this._onEvent.event;
  readonly onConnection = this._onConnection.event;
  private _state: Connection = 'connecting';
  private _reopen: ReturnType<typeof setTimeout> | undefined;
  private _disposed = false;

  constructor(
    private readonly _path: string,
    private readonly _types: readonly string[],
    private readonly _beforeReopen: () => Promise<void> = async () => {},
  ) {
    this._open();
  }

  get state(): Connection {
    return this._state;
  }

  /** Closes the stream and opens it again now: the session behind the cookie changed (joining a
   * workshop replaces it), and the stream must be the new session's. */
  reopen(): void {
    if (this._disposed) return;
    clearTimeout(this._reopen);
    this._source.close();
    this._set('connecting');
    this._open();
  }

  private _open(): void {
    const source = (this._source = new EventSource(this._path));
    for (const type of this._types) {
      source.addEventListener(type, (e) => {
        try {
          this._onEvent.fire(JSON.parse((e as MessageEvent<string>).data) as E);
        } catch (err) {
          console.error('bad server event', err);
        }
      });
    }
    source.onopen = () => this._set('open');
    source.onerror = () => {
      if (source !== this._source) return;
      this._set('lost');
      if (source.readyState === EventSource.CLOSED && !this._disposed) {
        this._reopen = setTimeout(() => {
          void this._beforeReopen().catch(() => {}).finally(() => {
            if (!this._disposed && source === this._source) this._open();
          });
        }, REOPEN_AFTER_MS);
      }
    };
  }

  private _set(s: Connection): void {
    if (s === this._state) return;
    this._state = s;
    this._onConnection.fire(s);
  }

  dispose(): void {
    this._disposed = true;
    clearTimeout(this._reopen);
    this._source.close();
    this._onEvent.dispose();
    this._onConnection.dispose();
  }
}

/** The learner's SSE stream (routes.events), reconnecting for as long as the page lives. */
export class ServerEvents extends EventStream<ServerEvent> {
  constructor(beforeReopen?: () => Promise<void>) {
    super(routes.events.path(), Object.keys(SERVER_EVENT_TYPES), beforeReopen);
  }
}
