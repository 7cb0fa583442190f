/**
 * Shiplab on Kubernetes, as manifests rendered from the same constants the local engine uses
 * (docs/scaling.md explains the plan). A design, not a deployment: no cluster exists where this
 * was written, and nothing here has run against one; kubernetes.test.ts only checks what the
 * manifests say (a node as a user-namespaced pod with the local node's capabilities and limits,
 * one NetworkPolicy per sandbox, the server's probes), so the plan and the code cannot drift.
 */
import { stringify } from 'yaml';
import type { NodeName } from '../common/api.ts';
import type { SandboxLimits } from '../core/config.ts';
import { MIRROR_PORT, NODE_IMAGE } from '../images/catalog.ts';
import { NODE_CAP_ADD } from '../sandbox/hardening.ts';
import { OPS_PATHS } from '../http/opsRoutes.ts';

/** The labels every Shiplab object carries; a sandbox's pods and policy also carry its id. */
export const K8S_LABELS = { app: 'app.kubernetes.io/name', sandbox: 'shiplab.dev/sandbox', node: 'shiplab.dev/node', role: 'shiplab.dev/role' } as const;

/** The seccomp profile a node pod runs under: the local node's (server/sandbox/seccomp.ts),
 * installed on every Kubernetes node under the kubelet's seccomp directory. */
export const NODE_SECCOMP_PROFILE = 'profiles/shiplab-node.json';

/** The engine API port on the remote node, and the registry port learners publish. */
const ENGINE_PORT = 2375;
const REGISTRY_PORT = 5000;
/** The server's port in its pod. */
const SERVER_PORT = 8080;

export interface K8sOptions {
  namespace: string;
  /** The Shiplab server's image (built like docker-compose.yml's). */
  serverImage: string;
  /** The node image, pushed to a registry the cluster pulls from. */
  nodeImage?: string;
  limits: SandboxLimits;
}

type Manifest = Record<string, unknown>;

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;

/** One sandbox node as a pod: what nodeCreateOptions (hardening.ts) gives the container locally. */
export function nodePod(o: K8sOptions, sandboxId: string, node: NodeName): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `shiplab-${sandboxId}-${node}`,
      namespace: o.namespace,
      labels: { [K8S_LABELS.app]: 'shiplab', [K8S_LABELS.role]: 'node', [K8S_LABELS.sandbox]: sandboxId, [K8S_LABELS.node]: node },
    },
    spec: {
      // Root in the node is an unprivileged uid on the Kubernetes node (as --userns-remap locally).
      hostUsers: false,
      hostname: node,
      subdomain: `shiplab-${sandboxId}`,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'node',
          image: o.nodeImage ?? NODE_IMAGE,
          env: [
            { name: 'SHIPLAB_ROLE', value: node === 'node1' ? 'node1' : 'remote' },
            { name: 'SHIPLAB_MIRROR', value: `http://shiplab-mirror:${MIRROR_PORT}` },
          ],
          securityContext: {
            privileged: false,
            allowPrivilegeEscalation: false,
            capabilities: { add: [...NODE_CAP_ADD] },
            seccompProfile: { type: 'Localhost', localhostProfile: NODE_SECCOMP_PROFILE },
          },
          // Limits the pod cannot lift: the kubelet's cgroup, above anything the node sees.
          resources: {
            requests: { cpu: String(o.limits.cpus), memory: mib(o.limits.memoryBytes) },
            limits: { cpu: String(o.limits.cpus), memory: mib(o.limits.memoryBytes), 'ephemeral-storage': mib(o.limits.storeBytes) },
          },
          volumeMounts: [{ name: 'engine-store', mountPath: '/var/lib/docker' }],
          ports: node === 'node1' ? [{ containerPort: REGISTRY_PORT }] : [{ containerPort: ENGINE_PORT }, { containerPort: REGISTRY_PORT }],
        },
      ],
      volumes: [{ name: 'engine-store', emptyDir: { sizeLimit: mib(o.limits.storeBytes) } }],
    },
  };
}

/** One sandbox's network: its two nodes talk to each other and to the mirror, nothing else. */
export function sandboxNetworkPolicy(o: K8sOptions, sandboxId: string): Manifest {
  const own = { podSelector: { matchLabels: { [K8S_LABELS.sandbox]: sandboxId } } };
  const mirror = { podSelector: { matchLabels: { [K8S_LABELS.role]: 'mirror' } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `shiplab-${sandboxId}`, namespace: o.namespace, labels: { [K8S_LABELS.app]: 'shiplab', [K8S_LABELS.sandbox]: sandboxId } },
    spec: {
      podSelector: { matchLabels: { [K8S_LABELS.sandbox]: sandboxId } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [own] }],
      egress: [{ to: [own] }, { to: [mirror], ports: [{ protocol: 'TCP', port: MIRROR_PORT }] }],
    },
  };
}

/** The server: one replica while its state is SQLite (docs/scaling.md: what must change for more). */
export function serverDeployment(o: K8sOptions): Manifest {
  const labels = { [K8S_LABELS.app]: 'shiplab', [K8S_LABELS.role]: 'server' };
  const probe = (path: string) => ({ httpGet: { path, port: SERVER_PORT }, periodSeconds: 10 });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shiplab-server', namespace: o.namespace, labels },
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'shiplab-server',
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'server',
              image: o.serverImage,
              env: [
                { name: 'SHIPLAB_HOST', value: '0.0.0.0' },
                { name: 'SHIPLAB_PORT', value: String(SERVER_PORT) },
                { name: 'SHIPLAB_DATA_DIR', value: '/data' },
                { name: 'SHIPLAB_LOG_FORMAT', value: 'json' },
                { name: 'SHIPLAB_ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'shiplab-admin', key: 'token' } } },
              ],
              ports: [{ containerPort: SERVER_PORT, name: 'http' }],
              livenessProbe: probe(OPS_PATHS.health),
              readinessProbe: probe(OPS_PATHS.ready),
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'shiplab-data' } }],
        },
      },
    },
  };
}

/** The server may make and remove sandbox pods and policies, and exec into them (terminals, checks). */
export function serverRbac(o: K8sOptions): Manifest[] {
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: { [K8S_LABELS.app]: 'shiplab' } });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('shiplab-server') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('shiplab-server'),
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'get', 'list', 'delete'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('shiplab-server'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shiplab-server' },
      subjects: [{ kind: 'ServiceAccount', name: 'shiplab-server', namespace: o.namespace }],
    },
  ];
}

/** Everything for one namespace plus one example sandbox, as YAML documents. */
export function renderManifests(o: K8sOptions, exampleSandbox = 'example'): string {
  const docs: Manifest[] = [
    ...serverRbac(o),
    serverDeployment(o),
    nodePod(o, exampleSandbox, 'node1'),
    nodePod(o, exampleSandbox, 'remote-docker-engine'),
    sandboxNetworkPolicy(o, exampleSandbox),
  ];
  return docs.map((d) => stringify(d)).join('---\n');
}
