import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, sendJson } from './httpIo.ts';
import { bearer, serveOps, type Ops, type ReadyCheck } from './opsRoutes.ts';

let engineOk = true;
const ops: Ops = {
  async ready(): Promise<Record<string, ReadyCheck>> {
    return { engine: { ok: engineOk, detail: engineOk ? 'answers' : 'does not answer' }, store: { ok: true, detail: 'answers' } };
  },
  async metrics() {
    return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# HELP shiplab_x x\nshiplab_x 1\n' };
  },
  authorized: (req) => bearer(req) === 'the-secret',
};

let server: http.Server;
let base: string;
beforeAll(async () => {
  // The lab's own order: an operator path, else (here) a 404 like the page's missing file.
  server = http.createServer((req, res) => {
    serveOps(ops, req, res, new URL(req.url ?? '/', 'http://x').pathname)
      .then((served) => {
        if (!served) sendJson(res, 404, { error: 'not an operator path' });
      })
      .catch((err: unknown) => {
        if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
        else sendJson(res, 500, { error: String(err) });
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('operator endpoints', () => {
  it('/healthz answers while the process does', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every condition holds and 503 naming the one that does not', async () => {
    engineOk = true;
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('ready');
    engineOk = false;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'not ready',
      checks: { engine: { ok: false, detail: 'does not answer' }, store: { ok: true, detail: 'answers' } },
    });
  });

  it('/metrics needs the admin secret as a bearer token', async () => {
    let res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect((await res.json()).error).toMatch(/admin secret/);
    res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer the-secret' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('shiplab_x 1');
  });

  it('answers GET only, and leaves other paths alone', async () => {
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/healthz/x`)).status).toBe(404);
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
  });
});
