/**
 * Keeps sandboxes away from the host itself. Docker's isolation rules cover traffic between
 * networks (FORWARD), and sandbox networks are --internal, but a packet addressed to the host's
 * own address on a sandbox bridge goes through INPUT: without this rule a node could reach any
 * host service listening on all interfaces.
 */
import { run } from './run.ts';

let done: Promise<void> | undefined;

/** Drops everything that interfaces matching `bridgeWildcard` (an iptables -i pattern, e.g. the
 * sandbox bridges' BRIDGE_WILDCARD) send to the host itself; once per process (Shiplab has one pattern). */
export function ensureHostIsolation(bridgeWildcard: string): Promise<void> {
  done ??= (async () => {
    const rule = ['INPUT', '-i', bridgeWildcard, '-j', 'DROP'];
    if ((await run('iptables', ['-w', '5', '-C', ...rule])).code === 0) return;
    const r = await run('iptables', ['-w', '5', '-I', ...rule]);
    if (r.code !== 0) throw new Error(`cannot isolate sandboxes from the host (iptables -I ${rule.join(' ')}): ${r.stderr.trim()}`);
  })();
  return done.catch((err) => {
    done = undefined;
    throw err;
  });
}
