/**
 * A Node client of the lab's HTTP API, the way the page uses it: a session cookie, JSON routes,
 * the learner's sandbox, checks, joining a workshop, and the SSE event stream. Used by tests, the
 * benches and the lesson validator; terminals go through TermClient (server/robot/termClient.ts).
 * AdminClient is the instructor's side: the admin cookie, workshops, the room and its stream.
 *
 * @example
 *   const lab = await LabClient.open('http://127.0.0.1:8080');
 *   await lab.startSandbox('welcome', (p) => console.log(p.phase, p.percent));
 *   const result = await lab.check('welcome', 0);
 *
 *   const admin = await AdminClient.login('http://127.0.0.1:8080', token);
 *   const w = await admin.createWorkshop({ title: 'Docker 101', lessons: ['welcome'], … });
 *   const room = admin.roomEvents(w.id); // EventStream<RoomEvent>
 */
import {
  ADMIN_COOKIE,
  routes,
  SESSION_COOKIE,
  type AttendeeInfo,
  type CheckResult,
  type NodeName,
  type RoomEvent,
  type RoomView,
  type SandboxStatus,
  type ServerEvent,
  type SessionInfo,
  type WorkshopInput,
  type WorkshopSummary,
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

/**
 * The value of cookie `name` in a response's Set-Cookie header(s) (several may be joined with
 * ", ", as fetch's headers.get does), or undefined when it sets none or an empty one (a logout).
 */
export function cookieFrom(setCookie: string | null | undefined, name: string): string | undefined {
  if (!setCookie) return undefined;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[,;]\\s*)${escaped}=([^;,\\s]+)`).exec(setCookie)?.[1];
}

/** Sends one request with `cookie`; returns the status, parsed JSON body (text if not JSON,
 * undefined if empty) and the response headers; never throws for an HTTP error status. */
async function send(baseUrl: string, cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The parsed body of a 2xx answer. @throws LabApiError for any other status. */
function ok<T>(r: { status: number; body: unknown }, method: string, path: string): T {
  if (r.status < 200 || r.status > 299) {
    const msg = (r.body as { error?: string } | undefined)?.error ?? String(r.body);
    throw new LabApiError(r.status, msg, method, path);
  }
  return r.body as T;
}

export class LabClient {
  private constructor(
    /** The server's base URL, without a trailing slash. */
    readonly baseUrl: string,
    private _cookie: string,
    private _learner: string,
  ) {}

  /** The value for a Cookie header that carries this client's session. */
  get cookie(): string {
    return this._cookie;
  }

  /** The learner id the server gave this session (a join that made a new learner changes it). */
  get learner(): string {
    return this._learner;
  }

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
    const token = cookieFrom(res.headers.get('set-cookie'), SESSION_COOKIE) || opts.token;
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
    const { status, body: parsed } = await send(this.baseUrl, this._cookie, method, path, body);
    return { status, body: parsed };
  }

  /** Sends one JSON request and returns the parsed answer.
   * @throws LabApiError for any non-2xx status, with the server's `error` message. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    return ok<T>(await this.request(method, path, body), method, path);
  }

  /**
   * Joins the workshop with join code `code` as `name`, the way the join page does. This session's
   * learner becomes the attendee when it is free; when the server makes a new learner instead (this
   * one is already another workshop's attendee), the client carries the new session from then on.
   * The attendee's sandbox starts on the server at once (sandbox events follow on events()).
   * @throws LabApiError 404 for a wrong code, 403 not open yet or ended, 409 full or name taken.
   */
  async join(code: string, name: string): Promise<AttendeeInfo> {
    const path = routes.join.path();
    const r = await send(this.baseUrl, this._cookie, 'POST', path, { code, name });
    const info = ok<AttendeeInfo>(r, 'POST', path);
    const token = cookieFrom(r.headers.get('set-cookie'), SESSION_COOKIE);
    if (token) this._cookie = `${SESSION_COOKIE}=${token}`;
    this._learner = info.attendee.id;
    return info;
  }

  /** This learner's workshop. @throws LabApiError 404 when the learner is no attendee. */
  myWorkshop(): Promise<AttendeeInfo> {
    return this.api<AttendeeInfo>('GET', routes.myWorkshop.path());
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
    return new EventStream(this.baseUrl + routes.events.path(), this._cookie);
  }
}

/**
 * The instructor's client: the admin cookie (from POST adminLogin with the admin token), the
 * workshops, a room, its event stream, and ending a workshop.
 */
export class AdminClient {
  private constructor(
    /** The server's base URL, without a trailing slash. */
    readonly baseUrl: string,
    /** The value for a Cookie header that carries the admin session. */
    readonly cookie: string,
  ) {}

  /**
   * Logs in with the admin token and returns a client that sends the admin cookie.
   * @throws LabApiError 401 for a wrong token, 429 after too many logins from this address.
   */
  static async login(baseUrl: string, token: string): Promise<AdminClient> {
    const base = baseUrl.replace(/\/+$/, '');
    const path = routes.adminLogin.path();
    const r = await send(base, '', 'POST', path, { token });
    ok(r, 'POST', path);
    const session = cookieFrom(r.headers.get('set-cookie'), ADMIN_COOKIE);
    if (!session) throw new Error(`POST ${path} set no ${ADMIN_COOKIE} cookie`);
    return new AdminClient(base, `${ADMIN_COOKIE}=${session}`);
  }

  /** Sends one JSON request with the admin cookie and returns the parsed answer.
   * @throws LabApiError for any non-2xx status, with the server's `error` message. */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    return ok<T>(await send(this.baseUrl, this.cookie, method, path, body), method, path);
  }

  /** @throws LabApiError 400 for an unknown lesson or hours that make no sense. */
  createWorkshop(input: WorkshopInput): Promise<WorkshopSummary> {
    return this.api<WorkshopSummary>('POST', routes.workshops.path(), input);
  }

  workshops(): Promise<WorkshopSummary[]> {
    return this.api<WorkshopSummary[]>('GET', routes.workshops.path());
  }

  room(workshop: string): Promise<RoomView> {
    return this.api<RoomView>('GET', routes.workshop.path({ workshop }));
  }

  /** Ends the workshop: the server removes its attendees' sandboxes and its spares. */
  endWorkshop(workshop: string): Promise<WorkshopSummary> {
    return this.api<WorkshopSummary>('POST', routes.endWorkshop.path({ workshop }), {});
  }

  /** The room's SSE stream (the room first, then again after each change). Close it when done. */
  roomEvents(workshop: string): EventStream<RoomEvent> {
    return new EventStream<RoomEvent>(this.baseUrl + routes.roomEvents.path({ workshop }), this.cookie);
  }
}

/**
 * An SSE stream of JSON events (by default the learner's ServerEvents), as an async iterator
 * (`for await (const e of stream)`), a listener (`on`), or one at a time (`next(predicate,
 * timeoutMs)`). Events that arrive before anyone asks are buffered.
 */
export class EventStream<E = ServerEvent> implements AsyncIterable<E> {
  private readonly _abort = new AbortController();
  private readonly _queue: E[] = [];
  private readonly _waiters = new Set<() => void>();
  private readonly _listeners = new Set<(e: E) => void>();
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
  on(listener: (e: E) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /** The next buffered or future event matching `predicate` (earlier non-matching ones are
   * dropped), or undefined after `timeoutMs` or when the stream ends. */
  async next(predicate: (e: E) => boolean = () => true, timeoutMs = 30_000): Promise<E | undefined> {
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

  async *[Symbol.asyncIterator](): AsyncIterator<E> {
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
        const event = JSON.parse(data) as E;
        this._queue.push(event);
        if (this._queue.length > MAX_BUFFERED_EVENTS) this._queue.shift();
        for (const l of this._listeners) l(event);
        this._wake();
      }
    }
  }
}
