import { defineCheck, notYet, passed } from '#check';

const NAME = 'spinner';
/** --cpus=.5 in the engine's unit, billionths of a CPU. */
const WANTED_NANO_CPUS = 500_000_000;
const NANO_PER_CPU = 1e9;
/** The kernel's CFS period when --cpu-period is not given: 100 ms, in µs. */
const DEFAULT_PERIOD_US = 100_000;
/** cgroup v1's quota and period files, else v2's cpu.max ("quota period"). */
const READ_QUOTA = 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max';

export default defineCheck(async (ctx) => {
  const expected = 'spinner running with a limit of half a CPU (--cpus=.5), in docker inspect and in its cgroup';
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('no-container', { expected, found: 'no container named spinner on node1' });
  const hc = c.HostConfig;
  // --cpus=.5 and --cpu-quota=50000 --cpu-period=100000 set the same limit.
  const cpus = hc.NanoCpus ? hc.NanoCpus / NANO_PER_CPU : hc.CpuQuota && hc.CpuQuota > 0 ? hc.CpuQuota / (hc.CpuPeriod || DEFAULT_PERIOD_US) : 0;
  if (cpus === 0) {
    if (hc.CpuShares) return notYet('shares-not-limit', { expected, found: `spinner has --cpu-shares=${hc.CpuShares} and no CPU limit` });
    return notYet('no-limit', { expected, found: 'spinner has no CPU limit' });
  }
  if (Math.abs(cpus - WANTED_NANO_CPUS / NANO_PER_CPU) > 1e-9) return notYet('wrong-cpus', { expected, found: `spinner is limited to ${cpus} CPU` });
  if (!c.State.Running) return notYet('not-running', { expected, found: `spinner is ${c.State.Status}` });
  const read = await ctx.exec('node1', ['docker', 'exec', NAME, 'sh', '-c', READ_QUOTA]);
  const [quota, period] = read.stdout.trim().split(/\s+/).map(Number);
  if (read.exitCode !== 0 || !quota || !period || quota <= 0 || Math.abs(quota / period - cpus) > 1e-9) {
    return notYet('cgroup-mismatch', { expected, found: `cgroup quota/period: ${read.stdout.trim().replace(/\s+/g, ' ') || read.stderr.trim() || 'unreadable'}` });
  }
  return passed({ found: `spinner: HostConfig.NanoCpus ${hc.NanoCpus ?? 0}, cgroup quota ${quota} of ${period} µs` });
});
