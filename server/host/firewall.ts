/**
 * Keeps sandboxes away from the host itself. Docker's isolation rules cover traffic between
 * networks (FORWARD), and sandbox networks are --internal, but a packet addressed to the host's
 * own address on a sandbox bridge goes through INPUT: without this rule a node could reach any
 * host service listening on all interfaces.
 */
import { run } from './run.ts';
import { BRIDGE_WILDCARD } from '../sandbox/labels.ts';

let done: Promise<void> | undefined;

export function ensureHostIsolation(): Promise<void> {
  done ??= (async () => {
    const rule = ['INPUT', '-i', BRIDGE_WILDCARD, '-j', 'DROP'];
    if ((await run('iptables', ['-w', '5', '-C', ...rule])).code === 0) return;
    const r = await run('iptables', ['-w', '5', '-I', ...rule]);
    if (r.code !== 0) throw new Error(`cannot isolate sandboxes from the host (iptables -I ${rule.join(' ')}): ${r.stderr.trim()}`);
  })();
  return done.catch((err) => {
    done = undefined;
    throw err;
  });
}
