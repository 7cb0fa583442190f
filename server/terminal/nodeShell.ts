/**
 * How a terminal reaches a node: the command the pty spawns, and how the shell inside the node
 * is really ended. Injectable so the terminal path can run against a local bash in tests.
 */
import fs from 'node:fs';
import type { NodeName } from '../common/api.ts';
import type { SandboxInfo, Sandboxes } from '../sandbox/types.ts';
import { engineExec, type ShellProcess } from './engineExec.ts';

export type { ShellProcess } from './engineExec.ts';

export interface SpawnSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
}

export interface NodeShell {
  /** The host command that opens a login shell in `node`, with SHIPLAB_TERM=<marker> in its env;
   * a session runs it in a host pty unless `open` is given. */
  spawnSpec(sandbox: SandboxInfo, node: NodeName, marker: string): SpawnSpec;
  /** Opens that shell without a host command (the real nodes: an exec through the engine API). */
  open?(sandbox: SandboxInfo, node: NodeName, marker: string, size: { cols: number; rows: number }): ShellProcess;
  /** Ends every process in the node whose environment carries SHIPLAB_TERM=<marker>: SIGHUP,
   * then SIGKILL for survivors after END_KILL_AFTER_S. Never throws. */
  endMarked(sandbox: SandboxInfo, node: NodeName, marker: string): Promise<void>;
}

/** Seconds between SIGHUP and SIGKILL for a terminal's processes: a shell saves history and
 * exits on HUP at once; whatever ignores HUP (nohup, trap) gets the KILL. */
export const END_KILL_AFTER_S = 2;

/** Bounds the exec that ends a terminal's processes: the KILL delay plus a scan of /proc. */
const END_EXEC_TIMEOUT_MS = (END_KILL_AFTER_S + 8) * 1000;

/** The environment variable that tags every process a terminal starts. */
export const MARKER_ENV = 'SHIPLAB_TERM';

/**
 * A POSIX sh script (argv $1 = marker) that HUPs, then KILLs, the marked processes. It reads
 * /proc/<pid>/environ, which a process cannot rewrite for its children, so a learner cannot hide
 * the shell from it (they can only unset the variable in new children: those die with the
 * shell's session on HUP anyway).
 */
export const END_MARKED_SCRIPT = `
m="${MARKER_ENV}=$1"
marked() {
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    [ "$p" = "$$" ] && continue
    if tr '\\0' '\\n' <"$d/environ" 2>/dev/null | grep -qxF "$m"; then echo "$p"; fi
  done
}
pids=$(marked)
[ -z "$pids" ] && exit 0
kill -HUP $pids 2>/dev/null
i=0
while [ $i -lt ${END_KILL_AFTER_S * 5} ]; do
  sleep 0.2
  pids=$(marked)
  [ -z "$pids" ] && exit 0
  i=$((i + 1))
done
kill -KILL $pids 2>/dev/null
exit 0
`;

/** The real thing: a login shell in the node container on the host engine, opened as an exec
 * through the engine API (engineExec.ts: one hop fewer than a host pty running `docker exec -it`,
 * whose command line spawnSpec still gives, e.g. for a bench's raw comparison). */
export function dockerNodeShell(sandboxes: Sandboxes): NodeShell {
  return {
    open(sandbox, node, marker, size) {
      return engineExec({
        docker: sandboxes.engine.docker,
        container: sandbox.nodes[node].container,
        cmd: ['bash', '-l'],
        env: ['TERM=xterm-256color', `${MARKER_ENV}=${marker}`],
        workingDir: '/root',
        ...size,
      });
    },
    spawnSpec(sandbox, node, marker) {
      const container = sandbox.nodes[node].container;
      return {
        file: 'docker',
        args: [
          '-H', sandboxes.engine.host,
          'exec', '-it',
          '-e', 'TERM=xterm-256color',
          '-e', `${MARKER_ENV}=${marker}`,
          '-w', '/root',
          container, 'bash', '-l',
        ],
        env: hostEnv(),
      };
    },
    async endMarked(sandbox, node, marker) {
      try {
        await sandboxes.exec(sandbox.id, node, ['sh', '-c', END_MARKED_SCRIPT, 'sh', marker], { timeoutMs: END_EXEC_TIMEOUT_MS });
      } catch {
        // Swallow: the sandbox may be gone already (destroyed, expired), and then so is the shell.
      }
    },
  };
}

/** For tests and development: a local bash on this host, prompt like a node's. */
export function localNodeShell(opts: { shell?: string; args?: string[] } = {}): NodeShell {
  return {
    spawnSpec(_sandbox, node, marker) {
      return {
        file: opts.shell ?? 'bash',
        args: opts.args ?? ['--norc', '--noprofile', '-i'],
        env: { ...hostEnv(), TERM: 'xterm-256color', [MARKER_ENV]: marker, PS1: `root@${node}:~# ` },
      };
    },
    async endMarked(_sandbox, _node, marker) {
      const find = () => markedHostPids(marker);
      signalAll(find(), 'SIGHUP');
      for (let i = 0; i < END_KILL_AFTER_S * 5; i++) {
        await new Promise((r) => setTimeout(r, 200));
        if (find().length === 0) return;
      }
      signalAll(find(), 'SIGKILL');
    },
  };
}

/** Host pids whose environment carries the marker (local shells only). */
export function markedHostPids(marker: string): number[] {
  const want = `${MARKER_ENV}=${marker}`;
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(want)) pids.push(Number(name));
    } catch {
      // Swallow: the process exited while we looked, or is not ours to read.
    }
  }
  return pids;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Swallow: it exited between the scan and the signal.
    }
  }
}

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'DOCKER_HOST') env[k] = v;
  return env;
}
