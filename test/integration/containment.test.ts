/**
 * As a learner who is root in node1, try to get out. Each test here is one row of SECURITY.md's
 * "contained" table; the limits are set small so the bombs hit them quickly.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { embeddedPaths } from '../../server/engine/engine.ts';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';
import { leftovers, NONE, sh } from '../helpers/sandbox.ts';

const MEMORY_MB = 512;
const PIDS = 512;
const STORE_MB = 512;

describe('containment of a root learner in node1', () => {
  let m: SandboxManager;
  let a: SandboxInfo;
  let b: SandboxInfo;
  let server: net.Server;
  let port = 0;

  beforeAll(async () => {
    m = await openSandboxes({
      adopt: false,
      limits: { memoryBytes: MEMORY_MB * 2 ** 20, pids: PIDS, cpus: 1, storeBytes: STORE_MB * 2 ** 20 },
    });
    [a, b] = await Promise.all([m.create('test-containment-a'), m.create('test-containment-b')]);
    // A host service listening on every interface, as a careless host might have.
    server = net.createServer((s) => s.end('host-secret\n'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    server?.close();
    await Promise.all([a, b].filter(Boolean).map((s) => m.destroy(s.id, 'requested')));
    expect(await leftovers(m.engine.docker, [a.id, b.id])).toEqual(NONE);
    await m.dispose();
  });

  it('cannot reach the host engine', async () => {
    const sock = embeddedPaths().socket;
    const r = await sh(m, a, 'node1', `ls ${sock} 2>&1; curl -sS -m 2 --unix-socket /run/docker.sock http://localhost/info | jq -r .Name`);
    expect(r.stdout).toContain('No such file');
    // The only engine node1 can talk to is its own.
    expect(r.stdout.trim().split('\n').pop()).toBe('node1');
    expect(fs.existsSync(sock)).toBe(true);
  });

  it("cannot reach the host's services through the sandbox gateway", async () => {
    const gw = a.subnet.replace(/0\/24$/, '1');
    const r = await sh(m, a, 'node1', `timeout 3 bash -c 'cat < /dev/tcp/${gw}/${port}' 2>&1; echo exit=$?`);
    expect(r.stdout).not.toContain('host-secret');
    expect(r.stdout).toMatch(/exit=[1-9]/);
  });

  it("cannot reach another sandbox's nodes, even through the mirror", async () => {
    const other = b.nodes['remote-docker-engine'].ip;
    const direct = await sh(m, a, 'node1', `curl -sS -m 2 http://${other}:2375/version; echo exit=$?`);
    expect(direct.stdout).not.toContain('ApiVersion');
    expect(direct.stdout).toMatch(/exit=[1-9]/);
    const mirror = a.subnet.replace(/0\/24$/, '2');
    const routed = await sh(m, a, 'node1', `ip route add ${b.subnet} via ${mirror} && curl -sS -m 2 http://${other}:2375/version; echo exit=$?; ip route del ${b.subnet}`);
    expect(routed.stdout).not.toContain('ApiVersion');
  });

  it('cannot write to the mirror', async () => {
    const mirror = a.subnet.replace(/0\/24$/, '2');
    const r = await sh(m, a, 'node1', `curl -sS -o /dev/null -w '%{http_code}' -X POST http://${mirror}:5000/v2/library/evil/blobs/uploads/`);
    expect(r.stdout).toMatch(/^(405|401|403)$/);
    const push = await sh(m, a, 'node1', `docker tag busybox ${mirror}:5000/library/busybox && docker push ${mirror}:5000/library/busybox`);
    expect(push.exitCode).not.toBe(0);
  });

  it('a fork bomb stops at the pids limit', async () => {
    const r = await sh(
      m, a, 'node1',
      `perl -e 'my @k; for (1..${PIDS * 3}) { my $p = fork(); if (!defined $p) { print "stopped at ", scalar(@k), "\\n"; last } if ($p == 0) { sleep 60; exit 0 } push @k, $p } kill 9, @k; 1 while wait() > 0;'`,
    );
    const m1 = /stopped at (\d+)/.exec(r.stdout);
    expect(m1, r.stdout + r.stderr).not.toBeNull();
    expect(Number(m1![1])).toBeLessThan(PIDS);
    expect(Number(m1![1])).toBeGreaterThan(PIDS / 4);
  });

  it("a memory bomb is killed at the sandbox limit even after the node lifts its own cgroup's limit", async () => {
    const lift = await sh(m, a, 'node1', 'echo -1 > /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1 || echo max > /sys/fs/cgroup/memory.max; echo lifted');
    expect(lift.stdout).toContain('lifted');
    const r = await sh(m, a, 'node1', `perl -e '$x = "a" x (${MEMORY_MB + 256} * 1024 * 1024); print "survived\\n"'; echo exit=$?`, 120_000);
    expect(r.stdout).not.toContain('survived');
    expect(r.stdout).toContain('exit=137');
  });

  it('a disk fill stops at the store size', async () => {
    const r = await sh(m, a, 'node1', `dd if=/dev/zero of=/var/lib/docker/fill bs=1M count=${STORE_MB * 2} 2>&1 | head -1; df -m /var/lib/docker | tail -1; rm -f /var/lib/docker/fill`);
    expect(r.stdout).toContain('No space left on device');
    const size = Number(r.stdout.trim().split('\n').pop()!.split(/\s+/)[1]);
    expect(size).toBeLessThanOrEqual(STORE_MB);
  });

  it('cannot open the host disk or /dev/kmsg, even after mknod', async () => {
    const root = fs.statSync('/');
    const major = Math.floor(root.dev / 256);
    const minor = root.dev % 256;
    const r = await sh(
      m, a, 'node1',
      `mknod /tmp/disk b ${major} ${minor}; head -c 1 /tmp/disk >/dev/null 2>&1 && echo disk-readable || echo disk-denied
       mknod /tmp/kmsg c 1 11; (echo escape > /tmp/kmsg) 2>/dev/null && echo kmsg-writable || echo kmsg-denied
       rm -f /tmp/disk /tmp/kmsg`,
    );
    expect(r.stdout).toContain('disk-denied');
    expect(r.stdout).toContain('kmsg-denied');
  });

  it('open_by_handle_at and bpf are refused by seccomp', async () => {
    // x86_64 syscall numbers: open_by_handle_at 304, bpf 321. EPERM means seccomp refused them
    // (the arguments are bogus, so an allowed call would fail with EBADF/EFAULT/EINVAL instead).
    const r = await sh(m, a, 'node1', `perl -e 'syscall(304, -100, 0, 0); print "open_by_handle_at: ", $!+0, "\\n"; syscall(321, 0, 0, 0); print "bpf: ", $!+0, "\\n"'`);
    expect(r.stdout).toContain('open_by_handle_at: 1\n');
    expect(r.stdout).toContain('bpf: 1\n');
  });

  it('sees its own cgroup namespace and a read-only /proc/sys', async () => {
    const r = await sh(m, a, 'node1', `cat /proc/1/cgroup | grep memory; (echo '|/tmp/x' > /proc/sys/kernel/core_pattern) 2>&1 | grep -c 'Read-only'; grep CapEff /proc/1/status`);
    expect(r.stdout).toMatch(/memory:\/$/m);
    expect(r.stdout).toMatch(/^1$/m);
    expect(r.stdout).not.toContain('000001ffffffffff'); // not every capability (no --privileged)
  });
});
