/**
 * While a lesson's sandbox is up, re-runs the current step's check when a node's inner engine
 * reports an event (debounced) and on a slow tick otherwise, so the badge turns green without
 * the learner asking. The current step is the first one not passed; question steps wait for
 * the learner's answer and are never auto-checked.
 */
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { CheckResult, NodeName } from '../common/api.ts';
import { DisposableStore, toDisposable, type Disposable } from '../common/lifecycle.ts';
import { logger, type Logger } from '../core/log.ts';
import type { Step } from './model.ts';

/** An event burst (docker run = create, attach, start, network connect …) settles within this; one check per burst. */
export const EVENT_DEBOUNCE_MS = 400;
/** Without events, check at most this often: catches state no engine event announces (registry contents, answers in files). */
export const TICK_MS = 5_000;
/** After an event stream ends or fails (engine restarting, node starting), try again after this long. */
export const RECONNECT_MS = 2_000;

export interface AutocheckOptions {
  steps: readonly Pick<Step, 'index' | 'question'>[];
  nodes: readonly NodeName[];
  passedSteps: () => number[];
  run: (step: number) => Promise<CheckResult>;
  onResult: (step: number, result: CheckResult) => void;
  /** The node's inner engine, for its event stream. */
  engine: (node: NodeName) => Docker;
  log?: Logger;
}

/** A result worth telling the learner about again only when one of these changed. */
function signature(r: CheckResult): string {
  return JSON.stringify([r.status, r.hint?.id, r.found, r.message]);
}

export function startAutocheck(opts: AutocheckOptions): Disposable {
  const log = opts.log ?? logger('autocheck');
  const store = new DisposableStore();
  /** The last result seen per step (reported or not), to report only changes. */
  const seen = new Map<number, string>();
  let running = false;
  let again = false;
  let debounce: NodeJS.Timeout | undefined;
  /** Re-armed after every run, so without events the check runs every TICK_MS. */
  let tick: NodeJS.Timeout | undefined;
  store.add(toDisposable(() => {
    clearTimeout(debounce);
    clearTimeout(tick);
  }));

  const current = (): number | undefined => {
    const passed = new Set(opts.passedSteps());
    const step = opts.steps.find((s) => !passed.has(s.index));
    return step && step.question === undefined ? step.index : undefined;
  };

  const runNow = async (): Promise<void> => {
    if (store.isDisposed) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(tick);
    tick = setTimeout(() => void runNow(), TICK_MS);
    const step = current();
    if (step === undefined) return;
    running = true;
    try {
      const result = await opts.run(step);
      if (store.isDisposed) return;
      const sig = signature(result);
      const before = seen.get(step);
      seen.set(step, sig);
      // A pass is always news. A failure is news only when it differs from what the learner's
      // sandbox showed before (they did something, and it was not yet right); the first
      // failure on opening a step is not. Errors and timeouts are the author's, shown once.
      if (result.passed || (before !== undefined && before !== sig) || (before === undefined && (result.status === 'error' || result.status === 'timeout'))) {
        opts.onResult(step, result);
      }
    } catch (err) {
      log.warn('auto check failed', { step, error: err });
    } finally {
      running = false;
      if (again && !store.isDisposed) {
        again = false;
        void runNow();
      }
    }
  };

  const schedule = () => {
    if (store.isDisposed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void runNow(), EVENT_DEBOUNCE_MS);
  };

  for (const node of opts.nodes) watchEvents(node, opts.engine(node), schedule, store, log);
  void runNow();
  return toDisposable(() => store.dispose());
}

/** Follows one engine's event stream, reconnecting until the store is disposed. */
function watchEvents(node: NodeName, engine: Docker, onEvent: () => void, store: DisposableStore, log: Logger): void {
  let stream: Readable | undefined;
  let retry: NodeJS.Timeout | undefined;
  store.add(toDisposable(() => {
    clearTimeout(retry);
    stream?.destroy();
  }));
  const later = () => {
    if (!store.isDisposed) retry = setTimeout(() => void connect(), RECONNECT_MS);
  };
  const connect = async () => {
    if (store.isDisposed) return;
    try {
      // getEvents is typed as a stream but resolves to the HTTP response, a Readable.
      const s = (await engine.getEvents()) as unknown as Readable;
      if (store.isDisposed) return void s.destroy();
      stream = s;
      s.on('data', onEvent);
      s.once('error', () => s.destroy());
      s.once('close', later);
    } catch (err) {
      // Expected while the node's engine starts or after the sandbox is gone; keep trying quietly.
      log.debug('engine events not available yet', { node, error: err });
      later();
    }
  };
  void connect();
}
