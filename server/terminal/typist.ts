/**
 * The server typing lines into a learner's own shell (a workshop's "jump an attendee to step N":
 * earlier steps' solution lines, typed where the attendee and any shadow see them). Input goes in
 * as if typed; the prompt rule is the robot's (server/common/prompt.ts), read off the session's
 * headless mirror. The learner is not locked out: what they type meanwhile is their business.
 */
import type { NodeName } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';

/** How long the first prompt, and then each typed line, may take (ms): as the robot's
 * LINE_TIMEOUT_MS, a `docker pull` from the local mirror takes ~5 s here; a slow machine gets 24×. */
export const TYPE_LINE_TIMEOUT_MS = 120_000;

/** How often a wait looks at the mirror (ms): far below PROMPT_QUIET_MS, cheap for one shell. */
const POLL_MS = 10;

export interface TypeLinesOptions {
  /** How long the first prompt, and then each line, may take (ms); default TYPE_LINE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Stops typing: no further line is sent (one already sent runs on in the shell); rejects with
   * the signal's reason. */
  signal?: AbortSignal;
}

/** What typing needs of a TerminalSession. */
export interface TypistSession {
  readonly node: NodeName;
  readonly isEnded: boolean;
  readonly lineFeeds: number;
  atPrompt(): boolean;
  input(data: Uint8Array): void;
  keepAlive(): Disposable;
  screenText(): string;
}

/** Typing gave up: the line it was at (or about to type), the node, and the screen then. */
export class TypeLinesError extends Error {
  constructor(
    readonly node: NodeName,
    readonly line: string,
    what: string,
    readonly screen: string,
  ) {
    super(`${node}: ${what}; the screen shows:\n${screen.replace(/\n+$/, '')}`);
    this.name = 'TypeLinesError';
  }
}

/**
 * Waits for a prompt, then types each line and Enter and waits for the next prompt after the
 * Enter's line feed (so neither the prompt the line was typed at nor an echo that ends like a
 * prompt counts). Keeps the shell alive meanwhile, attached or not.
 * @throws TypeError when a line holds a line break (before anything is typed).
 * @throws TypeLinesError naming the line and node on a timeout, or when the shell ends first.
 * @throws the signal's reason when `opts.signal` aborts.
 */
export async function typeLines(session: TypistSession, lines: readonly string[], opts: TypeLinesOptions = {}): Promise<void> {
  for (const line of lines) {
    if (/[\r\n]/.test(line)) throw new TypeError(`each line must be one line (got ${JSON.stringify(line)})`);
  }
  if (lines.length === 0) return;
  const timeoutMs = opts.timeoutMs ?? TYPE_LINE_TIMEOUT_MS;
  const within = `within ${(timeoutMs / 1000).toFixed(1)} s`;
  const hold = session.keepAlive();
  try {
    await until(session, lines[0]!, `no shell prompt to type \`${lines[0]}\` at ${within}`, timeoutMs, opts.signal, () => session.atPrompt());
    for (const line of lines) {
      opts.signal?.throwIfAborted();
      const feeds = session.lineFeeds;
      session.input(new TextEncoder().encode(`${line}\r`));
      await until(session, line, `\`${line}\`: no shell prompt ${within}`, timeoutMs, opts.signal, () => session.lineFeeds > feeds && session.atPrompt());
    }
  } finally {
    void hold.dispose();
  }
}

async function until(
  session: TypistSession,
  line: string,
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  done: () => boolean,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (session.isEnded) throw new TypeLinesError(session.node, line, `the shell ended while typing \`${line}\``, session.screenText());
    if (done()) return;
    if (performance.now() > deadline) throw new TypeLinesError(session.node, line, what, session.screenText());
    await sleep(POLL_MS, signal);
  }
}

/** Waits `ms`, or less when `signal` aborts (the caller then throws its reason). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
