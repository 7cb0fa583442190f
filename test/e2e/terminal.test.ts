/**
 * The terminal path over the Node client (no browser): flow control under `yes`, Ctrl-C back to
 * a prompt, reattach within the grace period, the shell really ended inside the node after it,
 * bad frames, and who may attach at all. Real sandboxes, the real lesson service.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CloseCode, routes } from '../../server/common/api.ts';
import { frames, MAX_FRAME_BYTES, Op } from '../../server/common/frames.ts';
import { HIGH_WATERMARK_BYTES } from '../../server/common/flowControl.ts';
import { LabClient } from '../../server/robot/labClient.ts';
import { TermClient, TermClosedError } from '../../server/robot/termClient.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';
import { startLab, type Lab } from '../helpers/lab.ts';

/** Short grace so the "shell really ends" test does not wait a minute. */
const GRACE_MS = 2_000;
const FLOOD_MS = 10_000;
/** Ctrl-C under `yes` must bring the prompt back within this long (measured: well under 1 s). */
const CTRL_C_LIMIT_MS = 3_000;

let lab: Lab;
let a: LabClient;
let sandbox: SandboxInfo;

beforeAll(async () => {
  lab = await startLab({ graceMs: GRACE_MS });
  a = await LabClient.open(lab.url);
  const status = await a.startSandbox('welcome');
  sandbox = lab.sandboxes.get(status.id!)!;
});

afterAll(async () => {
  const created = [...(lab?.created ?? [])];
  await lab?.close();
  // Every sandbox this suite created is gone.
  expect(created.filter((id) => lab.sandboxes.get(id))).toEqual([]);
});

/** How a close arrives: code and reason. */
function closeOf(t: TermClient): Promise<TermClosedError> {
  return t.closed;
}

/** Processes in the node whose environment carries the marker, as `pid args` lines. */
async function marked(marker: string): Promise<string[]> {
  const r = await lab.sandboxes.exec(sandbox.id, 'node1', [
    'sh', '-c',
    `for d in /proc/[0-9]*; do if tr '\\0' '\\n' <$d/environ 2>/dev/null | grep -qx "SHIPLAB_TERM=$1"; then echo "\${d#/proc/} $(tr '\\0' ' ' <$d/cmdline)"; fi; done`,
    'sh', marker,
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

describe('terminal over WebSocket (Node client)', () => {
  it('runs commands in the node', async () => {
    const t = await TermClient.connect(a, 'node1');
    expect(await t.run('hostname')).toBe('node1');
    expect(await t.run('docker version --format "{{.Server.Version}}"', { timeoutMs: 20_000 })).toMatch(/^\d+\.\d+/);
    t.close();
  });

  it('keeps unacknowledged output under the high watermark while `yes` floods, and Ctrl-C returns a prompt', async () => {
    const t = await TermClient.connect(a, 'node1');
    const stats = () => lab.server.terminals.stats().find((s) => s.sandboxId === sandbox.id && s.node === 'node1')!;
    const rss0 = process.memoryUsage().rss;
    let maxSeen = 0;
    let maxRss = rss0;
    t.write('yes\r');
    const until = Date.now() + FLOOD_MS;
    while (Date.now() < until) {
      maxSeen = Math.max(maxSeen, stats().unacked);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      await new Promise((r) => setTimeout(r, 50));
    }
    const s = stats();
    const t0 = performance.now();
    t.write('\x03');
    await t.waitForPrompt(CTRL_C_LIMIT_MS * 3);
    const ctrlCMs = performance.now() - t0;
    console.log(
      `yes for ${FLOOD_MS / 1000}s: ${(s.bytesOut / 1e6).toFixed(1)} MB sent, ${(s.compacted / 1e6).toFixed(1)} MB compacted away, pty paused ${s.pauses}×, Ctrl-C skips ${stats().skips}, max unacked ${s.maxUnacked} B ` +
        `(limit ${HIGH_WATERMARK_BYTES}); Ctrl-C → prompt in ${ctrlCMs.toFixed(0)} ms; test-process RSS +${((maxRss - rss0) / 1e6).toFixed(1)} MB`,
    );
    // The shell wrote more than the window; a flood reaches the client compacted (FLOOD_BATCH_MS).
    expect(s.bytesOut + s.compacted).toBeGreaterThan(4 * HIGH_WATERMARK_BYTES);
    expect(s.compacted).toBeGreaterThan(s.bytesOut);
    expect(s.maxUnacked).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
    expect(maxSeen).toBeLessThanOrEqual(HIGH_WATERMARK_BYTES);
    expect(ctrlCMs).toBeLessThan(CTRL_C_LIMIT_MS);
    expect(await t.run('echo still-$((1+1))')).toBe('still-2');
    t.close();
  });

  it('reattaches to the same shell within the grace period, with the screen restored', async () => {
    const t1 = await TermClient.connect(a, 'node1');
    const pid = await t1.run('echo $$');
    expect(pid).toMatch(/^\d+$/);
    await t1.run(`echo screen-marker-${pid}`);
    t1.close();
    await new Promise((r) => setTimeout(r, 300));
    const t2 = await TermClient.connect(a, 'node1');
    expect(t2.text()).toContain(`screen-marker-${pid}`);
    expect(await t2.run('echo $$')).toBe(pid);
    t2.close();
  });

  it('ends the shell and its children inside the node after the grace period', async () => {
    const t = await TermClient.connect(a, 'node1');
    await t.run('sleep 1000 &');
    const marker = lab.server.terminals.stats().find((s) => s.sandboxId === sandbox.id && s.node === 'node1')!.marker;
    const before = await marked(marker);
    expect(before.some((l) => l.includes('sleep 1000'))).toBe(true);
    expect(before.some((l) => l.includes('bash'))).toBe(true);
    t.close();
    const deadline = Date.now() + GRACE_MS + 15_000;
    let left = before;
    while (Date.now() < deadline && left.length) {
      await new Promise((r) => setTimeout(r, 500));
      left = await marked(marker);
    }
    expect(left).toEqual([]);
    const ps = await lab.sandboxes.exec(sandbox.id, 'node1', ['ps', '-eo', 'args']);
    expect(ps.stdout).not.toContain('sleep 1000');
  });

  it('closes the socket with BadFrame and a reason on bad, oversized and text frames', async () => {
    const cases: { send: Uint8Array | string; reason: RegExp }[] = [
      { send: Uint8Array.of(0x7f, 1, 2), reason: /unknown frame opcode 0x7f/ },
      { send: Uint8Array.of(Op.Resize, 0, 80), reason: /resize frame must be 5 bytes/ },
      { send: frames.output('not yours to send'), reason: /only go from the server/ },
      { send: 'a text frame', reason: /text frames/ },
      { send: (() => { const b = new Uint8Array(MAX_FRAME_BYTES + 1); b[0] = Op.Input; return b; })(), reason: /exceeds MAX_FRAME_BYTES/ },
    ];
    for (const c of cases) {
      const t = await TermClient.connect(a, 'node1');
      t.sendRaw(c.send);
      const closed = await closeOf(t);
      expect(closed.code, String(c.reason)).toBe(CloseCode.BadFrame);
      expect(closed.reason).toMatch(c.reason);
    }
    // The server and the shell are fine.
    const t = await TermClient.connect(a, 'node1');
    expect(await t.run('echo alive')).toBe('alive');
    t.close();
  });

  it('refuses a foreign Origin, no session, and another learner', async () => {
    await expect(TermClient.connect(a, 'node1', { headers: { origin: 'http://evil.example' } })).rejects.toMatchObject({ code: CloseCode.Unauthorized });
    const sameOrigin = await TermClient.connect(a, 'node1', { headers: { origin: lab.url } });
    sameOrigin.close();

    // No cookie at all (a non-browser client without a session).
    const bare = new WebSocket(a.terminalUrl('node1'));
    const bareClose = await new Promise<number>((r) => bare.on('close', (code) => r(code)));
    expect(bareClose).toBe(CloseCode.Unauthorized);

    // A forged token.
    const forged = new WebSocket(a.terminalUrl('node1'), { headers: { cookie: `shiplab_session=${'A'.repeat(43)}` } });
    expect(await new Promise<number>((r) => forged.on('close', (code) => r(code)))).toBe(CloseCode.Unauthorized);

    // Another learner has no sandbox, so no terminal; and cannot reach A's.
    const b = await LabClient.open(lab.url);
    await expect(TermClient.connect(b, 'node1')).rejects.toMatchObject({ code: CloseCode.NotFound });
    expect((await b.request('POST', routes.check.path({ lesson: 'welcome', step: 0 }), {})).status).toBe(409);
    expect((await b.stopSandbox()).state).toBe('none');
    expect((await a.sandbox()).state).toBe('ready');

    // An unknown node.
    const unknown = new WebSocket(a.terminalUrl('node1').replace(/node1$/, 'node9'), { headers: { cookie: a.cookie } });
    expect(await new Promise<number>((r) => unknown.on('close', (code) => r(code)))).toBe(CloseCode.NotFound);
  });

  it('answers HTTP errors as JSON and keeps serving', async () => {
    const big = await fetch(lab.url + routes.sandbox.path(), {
      method: 'POST',
      headers: { cookie: a.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ lesson: 'x'.repeat(70 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/64|65536|bytes/);
    const bad = await fetch(lab.url + routes.sandbox.path(), { method: 'POST', headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await fetch(lab.url + routes.progress.path())).status).toBe(401);
    expect((await fetch(lab.url + '/api/nothing')).status).toBe(404);
    expect((await a.request('POST', routes.check.path({ lesson: 'no-such-lesson', step: 0 }), {})).status).toBe(404);
    expect((await a.request('POST', routes.check.path({ lesson: 'welcome', step: 99 }), {})).status).toBe(404);
    const foreign = await fetch(lab.url + routes.sandbox.path(), { method: 'DELETE', headers: { cookie: a.cookie, origin: 'http://evil.example' } });
    expect(foreign.status).toBe(401);
    expect((await a.sandbox()).state).toBe('ready');
    // A malformed HTTP request gets a 400 and the server carries on.
    const garbage = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(new URL(lab.url).port), '127.0.0.1', () => sock.write('NOT HTTP AT ALL\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    const page = await fetch(lab.url + '/');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(lab.url + routes.lessons.path())).status).toBe(200);
    const t = await TermClient.connect(a, 'node1');
    expect(await t.run('echo served')).toBe('served');
    t.close();
  });
});
