/**
 * The process's last line, installed by server/main.ts: an error that no entry point caught (the
 * request and upgrade guards, server/http/requestGuard.ts, are the first line). A failure of one
 * request or socket is logged and the server keeps serving every other learner; a broken
 * invariant is logged and ends the process with status 1, since its state can no longer be
 * trusted (whoever runs it restarts it; the next start adopts the live sandboxes).
 */
import { toDisposable, type Disposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';

/**
 * Whether an uncaught error is one request's or socket's failure: a Node system error
 * (ECONNRESET, EPIPE, …), a Node ERR_* error (an invalid URL, a stream written after its end),
 * or a malformed percent-escape (URIError). An assertion (ERR_ASSERTION), or any error without
 * such a code, is a broken invariant.
 */
export function survivable(err: unknown): boolean {
  if (err instanceof URIError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code !== 'ERR_ASSERTION' && /^(E[A-Z0-9]+|ERR_[A-Z0-9_]+)$/.test(code);
}

/** What happens to an error that reached the process: logged; `exit(1)` unless survivable. */
export function lastResortHandler(log: Logger, exit: (code: number) => void): (err: unknown, origin: string) => void {
  return (err, origin) => {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    if (survivable(err)) {
      log.error('uncaught error survived (a bug: it should have been caught where it happened)', { origin, error });
      return;
    }
    log.error('broken invariant: exiting', { origin, error });
    exit(1);
  };
}

/** Installs the handler for uncaught exceptions and unhandled rejections; dispose removes it. */
export function installLastResort(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): Disposable {
  const handler = lastResortHandler(log, exit);
  const onException = (err: Error, origin: string) => handler(err, origin);
  const onRejection = (reason: unknown) => handler(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return toDisposable(() => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  });
}
