/**
 * A Node client of the lab's HTTP API, the way the page uses it: a session cookie, JSON routes,
 * the learner's sandbox, checks, and the SSE event stream. Used by tests, the terminal bench and
 * the lesson validator; terminals go through TermClient (server/robot/termClient.ts).
 *
 * @example
 *   const lab = await LabClient.open('http://127.0.0.1:8080');
 *   await lab.startSandbox('welcome', (p) => console.log(p.phase, p.percent));
 *   const result = await lab.check('welcome', 0);
 */
import {
  routes,
  SESSION_COOKIE,
  type CheckResult,
  type NodeName,
  type SandboxStatus,
  type ServerEvent,
  type SessionInfo,
} from '../common/api.ts';

/** How long startSandbox waits for `ready` by default: a first start may build images. */
const DEFAULT_START_TIMEOUT_MS = 15 * 60_000;

/** Events nobody has asked for yet are kept up to this many (oldest dropped), so a stream used
 * only through `on` does not grow without bound. */
const MAX_BUFFERED_EVENTS = 1000;

/** A non-2xx answer from the API; `status` is the HTTP status, `message` the server's `error`. */
export class LabApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} → ${status}: ${message}`);
  }
}

export class LabClient {
  private constructor(
    /** The server's base URL, without a trailing slash. */
    readonly baseUrl: string,
    /** The value for a Cookie header that carries this client's session. */
    readonly cookie: string,
    /** The learner id the server gave this session. */
    readonly learner: string,
  ) {}

  /**
   * Creates a new learner session on the server at `baseUrl` (or resumes the one whose token is
   * given) and returns a client that sends its cookie with every request.
   * @throws LabApiError when the server refuses; a TypeError from fetch when nothing answers.
   */
  static async open(baseUrl: string, opts: { token?: string } = {}): Promise<LabClient> {
    const base = baseUrl.replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    if (opts.token) headers.cookie = `${SESSION_COOKIE}=${opts.token}`;
    const res = await fetch(base + routes.session.path(), { method: 'POST', headers });
    const body = (await res.json()) as SessionInfo & { error?: string };
    if (!res.ok) throw new LabApiError(res.status, body.error ?? res.statusText, 'POST', routes.session.path());
    const setCookie = res.headers.get('set-cookie');
    const token = setCookie ? new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie)?.[1] : opts.token;
    if (!token) throw new Error(`POST ${routes.session.path()} set no ${SESSION_COOKIE} cookie`);
    return new LabClient(base, `${SESSION_COOKIE}=${token}`, body.learner);
  }

  /** The raw session token (to resume this learner with LabClient.open(url, { token })). */
  get token(): string {
    return this.cookie.slice(SESSION_COOKIE.length + 1);
  }

  /** Sends one request; returns the status and parsed JSON body (undefined if none), never throws
   * for an HTTP error status. */
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { cookie: this.cookie };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, body: parsed };
  }

  /** Sends one JSON request and returns the parsed answer.
   * @throws LabApiError for any non-2xx status, with the server's `error` message. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request(method, path, body);
    if (r.status < 200 || r.status > 299) {
      const msg = (r.body as { error?: string } | undefined)?.error ?? String(r.body);
      throw new LabApiError(r.status, msg, method, path);
    }
    return r.body as T;
  }

  /**
   * Starts (or reuses) this learner's sandbox for `lesson` and resolves with its status once it
   * is ready. `onProgress` gets each (phase, percent) while it starts.
   * @throws Error when the sandbox fails to start or is not ready within `timeoutMs` (default 15 min).
   */
  async startSandbox(
    lesson: string,
    onProgress?: (p: { phase: string; percent: number }) => void,
    opts: { timeoutMs?: number } = {},
  ): Promise<SandboxStatus> {
    const events = this.events();
    try {
      // The stream opens with the current status; consume it so only news is read below.
      await events.next((e) => e.type === 'sandbox', 10_000);
      let status = await this.api<SandboxStatus>('POST', routes.sandbox.path(), { lesson });
      const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS);
      while (status.state === 'starting') {
        if (status.progress) onProgress?.(status.progress);
        const e = await events.next((ev) => ev.type === 'sandbox', Math.min(5_000, Math.max(1, deadline - Date.now())));
        // Events are the fast path; a GET every 5 s covers a stream that broke.
        status = e?.type === 'sandbox' ? e.status : await this.api<SandboxStatus>('GET', routes.sandbox.path());
        if (Date.now() > deadline && status.state === 'starting') {
          throw new Error(`the sandbox for ${lesson} was not ready after ${opts.timeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms (last phase: ${status.progress?.phase})`);
        }
      }
      if (status.state !== 'ready') throw new Error(`the sandbox for ${lesson} did not start: ${status.state}${status.error ? `: ${status.error}` : ''}`);
      return status;
    } finally {
      events.close();
    }
  }

  /** The learner's sandbox status. */
  sandbox(): Promise<SandboxStatus> {
    return this.api<SandboxStatus>('GET', routes.sandbox.path());
  }

  /** Removes the learner's sandbox (its terminals close with CloseCode.Gone). */
  stopSandbox(): Promise<SandboxStatus> {
    return this.api<SandboxStatus>('DELETE', routes.sandbox.path());
  }

  /** Runs step `step` (0-based) of `lesson`'s check against the learner's sandbox.
   * @throws LabApiError 409 when no sandbox is ready, 404 for an unknown lesson or step. */
  check(lesson: string, step: number, answer?: string): Promise<CheckResult> {
    return this.api<CheckResult>('POST', routes.check.path({ lesson, step }), answer === undefined ? {} : { answer });
  }

  /** The WebSocket URL of a node's terminal. */
  terminalUrl(node: NodeName): string {
    return this.baseUrl.replace(/^http/, 'ws') + routes.terminal.path({ node });
  }

  /** Opens the SSE stream of this learner's events (the server sends the sandbox status and the
   * progress first). Close it when done. */
  events(): EventStream {
    return new EventStream(this.baseUrl + routes.events.path(), this.cookie);
  }
}

/**
 * The learner's ServerEvents, as an async iterator (`for await (const e of stream)`), a listener
 * (`on`), or one at a time (`next(predicate, timeoutMs)`). Events that arrive before anyone asks
 * are buffered.
 */
export class EventStream implements AsyncIterable<ServerEvent> {
  private readonly _abort = new AbortController();
  private readonly _queue: ServerEvent[] = [];
  private readonly _waiters = new Set<() => void>();
  private readonly _listeners = new Set<(e: ServerEvent) => void>();
  private _closed = false;
  /** Resolves when the stream ends (closed, or the server went away). */
  readonly done: Promise<void>;

  constructor(url: string, cookie: string) {
    this.done = this._read(url, cookie).catch(() => {
      // The stream ends on close() (AbortError) or when the server goes away; both mean "done".
    }).finally(() => {
      this._closed = true;
      this._wake();
    });
  }

  /** Calls `listener` for every event from now on; returns an unsubscribe function. */
  on(listener: (e: ServerEvent) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** The next buffered or future event matching `predicate` (earlier non-matching ones are
   * dropped), or undefined after `timeoutMs` or when the stream ends. */
  async next(predicate: (e: ServerEvent) => boolean = () => true, timeoutMs = 30_000): Promise<ServerEvent | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this._queue.length) {
        const e = this._queue.shift()!;
        if (predicate(e)) return e;
      }
      if (this._closed || Date.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(0, deadline - Date.now()));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this._waiters.add(done);
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ServerEvent> {
    for (;;) {
      const e = await this.next(() => true, 60_000);
      if (e) yield e;
      else if (this._closed) return;
    }
  }

  close(): void {
    this._closed = true;
    this._abort.abort();
    this._wake();
  }

  private _wake(): void {
    for (const w of [...this._waiters]) w();
    this._waiters.clear();
  }

  private async _read(url: string, cookie: string): Promise<void> {
    const res = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: this._abort.signal });
    if (!res.ok || !res.body) throw new Error(`GET ${url} → ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        const event = JSON.parse(data) as ServerEvent;
        this._queue.push(event);
        if (this._queue.length > MAX_BUFFERED_EVENTS) this._queue.shift();
        for (const l of this._listeners) l(event);
        this._wake();
      }
    }
  }
}
