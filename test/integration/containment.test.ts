/**
 * As a learner who is root in node1, try to get out. Each test here is one row of SECURITY.md's
 * "contained" table; the limits are set small so the bombs hit them quickly. The kernel
 * interfaces (sysctls, binfmt_misc, tracefs, debugfs, sysfs) are probed from node1's shell and
 * from inner containers with every privilege the inner engine hands out
 * (test/helpers/escape-probe.sh): files are only opened for writing, never written.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { embeddedPaths } from '../../server/engine/engine.ts';
import { run } from '../../server/host/run.ts';
import { bridgeName } from '../../server/sandbox/labels.ts';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';
import { hits, probeNodeAndInner, type ProbeContext, type ProbeLine } from '../helpers/escapeProbe.ts';
import { leftovers, NONE, sh } from '../helpers/sandbox.ts';

/** Global sysctls whose writing would reach the whole host: a core_pattern pipe runs as host
 * root on the next crash; the others drop caches, panic on an oops, reveal kernel addresses,
 * open bpf() to everyone. */
const SYSCTLS = ['kernel/core_pattern', 'vm/drop_caches', 'kernel/panic_on_oops', 'kernel/kptr_restrict', 'kernel/unprivileged_bpf_disabled'];

const MEMORY_MB = 512;
const PIDS = 512;
const STORE_MB = 512;

describe('containment of a root learner in node1', () => {
  let m: SandboxManager;
  let a: SandboxInfo;
  let b: SandboxInfo;
  let server: net.Server;
  let port = 0;
  let server6: net.Server | undefined;
  let port6 = 0;
  let probes: ProbeContext[] = [];
  /** The host's own binfmt_misc instance, mounted here so that its device number stays put. */
  const hostBinfmt = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-binfmt-'));
  let hostBinfmtDev = -1;

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
    // The same over IPv6, where the host has it.
    if (fs.existsSync('/proc/net/if_inet6')) {
      server6 = net.createServer((s) => s.end('host-secret-v6\n'));
      await new Promise<void>((r) => server6!.listen({ port: 0, host: '::', ipv6Only: true }, r));
      port6 = (server6.address() as net.AddressInfo).port;
    }
    // A kernel without binfmt_misc leaves hostBinfmtDev at -1: no node may mount one either.
    if ((await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', hostBinfmt])).code === 0) hostBinfmtDev = fs.statSync(hostBinfmt).dev;
    probes = await probeNodeAndInner(m, a);
    // Every attempt and its answer, for the record (SECURITY.md's table is made from it).
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync('test-results/containment-probes.json', JSON.stringify({ hostBinfmtDev, probes }, null, 2));
  });

  afterAll(async () => {
    server?.close();
    server6?.close();
    if (hostBinfmtDev >= 0) await run('umount', [hostBinfmt]);
    fs.rmdirSync(hostBinfmt);
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
    // In its user namespace the node may not mknod at all; were it allowed, the sandbox's device
    // cgroup would still refuse to open them. Only a device node is ever opened, never a file.
    const r = await sh(
      m, a, 'node1',
      `mknod /tmp/disk b ${major} ${minor} 2>/dev/null || echo disk-mknod-refused
       [ -b /tmp/disk ] && { head -c 1 /tmp/disk >/dev/null 2>&1 && echo disk-readable || echo disk-denied; }
       mknod /tmp/kmsg c 1 11 2>/dev/null || echo kmsg-mknod-refused
       [ -c /tmp/kmsg ] && { (echo escape > /tmp/kmsg) 2>/dev/null && echo kmsg-writable || echo kmsg-denied; }
       rm -f /tmp/disk /tmp/kmsg`,
    );
    expect(r.stdout).toMatch(/^disk-(denied|mknod-refused)$/m);
    expect(r.stdout).toMatch(/^kmsg-(denied|mknod-refused)$/m);
    expect(r.stdout).not.toMatch(/readable|writable/);
  });

  it('open_by_handle_at and bpf are refused by seccomp', async () => {
    // x86_64 syscall numbers: open_by_handle_at 304, bpf 321. EPERM means seccomp refused them
    // (the arguments are bogus, so an allowed call would fail with EBADF/EFAULT/EINVAL instead).
    const r = await sh(m, a, 'node1', `perl -e 'syscall(304, -100, 0, 0); print "open_by_handle_at: ", $!+0, "\\n"; syscall(321, 0, 0, 0); print "bpf: ", $!+0, "\\n"'`);
    expect(r.stdout).toContain('open_by_handle_at: 1\n');
    expect(r.stdout).toContain('bpf: 1\n');
  });

  it('sees its own cgroup namespace and a /proc/sys it cannot open for writing', async () => {
    // Opened for appending and closed, never written: no host sysctl can change, whatever the answer.
    const r = await sh(m, a, 'node1', `cat /proc/1/cgroup | grep memory; (exec 3>> /proc/sys/kernel/core_pattern) 2>&1 | grep -cE 'Read-only|Permission denied'; grep CapEff /proc/1/status`);
    expect(r.stdout).toMatch(/memory:\/$/m);
    expect(r.stdout).toMatch(/^1$/m);
    expect(r.stdout).not.toContain('000001ffffffffff'); // not every capability (no --privileged)
  });

  it('root in node1 is an unprivileged uid on the host (a user namespace of its own)', async () => {
    const r = await sh(m, a, 'node1', 'id -u; cat /proc/self/uid_map');
    expect(r.stdout.split('\n')[0]).toBe('0');
    const hostUid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${a.nodes.node1.pid}/status`, 'utf8'))![1]);
    expect(hostUid).toBeGreaterThan(0);
    // uid_map: "0 <host uid> <count>", not the whole range of the host ("0 0 4294967295").
    expect(r.stdout).toMatch(new RegExp(`^\\s*0\\s+${hostUid}\\s+\\d+\\s*$`, 'm'));
  });

  it('inner containers the learner can start: SYS_ADMIN unconfined starts; ALL and --privileged start or fail', async (t) => {
    expect(probes.map((c) => c.name)).toHaveLength(4);
    // The node and the SYS_ADMIN container must really have run the probe, or the rows below prove nothing.
    expect(probes[0]!.lines.length, probes[0]!.error).toBeGreaterThan(20);
    expect(probes[1]!.started, probes[1]!.error).toBe(true);
    for (const c of probes) {
      t.annotate(`${c.name}: ${c.started ? 'started, probed' : `did not start: ${c.error.split('\n').pop()}`}`);
      if (!c.started) expect(c.error).toMatch(/docker: Error|error/i);
    }
  });

  /** Per probed place, what `pick` found there as "route: result detail"; [] everywhere is contained. */
  function found(pick: (c: ProbeContext) => ProbeLine[]): Record<string, string[]> {
    return Object.fromEntries(
      probes.filter((c) => c.started).map((c) => [c.name, pick(c).map((l) => `${l.route}: ${l.result} ${l.detail}`.trim())]),
    );
  }
  const nowhere = () => found(() => []);

  for (const sysctl of SYSCTLS) {
    it(`cannot open ${sysctl} for writing, through /proc/sys, a fresh procfs or an unmasked /proc/sys`, () => {
      expect(found((c) => hits(c, sysctl, ['open']))).toEqual(nowhere());
      // Every route was tried in every place (a refused mount counts as tried).
      const routes = found((c) => c.lines.filter((l) => l.vector === sysctl));
      for (const [name, tried] of Object.entries(routes)) expect(tried.map((t) => t.split(':')[0]).sort(), name).toEqual(['fresh', 'proc', 'unmasked']);
    });
  }

  it("cannot reach the host's binfmt_misc (its own instance, if any, is not the host's) nor open its register", () => {
    // Since kernel 6.7 a user namespace mounts its own instance, whose handlers only its own
    // processes run: harmless, and told apart from the host's by its device number.
    const host = (c: ProbeContext) => hits(c, 'binfmt_misc', ['mounted']).some((l) => hostBinfmtDev < 0 || l.detail === `dev=${hostBinfmtDev}`);
    expect(found((c) => (host(c) ? hits(c, 'binfmt_misc', ['mounted', 'open']) : []))).toEqual(nowhere());
    for (const [name, tried] of Object.entries(found((c) => c.lines.filter((l) => l.vector === 'binfmt_misc' && l.route === 'mount')))) {
      expect(tried, name).toHaveLength(1);
    }
  });

  it('cannot mount tracefs nor open its set_event or uprobe_events', () => {
    expect(found((c) => hits(c, 'tracefs', ['mounted', 'open']))).toEqual(nowhere());
    expect(Object.values(found((c) => hits(c, 'tracefs', ['refused']))).every((r) => r.length === 1)).toBe(true);
  });

  it('cannot mount debugfs', () => {
    expect(found((c) => hits(c, 'debugfs', ['mounted']))).toEqual(nowhere());
    expect(Object.values(found((c) => hits(c, 'debugfs', ['refused']))).every((r) => r.length === 1)).toBe(true);
  });

  it('cannot mount a fresh sysfs read-write nor remount /sys read-write', () => {
    expect(found((c) => hits(c, 'sysfs', ['mounted', 'remounted']))).toEqual(nowhere());
    expect(Object.values(found((c) => hits(c, 'sysfs', ['refused']))).every((r) => r.length === 2)).toBe(true);
  });

  it("cannot reach the host's services over IPv6 through the sandbox bridge", async (t) => {
    if (!server6) {
      t.annotate('this host has no IPv6: nothing to reach');
      return;
    }
    const shown = await run('ip', ['-6', '-o', 'addr', 'show', 'dev', bridgeName(a.id), 'scope', 'link']);
    const ll = /inet6 (fe80:[0-9a-f:]+)\//.exec(shown.stdout)?.[1];
    if (!ll) {
      t.annotate(`the sandbox bridge has no IPv6 link-local address on the host: ${shown.stdout.trim() || shown.stderr.trim()}`);
      return;
    }
    // As the learner would: switch IPv6 on for node1's eth0 (a sysctl of node1's own network
    // namespace, through a fresh procfs) and give it a link-local address, then connect.
    const r = await sh(
      m, a, 'node1',
      `d=$(mktemp -d); if [ "$(cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)" != 0 ] && mount -t proc proc $d; then
         echo 0 > $d/sys/net/ipv6/conf/eth0/disable_ipv6; umount $d; fi; rmdir $d
       ip -6 addr add fe80::5ca1:ab1e/64 dev eth0 nodad 2>&1
       ip -6 -o addr show dev eth0
       timeout 3 bash -c 'cat < /dev/tcp/${ll}%eth0/${port6}' 2>&1; echo exit=$?
       ip -6 addr del fe80::5ca1:ab1e/64 dev eth0 2>/dev/null; true`,
    );
    // The learner did get IPv6 on the sandbox network: what stops them is the host's rule.
    expect(r.stdout, r.stdout).toContain('inet6 fe80::5ca1:ab1e/64');
    expect(r.stdout).not.toContain('host-secret-v6');
    expect(r.stdout).toMatch(/exit=[1-9]/);
  });
});
