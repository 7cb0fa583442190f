import { describe, expect, it } from 'vitest';
import { addressesFor } from './addresses.ts';
import { nodeCreateOptions, type NodeSpec } from './hardening.ts';

const addrs = addressesFor(7);
const spec: NodeSpec = {
  sandboxId: 'abc',
  name: 'node1',
  ips: { node1: addrs.node1, 'remote-docker-engine': addrs.remote },
  addrs,
  storeMount: '/data/sandboxes/abc/node1',
  resolvConf: '/data/sandboxes/abc/resolv.conf',
  labels: { 'shiplab.sandbox': 'abc' },
  seccompProfile: '{"defaultAction":"SCMP_ACT_ERRNO"}',
};

describe('a node container', () => {
  const o = nodeCreateOptions(spec);
  const host = o.HostConfig!;

  it('is never privileged and adds only SYS_ADMIN and NET_ADMIN to Docker\'s default capabilities', () => {
    expect(host.Privileged).toBeUndefined();
    expect(host.CapAdd).toEqual(['SYS_ADMIN', 'NET_ADMIN']);
    expect(host.CapDrop).toBeUndefined();
    expect(JSON.stringify(o)).not.toMatch(/privileged/i);
  });

  it('runs under the node seccomp profile with no-new-privileges', () => {
    expect(host.SecurityOpt).toEqual([`seccomp=${spec.seccompProfile}`, 'no-new-privileges']);
  });

  it('has its own cgroup namespace under the sandbox\'s host-owned parent cgroup', () => {
    expect((host as { CgroupnsMode?: string }).CgroupnsMode).toBe('private');
    expect(host.CgroupParent).toBe('/shiplab/abc');
  });

  it('binds only its store and a read-only resolv.conf, on its sandbox network at its fixed address', () => {
    expect(host.Binds).toEqual(['/data/sandboxes/abc/node1:/var/lib/docker', '/data/sandboxes/abc/resolv.conf:/etc/resolv.conf:ro']);
    expect(host.NetworkMode).toBe('shiplab-abc');
    expect(o.NetworkingConfig?.EndpointsConfig?.['shiplab-abc']).toEqual({ IPAMConfig: { IPv4Address: '10.213.7.3' }, Aliases: ['node1'] });
    expect(o.name).toBe('shiplab-abc-node1');
  });

  it('keeps its log small and does not restart', () => {
    expect(host.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } });
    expect(host.RestartPolicy).toEqual({ Name: 'no' });
  });

  it('tells the node its role, the mirror and the registries it may use without TLS', () => {
    expect(o.Env).toEqual([
      'SHIPLAB_ROLE=node1',
      'SHIPLAB_MIRROR=http://10.213.7.2:5000',
      'SHIPLAB_INSECURE=10.213.7.0/24,node1:5000,remote-docker-engine:5000,10.213.7.3:5000,10.213.7.4:5000',
    ]);
    expect(nodeCreateOptions({ ...spec, name: 'remote-docker-engine' }).Env?.[0]).toBe('SHIPLAB_ROLE=remote');
  });
});
