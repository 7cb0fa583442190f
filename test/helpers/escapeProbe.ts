/**
 * Runs escape-probe.sh as root in a node and in inner containers the learner could start there
 * with every privilege the inner engine grants, and reads its `PROBE …` lines.
 */
import fs from 'node:fs';
import type { SandboxManager } from '../../server/sandbox/manager.ts';
import type { SandboxInfo } from '../../server/sandbox/types.ts';

const SCRIPT = fs.readFileSync(new URL('./escape-probe.sh', import.meta.url), 'utf8');
const IN_NODE = '/tmp/escape-probe.sh';
const PROBE_TIMEOUT_MS = 90_000;

/** One attempt: e.g. { vector: 'kernel/core_pattern', route: 'fresh', result: 'refused', detail: 'Permission denied' }. */
export interface ProbeLine {
  vector: string;
  route: string;
  result: 'open' | 'mounted' | 'remounted' | 'refused' | 'absent' | '-';
  detail: string;
}

/** Where the probe ran; `started` is false when the inner container did not start at all. */
export interface ProbeContext {
  name: string;
  started: boolean;
  /** Why it did not start (the engine's error), or the probe's stderr. */
  error: string;
  lines: ProbeLine[];
}

/** Inner containers to try, from the least to the most privileged the inner engine offers. */
export const INNER_CONTAINERS: Record<string, string> = {
  'inner --cap-add SYS_ADMIN, seccomp+apparmor unconfined':
    '--cap-add SYS_ADMIN --security-opt seccomp=unconfined --security-opt apparmor=unconfined',
  'inner --cap-add ALL, seccomp+apparmor unconfined, -v /:/host':
    '--cap-add ALL --security-opt seccomp=unconfined --security-opt apparmor=unconfined -v /:/host',
  'inner --privileged -v /:/host': '--privileged -v /:/host',
};

export function parseProbe(out: string): ProbeLine[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('PROBE '))
    .map((l) => {
      const [, vector = '', route = '', result = '-', ...rest] = l.split(' ');
      return { vector, route, result: result as ProbeLine['result'], detail: rest.join(' ') };
    });
}

/** Runs the probe in node1 itself and in each INNER_CONTAINERS container (busybox). */
export async function probeNodeAndInner(m: SandboxManager, sb: SandboxInfo): Promise<ProbeContext[]> {
  const put = await m.exec(sb.id, 'node1', ['sh', '-c', `cat > ${IN_NODE}`], { stdin: SCRIPT });
  if (put.exitCode !== 0) throw new Error(`cannot copy the probe into node1: ${put.stderr}`);
  // The two probes that unmount /proc/sys and remount /sys run in a mount namespace of their
  // own (`unshare -m`), so node1 stays as it was for the other tests.
  const node = await m.exec(sb.id, 'node1', ['bash', '-c', `PRIVATE='unshare -m' sh ${IN_NODE}`], { timeoutMs: PROBE_TIMEOUT_MS });
  const contexts: ProbeContext[] = [{ name: 'node1 (root shell)', started: true, error: node.stderr, lines: parseProbe(node.stdout) }];
  for (const [name, flags] of Object.entries(INNER_CONTAINERS)) {
    const r = await m.exec(
      sb.id, 'node1',
      ['bash', '-c', `docker run --rm -v ${IN_NODE}:/escape-probe.sh:ro ${flags} busybox sh /escape-probe.sh`],
      { timeoutMs: PROBE_TIMEOUT_MS },
    );
    const lines = parseProbe(r.stdout);
    contexts.push({ name, started: lines.length > 0, error: r.stderr.trim(), lines });
  }
  return contexts;
}

/** The attempts at `vector` (any route) whose result is one of `results`. */
export function hits(c: ProbeContext, vector: string, results: ProbeLine['result'][]): ProbeLine[] {
  return c.lines.filter((l) => l.vector === vector && results.includes(l.result));
}
