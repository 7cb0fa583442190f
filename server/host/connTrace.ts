/**
 * Counts TCP connections between the nodes of a sandbox, on the host, where a learner who is
 * root in a node cannot forge them. A check uses it to tell "created through the TCP API from
 * node1" from "started by a shell on the remote node". Each traced pair is one target-less
 * iptables rule (it only counts SYNs) in our own chain, jumped to from Docker's DOCKER-USER;
 * on the engine port two more rules send create requests and their `201 Created` answers to the
 * host's create log (createLog.ts), so a check can tell which containers came through the TCP
 * API, by id, not just that it was used.
 */
import { CREATE_LOG_GROUP } from './createLog.ts';
import { run } from './run.ts';

export const TRACE_CHAIN = 'SHIPLAB-TRACE';
/** Ports worth tracing: the remote engine's API and registries. */
export const TRACED_PORTS = [2375, 5000] as const;
/** The remote engine's API port, where create requests are counted too. */
export const ENGINE_PORT = 2375;
/** Part of the request line of `POST /v1.41/containers/create?name=…`, the one call that makes a
 * container (docker run sends it, after a pull if the image was missing). */
const CREATE_PATH = '/containers/create';
/** The status line of the engine's answer to a create that made a container. */
const CREATED_STATUS = '"201 Created"';

export interface TracePair {
  from: string;
  fromIp: string;
  to: string;
  toIp: string;
  port: number;
}

function comment(sandboxId: string, p: TracePair): string {
  return `shiplab:${sandboxId}:${p.from}:${p.to}:${p.port}`;
}

async function ipt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('iptables', ['-w', '5', ...args]);
}

let chainReady: Promise<void> | undefined;

/** Creates the chain and the jump from DOCKER-USER once per process (idempotent). */
export function ensureChain(): Promise<void> {
  chainReady ??= (async () => {
    await ipt(['-N', TRACE_CHAIN]); // exists already: fine
    if ((await ipt(['-C', 'DOCKER-USER', '-j', TRACE_CHAIN])).code !== 0) {
      const r = await ipt(['-I', 'DOCKER-USER', '1', '-j', TRACE_CHAIN]);
      if (r.code !== 0) throw new Error(`cannot hook ${TRACE_CHAIN} into DOCKER-USER: ${r.stderr.trim()}`);
    }
  })();
  return chainReady.catch((err) => {
    chainReady = undefined;
    throw err;
  });
}

function ruleArgs(sandboxId: string, p: TracePair): string[] {
  return ['-s', p.fromIp, '-d', p.toIp, '-p', 'tcp', '--dport', String(p.port), '--syn', '-m', 'comment', '--comment', comment(sandboxId, p)];
}

/** The two create-log rules of an engine-port pair: requests to it, answers from it. */
function createLogRules(sandboxId: string, p: TracePair): string[][] {
  // Threshold 1: each packet goes to the recorder at once; the kernel's default batches up to a
  // second, and a check right after `docker run` returned would not see its create yet.
  const log = ['-j', 'NFLOG', '--nflog-group', String(CREATE_LOG_GROUP), '--nflog-threshold', '1'];
  return [
    [
      '-s', p.fromIp, '-d', p.toIp, '-p', 'tcp', '--dport', String(p.port),
      '-m', 'string', '--algo', 'bm', '--string', CREATE_PATH,
      '-m', 'comment', '--comment', `${comment(sandboxId, p)}:create`, ...log,
    ],
    [
      '-s', p.toIp, '-d', p.fromIp, '-p', 'tcp', '--sport', String(p.port),
      '-m', 'string', '--algo', 'bm', '--string', CREATED_STATUS,
      '-m', 'comment', '--comment', `${comment(sandboxId, p)}:created`, ...log,
    ],
  ];
}

export async function addTrace(sandboxId: string, pairs: TracePair[]): Promise<void> {
  await ensureChain();
  // One iptables-restore for all rules: each separate iptables call costs ~40 ms with the nft
  // backend, and this is on the path of every sandbox create.
  const rules = pairs.flatMap((p) => [ruleArgs(sandboxId, p), ...(p.port === ENGINE_PORT ? createLogRules(sandboxId, p) : [])]);
  const lines = ['*filter', ...rules.map((r) => ['-A', TRACE_CHAIN, ...r].join(' ')), 'COMMIT', ''];
  const r = await run('iptables-restore', ['-w', '5', '--noflush'], { input: lines.join('\n') });
  if (r.code !== 0) throw new Error(`cannot add trace rules: ${r.stderr.trim()}`);
}

interface Counted {
  comment: string;
  packets: number;
}

async function listRules(): Promise<Counted[]> {
  const r = await ipt(['-L', TRACE_CHAIN, '-n', '-v', '-x']);
  if (r.code !== 0) return [];
  const out: Counted[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+\d+.*\/\* (shiplab:[^ ]+) \*\//.exec(l);
    if (m) out.push({ packets: Number(m[1]), comment: m[2]! });
  }
  return out;
}

/** SYNs counted from `from` to `to`:`port` since the sandbox was created. */
export async function countConnects(sandboxId: string, from: string, to: string, port: number): Promise<number> {
  const want = `shiplab:${sandboxId}:${from}:${to}:${port}`;
  const rules = await listRules();
  return rules.filter((r) => r.comment === want).reduce((a, r) => a + r.packets, 0);
}

/** Removes every rule of the sandbox (by rule spec, not line number: another process may be
 * editing the chain at the same time). */
export async function removeTrace(sandboxId: string): Promise<void> {
  const r = await ipt(['-S', TRACE_CHAIN]);
  if (r.code !== 0) return;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith(`-A ${TRACE_CHAIN} `) || !line.includes(`shiplab:${sandboxId}:`)) continue;
    const spec = line.slice(`-A ${TRACE_CHAIN} `.length).match(/"[^"]*"|\S+/g) ?? [];
    await ipt(['-D', TRACE_CHAIN, ...spec.map((a) => a.replace(/^"|"$/g, ''))]);
  }
}

/** Sandbox ids that still have trace rules (for leak checks and reaping). */
export async function tracedSandboxes(): Promise<string[]> {
  return [...new Set((await listRules()).map((r) => r.comment.split(':')[1]!))];
}
