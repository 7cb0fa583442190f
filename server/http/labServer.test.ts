/**
 * The HTTP edge over fakes (no engine): statuses, messages, cookies, SSE and WebSocket refusals
 * as the page and the e2e tests expect them.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode, routes, SESSION_COOKIE, type CheckResult, type LessonView, type ServerEvent } from '../common/api.ts';
import { Emitter, toDisposable } from '../common/lifecycle.ts';
import type { Logger } from '../core/log.ts';
import { Learners } from '../learners/learners.ts';
import { SessionStore } from '../learners/sessionStore.ts';
import { openDatabase } from '../store/database.ts';
import { Workshops } from '../workshops/workshops.ts';
import type { LessonService } from '../lessons/types.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { localNodeShell } from '../terminal/nodeShell.ts';
import { TerminalHub } from '../terminal/terminalHub.ts';
import { serveLab, type LabHttp } from './labServer.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const boxes = new Map<string, SandboxInfo>();
const sandboxes = {
  async create(owner: string) {
    const info = { id: `sb-${owner}`, owner, nodes: { node1: {} } } as SandboxInfo;
    boxes.set(info.id, info);
    return info;
  },
  get: (id: string) => boxes.get(id),
  list: () => [...boxes.values()],
  touch() {},
  async destroy(id: string) {
    boxes.delete(id);
  },
  onDestroyed: new Emitter<{ id: string; reason: DestroyReason }>().event,
} as unknown as Sandboxes;
const lessons: LessonService = {
  list: () => [],
  view: (id) => (id === 'intro' ? ({ id, stepViews: [{}, {}] } as LessonView) : undefined),
  check: async (_l, _s, _sb, answer): Promise<CheckResult> => ({ status: answer === '42' ? 'passed' : 'not-yet', passed: answer === '42', durationMs: 1 }),
  watch: () => toDisposable(() => {}),
};

let dir: string;
let learners: Learners;
let terminals: TerminalHub;
let web: LabHttp;
let workshops: Workshops;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-http-'));
  const db = openDatabase(path.join(dir, 'shiplab.db'));
  learners = new Learners({ sessions: SessionStore.open(db), sandboxes, lessons, log: quiet });
  terminals = new TerminalHub({ sandboxes, shell: localNodeShell(), log: quiet });
  workshops = new Workshops({ db, learners, lessons, sandboxes: sandboxes, terminals, idleMs: 300_000, log: quiet });
  web = await serveLab({ learners, lessons, terminals, workshops, staticDir: dir, host: '127.0.0.1', port: 0, log: quiet });
});
afterAll(async () => {
  await web.close(() => terminals.dispose());
  await learners.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, p: string, opts: { cookie?: string; body?: string; origin?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(web.url + p, { method, headers, body: opts.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, setCookie: res.headers.get('set-cookie') };
}

/** A request with headers fetch will not send (Host): status, JSON body and set-cookie. */
function rawRequest(base: string, method: string, p: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: Record<string, unknown>; setCookie: string | undefined }>((resolve, reject) => {
    const req = http.request(base + p, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, setCookie: res.headers['set-cookie']?.[0] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes written as they are on a fresh connection: the first line of the answer, and its body. */
function rawBytes(base: string, bytes: string) {
  return new Promise<{ status: string; body: string }>((resolve, reject) => {
    const u = new URL(base);
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      const head = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
      if (head >= 0 && text.length - head - 4 >= length) socket.destroy();
    });
    socket.on('close', () => resolve({ status: text.split('\r\n')[0] ?? '', body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

/** How a terminal upgrade ends: its close code, or the HTTP status it was refused with. */
function closeCodeOf(base: string, node: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + `/ws/terminal/${node}`, { headers });
    ws.on('close', (code) => resolve(code));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

async function newLearner(): Promise<string> {
  const r = await call('POST', routes.session.path());
  return r.setCookie!.split(';')[0]!;
}

describe('the lab API', () => {
  it('gives a session cookie once and knows the learner by it', async () => {
    const first = await call('POST', routes.session.path());
    expect(first.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/; Max-Age=\\d+$`));
    const cookie = first.setCookie!.split(';')[0]!;
    const again = await call('POST', routes.session.path(), { cookie });
    expect(again.setCookie).toBeNull();
    expect(again.body.learner).toBe(first.body.learner);
  });

  it('answers expected failures with their status and message', async () => {
    const cookie = await newLearner();
    expect(await call('GET', routes.progress.path())).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^no session/) } });
    expect(await call('GET', '/api/lessons/%E0%A4%A')).toMatchObject({ status: 400, body: { error: 'malformed percent-escape in the path' } });
    expect(await call('GET', '/api/nothing')).toMatchObject({ status: 404, body: { error: 'no route GET /api/nothing' } });
    expect(await call('POST', routes.lessons.path(), { cookie })).toMatchObject({ status: 404, body: { error: 'no route POST /api/lessons' } });
    expect(await call('GET', routes.lesson.path({ lesson: 'nope' }))).toMatchObject({ status: 404, body: { error: 'no lesson nope' } });
    expect((await call('DELETE', routes.sandbox.path(), { cookie, origin: 'http://evil.example' })).status).toBe(401);
    expect(await call('POST', routes.sandbox.path(), { cookie, body: '{}' })).toMatchObject({ status: 400, body: { error: 'body must be { "lesson": "<lesson id>" }' } });
    expect(await call('POST', routes.sandbox.path(), { cookie, body: '{"lesson":"nope"}' })).toMatchObject({ status: 404, body: { error: 'no lesson nope' } });
    expect((await call('POST', routes.sandbox.path(), { cookie, body: '{nope' })).status).toBe(400);
    const check = (step: number | string, body = '{}') => call('POST', routes.check.path({ lesson: 'intro', step }), { cookie, body });
    expect((await check(0)).status).toBe(409);
    expect(await check('x')).toMatchObject({ status: 404, body: { error: 'no route POST /api/lessons/intro/steps/x/check' } });
    expect(await check(2)).toMatchObject({ status: 404, body: { error: 'lesson intro has no step 2 (it has 2)' } });
    expect(await check(1, '{"answer":5}')).toMatchObject({ status: 400, body: { error: 'answer must be a string of at most 1000 characters' } });
  });

  it('streams the sandbox, check results and progress over SSE', async () => {
    const cookie = await newLearner();
    const res = await fetch(web.url + routes.events.path(), { headers: { cookie } });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: ServerEvent[] = [];
    let buffered = '';
    const until = async (done: () => boolean) => {
      while (!done()) {
        const blocks = (buffered + ((await reader.read()).value ?? '')).split('\n\n');
        buffered = blocks.pop()!; // an event not yet complete
        for (const m of blocks.join('\n').matchAll(/^data: (.*)$/gm)) events.push(JSON.parse(m[1]!) as ServerEvent);
      }
    };
    await until(() => events.length >= 2);
    expect(events.map((e) => e.type)).toEqual(['sandbox', 'progress']);
    await call('POST', routes.sandbox.path(), { cookie, body: '{"lesson":"intro"}' });
    await until(() => events.some((e) => e.type === 'sandbox' && e.status.state === 'ready'));
    expect(await call('POST', routes.check.path({ lesson: 'intro', step: 1 }), { cookie, body: '{"answer":"42"}' })).toMatchObject({ status: 200, body: { passed: true } });
    await until(() => events.some((e) => e.type === 'progress' && e.progress.intro?.includes(1)));
    expect(events.filter((e) => e.type !== 'sandbox').map((e) => e.type)).toEqual(['progress', 'check', 'progress']);
    await reader.cancel();
  });

  it('refuses terminal sockets it cannot attach, with their close codes', async () => {
    const closeCode = (node: string, cookie?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(web.url.replace(/^http/, 'ws') + `/ws/terminal/${node}`, { headers: cookie ? { cookie } : {} });
        ws.on('close', (code) => resolve(code));
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    const cookie = await newLearner();
    expect(await closeCode('node1')).toBe(CloseCode.Unauthorized);
    expect(await closeCode('node9', cookie)).toBe(CloseCode.NotFound);
    expect(await closeCode('node1', cookie)).toBe(CloseCode.NotFound); // no sandbox yet
    expect(await closeCode('%E0%A4%A', cookie)).toBe(400);
  });
});

describe('requests the lab does not take', () => {
  const port = () => new URL(web.url).port;

  it('answers a request target that is not a path with 400, and keeps serving', async () => {
    expect(await rawBytes(web.url, `GET http://[ HTTP/1.1\r\nhost: 127.0.0.1:${port()}\r\n\r\n`)).toEqual({
      status: 'HTTP/1.1 400 Bad Request',
      body: JSON.stringify({ error: 'the request target must be a path starting with / (this server is not a proxy)' }),
    });
    const upgrade = `GET http://[ HTTP/1.1\r\nhost: 127.0.0.1:${port()}\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n`;
    expect((await rawBytes(web.url, upgrade)).status).toBe('HTTP/1.1 400 Bad Request');
    expect((await rawBytes(web.url, 'GET /%00 HTTP/1.1\r\nhost: localhost:' + port() + '\r\n\r\n')).body).toBe(JSON.stringify({ error: 'a NUL byte in the path' }));
    expect((await rawBytes(web.url, `GET / HTTP/1.1\r\nhost: 127.0.0.1:${port()}\r\nx: ${'a'.repeat(20_000)}\r\n\r\n`)).status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect((await call('GET', routes.lessons.path())).status).toBe(200);
  });

  it('answers only to its own names: a rebinding page gets 421, on HTTP and on the terminal upgrade', async () => {
    const cookie = await newLearner();
    const foreign = `evil.example:${port()}`;
    const refused = { status: 421, body: { error: expect.stringMatching(new RegExp(`^this lab does not answer to the name "${foreign}" \\(a guard against DNS rebinding\\): open http://127\\.0\\.0\\.1:${port()} or`)) } };
    expect(await rawRequest(web.url, 'GET', routes.lessons.path(), { host: foreign })).toMatchObject(refused);
    // The rebinding page's Origin matches its own Host; neither is ours.
    expect(await rawRequest(web.url, 'DELETE', routes.sandbox.path(), { host: foreign, origin: `http://${foreign}`, cookie })).toMatchObject(refused);
    expect(await rawRequest(web.url, 'GET', '/', { host: foreign })).toMatchObject(refused);
    expect(await closeCodeOf(web.url, 'node1', { host: foreign, origin: `http://${foreign}`, cookie })).toBe(421);
    expect(await closeCodeOf(web.url, 'node1', { cookie, origin: `http://${foreign}` })).toBe(CloseCode.Unauthorized);
    // Every loopback name on our port is ours, and an Origin is compared with those, not with the Host.
    expect((await rawRequest(web.url, 'GET', routes.lessons.path(), { host: `localhost:${port()}` })).status).toBe(200);
    expect((await rawRequest(web.url, 'GET', routes.progress.path(), { host: `[::1]:${port()}`, cookie })).status).toBe(200);
    expect((await rawRequest(web.url, 'DELETE', routes.sandbox.path(), { host: `127.0.0.1:${port()}`, origin: `http://localhost:${port()}`, cookie })).status).toBe(200);
    expect((await rawRequest(web.url, 'DELETE', routes.sandbox.path(), { host: `127.0.0.1:${port()}`, origin: `http://127.0.0.1:${Number(port()) + 1}`, cookie })).status).toBe(401);
    expect(await closeCodeOf(web.url, 'node1', { cookie, origin: `http://localhost:${port()}` })).toBe(CloseCode.NotFound); // taken; no sandbox yet
  });

  it('believes X-Forwarded-* only when told to trust the proxy', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '203.0.113.9' };
    const direct = await rawRequest(web.url, 'POST', routes.session.path(), forwarded);
    expect(direct.status).toBe(200);
    expect(direct.setCookie).not.toMatch(/Secure/);

    const proxied = await serveLab({ learners, lessons, terminals, workshops, staticDir: dir, host: '127.0.0.1', port: 0, log: quiet, publicUrl: 'https://lab.example.org', trustProxy: true });
    try {
      const behind = await rawRequest(proxied.url, 'POST', routes.session.path(), { ...forwarded, 'x-forwarded-host': 'lab.example.org' });
      expect(behind.status).toBe(200);
      expect(behind.setCookie).toMatch(/; Secure$/);
      expect((await rawRequest(proxied.url, 'POST', routes.session.path(), forwarded)).status).toBe(421);
      expect((await rawRequest(proxied.url, 'GET', routes.lessons.path(), { host: 'lab.example.org' })).status).toBe(200);
      const cookie = behind.setCookie!.split(';')[0]!;
      expect((await rawRequest(proxied.url, 'DELETE', routes.sandbox.path(), { cookie, origin: 'https://lab.example.org' })).status).toBe(200);
      expect(await closeCodeOf(proxied.url, 'node1', { host: 'lab.example.org', 'x-forwarded-host': 'evil.example', cookie })).toBe(421);
    } finally {
      await proxied.close();
    }
  });
});

describe('operator probes', () => {
  it('answer /healthz and /readyz whatever the Host, and keep the host rule on /metrics', async () => {
    const ops = {
      ready: async () => ({ engine: { ok: true, detail: 'answers' } }),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'shiplab_x 1\n' }),
      authorized: () => true,
    };
    const probed = await serveLab({ learners, lessons, terminals, workshops, staticDir: dir, host: '127.0.0.1', port: 0, log: quiet, ops });
    try {
      const podIp = { host: '10.244.1.7:8080' };
      expect((await rawRequest(probed.url, 'GET', '/healthz', podIp)).status).toBe(200);
      expect(await rawRequest(probed.url, 'GET', '/readyz', podIp)).toMatchObject({ status: 200, body: { status: 'ready' } });
      expect((await rawRequest(probed.url, 'GET', '/metrics', podIp)).status).toBe(421);
      const res = await fetch(`${probed.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('shiplab_x 1\n');
    } finally {
      await probed.close();
    }
  });
});
