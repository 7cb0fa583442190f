/** Server-sent events per learner: the sandbox's status, check results, progress. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerEvent } from '../common/api.ts';
import { Emitter, toDisposable, type Disposable } from '../common/lifecycle.ts';

/** A comment line this often keeps proxies and the browser from timing the stream out. */
const HEARTBEAT_MS = 15_000;
/** EventSource waits this long before reconnecting after the stream breaks. */
const RETRY_MS = 2_000;

export class LearnerEvents implements Disposable {
  private readonly _emitters = new Map<string, Emitter<ServerEvent>>();
  private readonly _streams = new Set<ServerResponse>();

  publish(learner: string, event: ServerEvent): void {
    this._emitters.get(learner)?.fire(event);
  }

  subscribe(learner: string, listener: (e: ServerEvent) => void): Disposable {
    let em = this._emitters.get(learner);
    if (!em) this._emitters.set(learner, (em = new Emitter()));
    const sub = em.event(listener);
    return toDisposable(() => sub.dispose());
  }

  /**
   * Serves one text/event-stream until the client goes away; `initial` events go first.
   * `onBeat` runs with every heartbeat: an open page is a learner reading the lesson, which
   * keeps the sandbox from the idle timeout (the TTL still bounds a forgotten tab).
   */
  serve(req: IncomingMessage, res: ServerResponse, learner: string, initial: ServerEvent[], onBeat?: () => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const send = (e: ServerEvent) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    for (const e of initial) send(e);
    const sub = this.subscribe(learner, send);
    const beat = setInterval(() => {
      res.write(': ping\n\n');
      onBeat?.();
    }, HEARTBEAT_MS);
    this._streams.add(res);
    const done = () => {
      clearInterval(beat);
      sub.dispose();
      this._streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  dispose(): void {
    for (const res of this._streams) res.end();
    this._streams.clear();
    for (const em of this._emitters.values()) em.dispose();
    this._emitters.clear();
  }
}
