/**
 * Keeps sandboxes away from the host itself. Docker's isolation rules cover traffic between
 * networks (FORWARD), and sandbox networks are --internal, but a packet addressed to the host's
 * own address on a sandbox bridge goes through INPUT: without these rules a node could reach any
 * host service listening on all interfaces. IPv6 too: a sandbox network has no IPv6 addresses,
 * but a learner can switch IPv6 on in their node and reach the bridge's link-local address.
 */
import fs from 'node:fs';
import { logger } from '../core/log.ts';
import { run } from './run.ts';

const log = logger('host');

let done: Promise<void> | undefined;

/** Drops everything that interfaces matching `bridgeWildcard` (an iptables -i pattern, e.g. the
 * sandbox bridges' BRIDGE_WILDCARD) send to the host itself, over IPv4 and IPv6; once per
 * process (Shiplab has one pattern). A host without IPv6 has nothing to filter there; a host
 * with IPv6 but no working ip6tables is told, at warn, that IPv6 is not filtered. */
export function ensureHostIsolation(bridgeWildcard: string): Promise<void> {
  done ??= (async () => {
    const rule = ['INPUT', '-i', bridgeWildcard, '-j', 'DROP'];
    const v4 = await insertOnce('iptables', rule);
    if (v4) throw new Error(`cannot isolate sandboxes from the host (iptables -I ${rule.join(' ')}): ${v4}`);
    if (!fs.existsSync('/proc/net/if_inet6')) {
      log.debug('this kernel has no IPv6: no ip6tables rule needed');
      return;
    }
    const v6 = await insertOnce('ip6tables', rule).catch((err: Error) => err.message);
    if (v6) {
      log.warn(
        `IPv6 from sandbox bridges to the host is NOT filtered (ip6tables -I ${rule.join(' ')}: ${v6}): a node can reach ` +
          "the host's services listening on IPv6. Install Debian's iptables package (it has ip6tables) or start the host without IPv6",
      );
    }
  })();
  return done.catch((err) => {
    done = undefined;
    throw err;
  });
}

/** Inserts `rule` with `tool` unless it is there; the error text, or undefined when in place.
 * Rejects when `tool` cannot run at all. */
async function insertOnce(tool: 'iptables' | 'ip6tables', rule: string[]): Promise<string | undefined> {
  if ((await run(tool, ['-w', '5', '-C', ...rule])).code === 0) return undefined;
  const r = await run(tool, ['-w', '5', '-I', ...rule]);
  return r.code === 0 ? undefined : r.stderr.trim() || `exit code ${r.code}`;
}
