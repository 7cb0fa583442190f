/**
 * A real sandbox does what the lessons need: run, publish, a private registry pushed to and
 * pulled from the other node, a remote engine over tcp, cgroup limits and PID namespaces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';
import { leftovers, manager, NONE, sh } from '../helpers/sandbox.ts';

describe('a sandbox', () => {
  let m: SandboxManager;
  let sb: SandboxInfo;

  beforeAll(async () => {
    m = await manager();
    sb = await m.create('test-sandbox');
  });

  afterAll(async () => {
    if (sb) await m.destroy(sb.id, 'requested');
    expect(await leftovers(m.engine.docker, [sb.id])).toEqual(NONE);
    await m.dispose();
  });

  it('has two nodes with their own engines and hostnames', async () => {
    expect((await sh(m, sb, 'node1', 'hostname')).stdout.trim()).toBe('node1');
    expect((await sh(m, sb, 'remote-docker-engine', 'hostname')).stdout.trim()).toBe('remote-docker-engine');
    const v = await sh(m, sb, 'node1', "docker version --format '{{.Server.Version}}'");
    expect(v.exitCode, v.stderr).toBe(0);
  });

  it('runs busybox pulled through the mirror', async () => {
    const r = await sh(m, sb, 'node1', 'docker run --rm busybox echo ok');
    expect(r.stdout.trim(), r.stderr).toBe('ok');
  });

  it('serves the nginx page on a published port', async () => {
    const r = await sh(m, sb, 'node1', 'docker run -d -p 8080:80 --name web nginx >/dev/null && for i in $(seq 50); do curl -fsS localhost:8080 && break; sleep 0.1; done');
    expect(r.stdout, r.stderr).toContain('Welcome to nginx!');
  });

  it('pushes to a private registry and pulls from it on both nodes', async () => {
    const push = await sh(
      m, sb, 'node1',
      `set -e
       docker run -d -p 5000:5000 --name registry registry:2 >/dev/null
       for i in $(seq 50); do curl -fsS localhost:5000/v2/ >/dev/null && break; sleep 0.1; done
       docker tag busybox localhost:5000/my-image
       docker push localhost:5000/my-image
       docker rmi localhost:5000/my-image
       docker pull localhost:5000/my-image
       curl -fsS localhost:5000/v2/_catalog`,
    );
    expect(push.exitCode, push.stderr + push.stdout).toBe(0);
    expect(push.stdout).toContain('"my-image"');
    const pull = await sh(m, sb, 'remote-docker-engine', 'docker pull node1:5000/my-image && docker image inspect node1:5000/my-image --format ok');
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect(pull.stdout.trim().split('\n').pop()).toBe('ok');
  });

  it('creates a container on the remote engine with -H from node1, recorded by id on the host', async () => {
    const before = await m.tcpConnects(sb.id, 'node1', 'remote-docker-engine', 2375);
    const r = await sh(m, sb, 'node1', 'docker -H=remote-docker-engine:2375 run -d --name remote-web nginx');
    expect(r.exitCode, r.stderr).toBe(0);
    const onRemote = await sh(m, sb, 'remote-docker-engine', "docker ps --format '{{.Names}}'");
    expect(onRemote.stdout).toContain('remote-web');
    const onNode1 = await sh(m, sb, 'node1', "docker ps -a --format '{{.Names}}'");
    expect(onNode1.stdout).not.toContain('remote-web');
    expect(await m.tcpConnects(sb.id, 'node1', 'remote-docker-engine', 2375)).toBeGreaterThan(before);
    const id = (await sh(m, sb, 'remote-docker-engine', 'docker inspect -f {{.Id}} remote-web')).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const creates = await m.engineCreates(sb.id, 'node1', 'remote-docker-engine');
    expect(creates).toContainEqual({ id, name: 'remote-web' });
    // Listing over TCP and creating from the remote node's own shell record nothing; a container
    // made over TCP, removed and made again there is not the one recorded.
    await sh(m, sb, 'node1', 'docker -H=remote-docker-engine:2375 ps');
    await sh(m, sb, 'remote-docker-engine', 'docker run -d --name local-web nginx');
    await sh(m, sb, 'remote-docker-engine', 'docker rm -f remote-web && docker run -d --name remote-web nginx');
    const again = (await sh(m, sb, 'remote-docker-engine', 'docker inspect -f {{.Id}} remote-web')).stdout.trim();
    const after = await m.engineCreates(sb.id, 'node1', 'remote-docker-engine');
    expect(after).toEqual(creates);
    expect(after.map((c) => c.id)).not.toContain(again);
    // Nothing from node1 to itself or from the remote node to node1.
    expect(await m.engineCreates(sb.id, 'remote-docker-engine', 'node1')).toEqual([]);
  });

  it('applies --memory and --cpus to an inner container cgroup', async () => {
    const r = await sh(
      m, sb, 'node1',
      `docker run --rm --memory=100m --cpus=.5 busybox sh -c 'if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max; else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us; fi'`,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const [mem, cpu] = r.stdout.trim().split('\n');
    expect(mem).toBe('104857600');
    expect(cpu?.split(' ')[0]).toBe('50000');
  });

  it('enforces an inner --memory: a 200 MB allocation in a 100 MB container is OOM-killed', async () => {
    // dd allocates its whole 200 MB block before it reads a byte into it.
    const r = await sh(m, sb, 'node1', `docker run --rm --memory=100m busybox dd if=/dev/zero of=/dev/null bs=200M count=1 2>&1; echo exit=$?`);
    expect(r.stdout).toContain('exit=137');
    const ok = await sh(m, sb, 'node1', `docker run --rm --memory=100m busybox dd if=/dev/zero of=/dev/null bs=20M count=1 2>&1; echo exit=$?`);
    expect(ok.stdout).toContain('exit=0');
  });

  it('enforces an inner --cpus: a spinning container gets at most about half a CPU', async () => {
    const r = await sh(
      m, sb, 'node1',
      `id=$(docker run -d --cpus=.5 busybox sh -c 'while :; do :; done')
       usage() { cat /sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage; }
       sleep 0.5; a=$(usage); sleep 2; b=$(usage)
       docker rm -f $id >/dev/null
       echo $(( (b - a) / 20000000 ))`,
    );
    // Percent of one CPU over 2 s; the quota is 50 % (cfs 50000/100000), a little over from
    // period boundaries. A loaded machine may give less, never much more.
    const pct = Number(r.stdout.trim().split('\n').pop());
    expect(pct, r.stdout + r.stderr).toBeGreaterThan(0);
    expect(pct, r.stdout + r.stderr).toBeLessThanOrEqual(60);
  });

  it("gives an inner container's PID 1 a different PID on the node", async () => {
    const r = await sh(m, sb, 'node1', `docker run -d --name sleeper busybox sleep 600 >/dev/null && docker exec sleeper cat /proc/1/cmdline | tr '\\0' ' ' && echo && docker inspect -f '{{.State.Pid}}' sleeper`);
    const [inside, hostPid] = r.stdout.trim().split('\n');
    expect(inside?.trim()).toBe('sleep 600');
    expect(Number(hostPid)).toBeGreaterThan(1);
    const cmd = await sh(m, sb, 'node1', `tr '\\0' ' ' < /proc/${hostPid}/cmdline`);
    expect(cmd.stdout.trim()).toBe('sleep 600');
  });
});
