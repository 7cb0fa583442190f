/**
 * Server-sent events: one text/event-stream per open page, the events first that say where things
 * stand, then whatever is published, with a heartbeat that keeps the stream (and the sandbox) alive.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerEvent } from '../common/api.ts';
import type { Disposable } from '../common/lifecycle.ts';

/** A comment line this often keeps proxies and the browser from timing the stream out. */
const HEARTBEAT_MS = 15_000;
/** EventSource waits this long before reconnecting after the stream breaks. */
const RETRY_MS = 2_000;

export interface EventSourceFeed<E extends { type: string } = ServerEvent> {
  /** Sent first, before anything published later. */
  initial: E[];
  /** Subscribes `send` to this stream's events until the stream ends. */
  subscribe(send: (e: E) => void): Disposable;
  /**
   * Runs with every heartbeat: an open page is a learner reading the lesson, which keeps the
   * sandbox from the idle timeout (the TTL still bounds a forgotten tab).
   */
  onBeat?(): void;
}

/** Every open event stream of the server, so closing the server can end them. */
export class EventStreams implements Disposable {
  private readonly _open = new Map<ServerResponse, () => void>();

  /** Serves one text/event-stream until the client goes away or the server closes. */
  serve<E extends { type: string }>(req: IncomingMessage, res: ServerResponse, feed: EventSourceFeed<E>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    const send = (e: E) => res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    for (const e of feed.initial) send(e);
    const sub = feed.subscribe(send);
    const beat = setInterval(() => {
      res.write(': ping\n\n');
      feed.onBeat?.();
    }, HEARTBEAT_MS);
    const done = () => {
      clearInterval(beat);
      void sub.dispose();
      this._open.delete(res);
    };
    this._open.set(res, done);
    req.on('close', done);
    res.on('close', done);
  }

  dispose(): void {
    for (const [res, done] of [...this._open]) {
      done();
      res.end();
    }
  }
}
