/**
 * The operator's endpoints, outside the learners' API: `/healthz` (the process answers),
 * `/readyz` (what a load balancer asks before sending learners: 200 or 503 with the reasons) and
 * `/metrics` (Prometheus text; only with the admin secret, as `Authorization: Bearer <secret>`, or
 * the admin console's cookie: it names lessons, counts and capacity, nothing for the public).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson } from './httpIo.ts';

export const OPS_PATHS = { health: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;

/** The paths a load balancer or kubelet probes. */
export function isProbePath(path: string): boolean {
  return path === OPS_PATHS.health || path === OPS_PATHS.ready;
}

/** One readiness condition: ok, and what was seen (shown to the operator). */
export interface ReadyCheck {
  ok: boolean;
  detail: string;
}

export interface Ops {
  /** Each condition readiness needs, by name (engine, store, capacity…). */
  ready(): Promise<Record<string, ReadyCheck>>;
  /** The metrics in the Prometheus text format. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Whether the request carries the admin secret or an admin session. */
  authorized(req: IncomingMessage): boolean;
}

/** The bearer token of an Authorization header, if that is what it holds. */
export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer ([!-~]{1,512})$/.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** Answers an operator path; false when `path` is none of them. */
export async function serveOps(ops: Ops, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  if (!(Object.values(OPS_PATHS) as string[]).includes(path)) return false;
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${path} answers GET only`);
  if (path === OPS_PATHS.health) {
    sendJson(res, 200, { status: 'ok' });
  } else if (path === OPS_PATHS.ready) {
    const checks = await ops.ready();
    const ready = Object.values(checks).every((c) => c.ok);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  } else {
    if (!ops.authorized(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="shiplab metrics"');
      throw new HttpError(401, 'metrics need the admin secret: Authorization: Bearer <SHIPLAB_ADMIN_TOKEN>');
    }
    const { contentType, body } = await ops.metrics();
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(method === 'HEAD' ? undefined : body);
  }
  return true;
}
