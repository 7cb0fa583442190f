/**
 * The single place that says how a node container is created on the host engine: its
 * capabilities, seccomp profile, no-new-privileges, private cgroup namespace under the sandbox's
 * host-owned parent cgroup, binds, network, environment and log limits. SECURITY.md describes
 * what this confines; change it here and there together.
 */
import type Docker from 'dockerode';
import type { NodeName } from '../common/api.ts';
import { MIRROR_PORT, NODE_IMAGE } from '../images/catalog.ts';
import type { SandboxAddresses } from './addresses.ts';
import { cgroupParent } from './cgroups.ts';
import { containerName, networkName } from './labels.ts';

/** What the node's image reads to know which part it plays. */
const ROLE_ENV: Record<NodeName, string> = { node1: 'node1', 'remote-docker-engine': 'remote' };

/** Docker's default capabilities + these two (the least the inner engine needs), never --privileged. */
export const NODE_CAP_ADD = ['SYS_ADMIN', 'NET_ADMIN'] as const;

/**
 * The node's /etc/resolv.conf. Nothing listens on the node's loopback :53, so lookups of public
 * names (the engine asks for registry-1.docker.io before the mirror) fail at once instead of
 * timing out for 10 s.
 */
export const NODE_RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

export interface NodeSpec {
  sandboxId: string;
  name: NodeName;
  /** Both nodes' addresses on the sandbox network. */
  ips: Record<NodeName, string>;
  addrs: SandboxAddresses;
  /** Host directory of the node's loop-mounted store (store.ts), bound at /var/lib/docker. */
  storeMount: string;
  /** Host file holding NODE_RESOLV_CONF, bound read-only at /etc/resolv.conf. */
  resolvConf: string;
  labels: Record<string, string>;
  /** The node's seccomp profile as JSON (seccomp.ts). */
  seccompProfile: string;
}

/** The create options of one node container. */
export function nodeCreateOptions(spec: NodeSpec): Docker.ContainerCreateOptions {
  const { sandboxId: id, name, ips, addrs } = spec;
  const insecure = [addrs.subnet, 'node1:5000', 'remote-docker-engine:5000', `${addrs.node1}:5000`, `${addrs.remote}:5000`];
  return {
    name: containerName(id, name),
    Image: NODE_IMAGE,
    Hostname: name,
    Labels: spec.labels,
    Env: [
      `SHIPLAB_ROLE=${ROLE_ENV[name]}`,
      `SHIPLAB_MIRROR=http://${addrs.mirror}:${MIRROR_PORT}`,
      `SHIPLAB_INSECURE=${insecure.join(',')}`,
    ],
    StopSignal: 'SIGTERM',
    StopTimeout: 3,
    HostConfig: {
      Init: true,
      // Docker's default capabilities + these two, never --privileged (see SECURITY.md).
      CapAdd: [...NODE_CAP_ADD],
      SecurityOpt: [`seccomp=${spec.seccompProfile}`, 'no-new-privileges'],
      CgroupnsMode: 'private',
      CgroupParent: cgroupParent(id),
      Binds: [`${spec.storeMount}:/var/lib/docker`, `${spec.resolvConf}:/etc/resolv.conf:ro`],
      NetworkMode: networkName(id),
      ExtraHosts: [`node1:${ips.node1}`, `remote-docker-engine:${ips['remote-docker-engine']}`, `shiplab-mirror:${addrs.mirror}`],
      // Rotated: a learner's output cannot fill the host's disk through the node's log.
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
      RestartPolicy: { Name: 'no' },
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [networkName(id)]: { IPAMConfig: { IPv4Address: ips[name] }, Aliases: [name] },
      },
    },
  } as Docker.ContainerCreateOptions;
}
