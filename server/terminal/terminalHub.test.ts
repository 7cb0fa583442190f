import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, type NodeName } from '../common/api.ts';
import { AckCounter } from '../common/flowControl.ts';
import { decode, frames, isFrameError, type Frame } from '../common/frames.ts';
import { Emitter } from '../common/lifecycle.ts';
import { logger } from '../core/log.ts';
import type { DestroyReason, SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { localNodeShell } from './nodeShell.ts';
import { TerminalHub } from './terminalHub.ts';
import { TypeLinesError } from './typist.ts';

const log = logger('test');
const node: NodeName = 'node1';
let nextId = 0;
const newSandbox = () => ({ id: `hub-${process.pid}-${nextId++}`, owner: 'learner', nodes: {} }) as unknown as SandboxInfo;

/** Just what the hub uses of Sandboxes: onDestroyed and touch. */
function fakeSandboxes() {
  const destroyed = new Emitter<{ id: string; reason: DestroyReason }>();
  const touched: string[] = [];
  const sandboxes = { onDestroyed: destroyed.event, touch: (id: string) => touched.push(id) } as unknown as Sandboxes;
  return { sandboxes, destroyed, touched };
}

/** A ws server on 127.0.0.1 that hands each connection to the hub under test: /attach or /shadow. */
let server: WebSocketServer;
let url: string;
let route: (ws: WebSocket, kind: string) => void = () => {};
beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error(`no port: ${String(addr)}`);
  url = `ws://127.0.0.1:${addr.port}`;
  server.on('connection', (ws, req) => route(ws, req.url ?? ''));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** A client over a real WebSocket: collects frames, acks output like a browser. */
class Client {
  readonly ws: WebSocket;
  readonly received: Frame[] = [];
  text = '';
  closed: { code: number; reason: string } | undefined;
  private readonly _acks = new AckCounter();
  readonly opened: Promise<void>;
  constructor(kind: '/attach' | '/shadow') {
    this.ws = new WebSocket(url + kind);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer) => {
      const f = decode(new Uint8Array(data));
      if (isFrameError(f)) throw new Error(f.error);
      this.received.push(f);
      if (f.type === 'output' || f.type === 'snapshot') this.text += new TextDecoder().decode(f.data);
      if (f.type === 'output') {
        const n = this._acks.rendered(f.data.length);
        if (n && this.ws.readyState === WebSocket.OPEN) this.ws.send(frames.ack(n));
      }
    });
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }
  type(s: string) {
    this.ws.send(frames.input(s));
  }
  plain() {
    return this.text.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').replace(/\r/g, '');
  }
}

async function until(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const hubs: TerminalHub[] = [];
const clients: Client[] = [];
const tmpDirs: string[] = [];

function openHub(sandbox: SandboxInfo, graceMs = 60_000) {
  const fake = fakeSandboxes();
  const hub = new TerminalHub({ sandboxes: fake.sandboxes, shell: localNodeShell(), graceMs, log });
  hubs.push(hub);
  route = (ws, kind) => (kind === '/shadow' ? hub.shadow(ws, sandbox, node) : hub.attach(ws, sandbox, node));
  return { hub, ...fake };
}

async function connect(kind: '/attach' | '/shadow'): Promise<Client> {
  const c = new Client(kind);
  clients.push(c);
  await c.opened;
  await until(`${kind} snapshot`, () => c.received.some((f) => f.type === 'snapshot'));
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.close();
  for (const h of hubs.splice(0)) await h.dispose();
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-hub-'));
  tmpDirs.push(d);
  return d;
}

describe('TerminalHub shadows (local bash)', { timeout: 30_000 }, () => {
  it('never writes what a viewer types to the shell, while the viewer sees the learner', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    const learner = await connect('/attach');
    const viewer = await connect('/shadow');
    const dir = tmpDir();
    const marker = path.join(dir, 'viewer-typed');
    viewer.type(`touch ${marker}; echo viewer-$((6*7))\r`);
    viewer.ws.send(frames.resize(100, 30));
    viewer.ws.send(frames.ack(1_000_000));
    // What the learner types after it runs alone on the line.
    learner.type('echo learner-$((6*7)); stty size\r');
    await until('learner output', () => learner.plain().includes('learner-42\n24 80'));
    await until('viewer sees it too', () => viewer.plain().includes('learner-42\n24 80'));
    expect(learner.plain()).not.toContain('viewer-');
    expect(viewer.plain()).not.toContain('viewer-');
    expect(fs.existsSync(marker)).toBe(false);
    expect(viewer.closed).toBeUndefined();
    expect(learner.closed).toBeUndefined();
    expect(hub.session(sandbox.id, node)!.stats).toMatchObject({ attached: true, viewers: 1 });
  });

  it('starts no shell for a viewer: a node without one is refused', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    const viewer = new Client('/shadow');
    clients.push(viewer);
    await until('refused', () => viewer.closed !== undefined);
    expect(viewer.closed?.code).toBe(CloseCode.NotFound);
    expect(hub.session(sandbox.id, node)).toBeUndefined();
  });

  it('lets a learner attach after a viewer without affecting either', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    // The learner's shell runs without a socket (a reload, the grace period); a viewer watches it.
    const first = await connect('/attach');
    first.ws.close();
    await until('first socket gone', () => !hub.attached(sandbox.id));
    const viewer = await connect('/shadow');
    expect(hub.attached(sandbox.id)).toBe(false);
    expect(hub.lastInputAt(sandbox.id)).toBeUndefined();
    const learner = await connect('/attach');
    expect(hub.attached(sandbox.id)).toBe(true);
    const before = Date.now();
    learner.type('echo hello-$((6*7))\r');
    await until('both see the output', () => learner.plain().includes('hello-42') && viewer.plain().includes('hello-42'));
    const at = hub.lastInputAt(sandbox.id);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(learner.closed).toBeUndefined();
    expect(viewer.closed).toBeUndefined();
    // The learner goes: the viewer stays, and the sandbox is no longer attached.
    learner.ws.close();
    await until('detached', () => !hub.attached(sandbox.id));
    expect(viewer.closed).toBeUndefined();
    expect(hub.lastInputAt(sandbox.id)).toBe(at);
  });

  it('closes a viewer on a malformed frame, and every viewer when the sandbox goes', async () => {
    const sandbox = newSandbox();
    const { destroyed } = openHub(sandbox);
    const learner = await connect('/attach');
    const bad = await connect('/shadow');
    bad.ws.send('a text frame');
    await until('bad viewer closed', () => bad.closed !== undefined);
    expect(bad.closed?.code).toBe(CloseCode.BadFrame);
    const viewer = await connect('/shadow');
    destroyed.fire({ id: sandbox.id, reason: 'expired' } as { id: string; reason: DestroyReason });
    await until('both closed', () => learner.closed !== undefined && viewer.closed !== undefined);
    expect(viewer.closed).toEqual(learner.closed);
    expect(viewer.closed?.code).toBe(CloseCode.Gone);
  });

  it('counts output bytes of ended shells in bytesOutTotal', async () => {
    const sandbox = newSandbox();
    const { hub, destroyed } = openHub(sandbox);
    const learner = await connect('/attach');
    learner.type('echo counted-$((6*7))\r');
    await until('output', () => learner.plain().includes('counted-42'));
    const live = hub.bytesOutTotal();
    expect(live).toBeGreaterThan(0);
    destroyed.fire({ id: sandbox.id, reason: 'expired' } as { id: string; reason: DestroyReason });
    await until('session gone', () => hub.stats().length === 0);
    expect(hub.bytesOutTotal()).toBeGreaterThanOrEqual(live);
  });

  it('closes viewers when the hub is disposed', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    await connect('/attach');
    const viewer = await connect('/shadow');
    await hub.dispose();
    await until('viewer closed', () => viewer.closed !== undefined);
    expect(viewer.closed?.code).toBe(CloseCode.Restarting);
  });
});

describe('TerminalHub.typeLines (local bash)', { timeout: 30_000 }, () => {
  it('types lines one prompt after another, seen by the learner and a viewer', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    const learner = await connect('/attach');
    const viewer = await connect('/shadow');
    const dir = tmpDir();
    await hub.typeLines(sandbox, node, [`cd ${dir}`, 'pwd > where.txt']);
    expect(fs.readFileSync(path.join(dir, 'where.txt'), 'utf8')).toBe(`${fs.realpathSync(dir)}\n`);
    for (const c of [learner, viewer]) await until('typed lines shown', () => c.plain().includes(`# cd ${dir}\n`) && c.plain().includes('# pwd > where.txt\n'));
    // Typed by the server, not by the learner.
    expect(hub.lastInputAt(sandbox.id)).toBeUndefined();
  });

  it('waits for each line to finish before typing the next', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    const dir = tmpDir();
    // `read` would take a line typed ahead as its input; typed after the prompt, it runs itself.
    await hub.typeLines(sandbox, node, [`read -t 1 x; echo "read:$x" > ${dir}/read.txt`, `echo second > ${dir}/second.txt`]);
    expect(fs.readFileSync(path.join(dir, 'read.txt'), 'utf8')).toBe('read:\n');
    expect(fs.readFileSync(path.join(dir, 'second.txt'), 'utf8')).toBe('second\n');
  });

  it('keeps a shell nobody is attached to alive while typing', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox, 300);
    const dir = tmpDir();
    await hub.typeLines(sandbox, node, ['sleep 1', `touch ${path.join(dir, 'done')}`]);
    expect(fs.existsSync(path.join(dir, 'done'))).toBe(true);
    // Then the grace period runs again.
    await until('shell ended after grace', () => hub.session(sandbox.id, node) === undefined, 8_000);
  });

  it('names the line and the node when a line does not finish in time', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    const err = await hub.typeLines(sandbox, node, ['true', 'sleep 5'], { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeLinesError);
    expect((err as TypeLinesError).message).toMatch(/^node1: `sleep 5`: no shell prompt within 1\.0 s/);
    expect((err as TypeLinesError).line).toBe('sleep 5');
    expect((err as TypeLinesError).node).toBe('node1');
    expect((err as TypeLinesError).screen).toContain('# sleep 5');
  });

  it('stops on abort and refuses a line with a line break', async () => {
    const sandbox = newSandbox();
    const { hub } = openHub(sandbox);
    await expect(hub.typeLines(sandbox, node, ['echo a', 'echo\nb'])).rejects.toThrow(TypeError);
    const dir = tmpDir();
    const ac = new AbortController();
    const typing = hub.typeLines(sandbox, node, ['sleep 0.5', `touch ${path.join(dir, 'never')}`], { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('jump cancelled')), 200);
    await expect(typing).rejects.toThrow('jump cancelled');
    await new Promise((r) => setTimeout(r, 800));
    expect(fs.existsSync(path.join(dir, 'never'))).toBe(false);
  });
});
