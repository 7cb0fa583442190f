import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../core/log.ts';
import { HttpError } from './httpIo.ts';
import { RequestGuard } from './requestGuard.ts';

const lines: { msg: string; details?: Record<string, unknown> }[] = [];
const log: Logger = { debug() {}, info() {}, warn() {}, error: (msg, details) => lines.push({ msg, details }), child: () => log };

let server: http.Server;
let base: string;
beforeAll(async () => {
  const guard = new RequestGuard(log, () => 'learner-7');
  server = http.createServer(
    guard.request((req) => {
      if (req.url === '/expected') throw new HttpError(404, 'no such thing');
      throw new Error('boom');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('RequestGuard', () => {
  it('gives every request an id, names it in a 500 and in the log line', async () => {
    const res = await fetch(`${base}/bug`);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(res.status).toBe(500);
    expect((await res.json()).error).toBe(`internal error (request ${id}): boom`);
    expect(lines.at(-1)).toMatchObject({ msg: 'request failed', details: { request: id, path: '/bug', learner: 'learner-7' } });
  });

  it("keeps a proxy's well-formed X-Request-Id, and makes its own for a malformed one", async () => {
    let res = await fetch(`${base}/expected`, { headers: { 'x-request-id': 'proxy-42.a' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('proxy-42.a');
    res = await fetch(`${base}/expected`, { headers: { 'x-request-id': 'no spaces <allowed>' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}$/);
  });
});
