/**
 * The one place that knows where a node's inner engine listens, seen from the host, and that
 * makes a dockerode client for it (waiting for the engines at create, checks, autocheck).
 */
import Docker from 'dockerode';

/**
 * The inner engine's socket, seen through the node's root: the server runs as root on the host,
 * and /proc/<pid>/root is the node's filesystem. /run, not /var/run: an absolute symlink
 * (/var/run → /run) would resolve against the host's root, not the node's.
 */
export function nodeEngineSocket(pid: number): string {
  return `/proc/${pid}/root/run/docker.sock`;
}

/** A client of the inner engine of the node whose init has host PID `pid`; `timeoutMs` is
 * dockerode's per-request timeout (none when left out or 0). */
export function nodeEngine(pid: number, timeoutMs?: number): Docker {
  return new Docker({ socketPath: nodeEngineSocket(pid), ...(timeoutMs !== undefined && { timeout: timeoutMs }) });
}
