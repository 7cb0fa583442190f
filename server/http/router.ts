/**
 * The API's route table: one handler per route and method of server/common/api.ts (the compiler
 * holds the table to that list), and the dispatch that applies the origin rule, matches the path
 * and runs the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { routes } from '../common/api.ts';
import type { Route, RouteParams } from '../common/route.ts';
import { HttpError, sendJson } from './httpIo.ts';
import type { OwnOrigin, RequestView } from './ownOrigin.ts';

/** What a handler returns when it wrote the response itself (an event stream). */
export const RESPONDED = Symbol('responded');

export interface RequestContext<P> {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path's params, decoded. */
  params: P;
  /** The path as sent, for messages. */
  path: string;
  /** The request as the client sent it (scheme, host, address), through the proxy rule. */
  view: RequestView;
}

/** Answers with a JSON body (status 200) or RESPONDED; an expected failure throws HttpError. */
export type Handler<P> = (c: RequestContext<P>) => unknown;

/** The terminal and shadow routes are WebSocket upgrades (terminalUpgrade.ts), not requests. */
type ApiRoutes = Omit<typeof routes, 'terminal' | 'shadow'>;

export type RouteTable = {
  [K in keyof ApiRoutes]: { [M in ApiRoutes[K]['methods'][number]]: Handler<RouteParams<ApiRoutes[K]['template']>> };
};

/** The dispatch over `table` for a request under /api/. */
export function apiDispatch(table: RouteTable, own: OwnOrigin): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> {
  const entries = (Object.keys(table) as (keyof RouteTable)[]).map((name) => ({
    route: routes[name] as Route,
    handlers: table[name] as Record<string, Handler<Record<string, string>>>,
  }));
  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    // Reading is harmless from anywhere; a change must come from our own page, or from a client
    // that is no browser page at all (no Origin) and so holds its session cookie itself.
    if (method !== 'GET' && method !== 'HEAD' && !own.allowsOrigin(req.headers.origin, true)) {
      throw new HttpError(401, 'request from a foreign origin refused');
    }
    for (const { route, handlers } of entries) {
      const m = route.match(path);
      if (!m) continue;
      if (!m.ok) throw new HttpError(400, m.error);
      if (!Object.hasOwn(handlers, method)) break;
      const body = await handlers[method]!({ req, res, params: m.params, path, view: own.view(req) });
      if (body !== RESPONDED) sendJson(res, 200, body);
      return;
    }
    throw new HttpError(404, `no route ${method} ${path}`);
  };
}
