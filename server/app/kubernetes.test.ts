import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { NODE_CAP_ADD } from '../sandbox/hardening.ts';
import { K8S_LABELS, renderManifests, type K8sOptions } from './kubernetes.ts';

const limits = { memoryBytes: 1536 * 2 ** 20, pids: 1024, cpus: 1, storeBytes: 4096 * 2 ** 20 } as K8sOptions['limits'];
const opts: K8sOptions = { namespace: 'labs', serverImage: 'registry.example/shiplab:1', limits };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- YAML read back only to assert on it
type Doc = { kind: string; metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: any };

function docs(): Doc[] {
  return parseAllDocuments(renderManifests(opts, 'sb1')).map((d) => d.toJS() as Doc);
}

describe('Kubernetes manifests (rendered, never applied here)', () => {
  it('renders valid YAML documents, each named, in the namespace', () => {
    const all = docs();
    expect(all.map((d) => d.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'Pod', 'Pod', 'NetworkPolicy']);
    for (const d of all) {
      expect(d.metadata.name).toMatch(/^[a-z0-9-]+$/);
      expect(d.metadata.namespace).toBe('labs');
    }
  });

  it('runs a node as the local engine does: user-namespaced, the same capabilities, limits it cannot lift', () => {
    const pods = docs().filter((d) => d.kind === 'Pod');
    for (const pod of pods) {
      expect(pod.spec.hostUsers).toBe(false);
      const c = pod.spec.containers[0];
      expect(c.securityContext.privileged).toBe(false);
      expect(c.securityContext.capabilities.add).toEqual([...NODE_CAP_ADD]);
      expect(c.securityContext.seccompProfile.type).toBe('Localhost');
      expect(c.resources.limits).toEqual({ cpu: '1', memory: '1536Mi', 'ephemeral-storage': '4096Mi' });
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      expect(pod.metadata.labels![K8S_LABELS.sandbox]).toBe('sb1');
    }
    expect(pods.map((p) => p.spec.hostname)).toEqual(['node1', 'remote-docker-engine']);
  });

  it('fences each sandbox with its own NetworkPolicy: its nodes and the mirror, nothing else', () => {
    const np = docs().find((d) => d.kind === 'NetworkPolicy')!;
    expect(np.spec.podSelector.matchLabels).toEqual({ [K8S_LABELS.sandbox]: 'sb1' });
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { [K8S_LABELS.sandbox]: 'sb1' } } }] }]);
    expect(np.spec.egress).toHaveLength(2);
  });

  it('probes the server at /healthz and /readyz, one replica while its state is SQLite', () => {
    const dep = docs().find((d) => d.kind === 'Deployment')!;
    expect(dep.spec.replicas).toBe(1);
    const c = dep.spec.template.spec.containers[0];
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.env).toContainEqual({ name: 'SHIPLAB_LOG_FORMAT', value: 'json' });
  });
});
