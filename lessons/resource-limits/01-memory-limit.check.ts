import { defineCheck, notYet, passed } from '#check';

const NAME = 'limited';
/** --memory=1000m: 1000 MiB in bytes, the unit the engine and the kernel store. */
const WANTED_BYTES = 1000 * 1024 * 1024;
/** cgroup v1 file first, then v2's; each container sees its own cgroup at /sys/fs/cgroup. */
const READ_LIMIT = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max';

function mib(bytes: number): string {
  return `${bytes} bytes (${+(bytes / 1024 / 1024).toFixed(2)} MiB)`;
}

export default defineCheck(async (ctx) => {
  const expected = `limited running with a memory limit of ${mib(WANTED_BYTES)}, in docker inspect and in its cgroup`;
  const c = await ctx.container('node1', NAME);
  if (!c) return notYet('no-container', { expected, found: 'no container named limited on node1' });
  const memory = c.HostConfig.Memory ?? 0;
  if (memory === 0) return notYet('no-limit', { expected, found: 'limited has no memory limit' });
  if (memory !== WANTED_BYTES) return notYet('wrong-memory', { expected, found: `limited is limited to ${mib(memory)}` });
  if (!c.State.Running) return notYet('not-running', { expected, found: `limited is ${c.State.Status}` });
  const read = await ctx.exec('node1', ['docker', 'exec', NAME, 'sh', '-c', READ_LIMIT]);
  const inCgroup = read.stdout.trim();
  if (read.exitCode !== 0 || inCgroup !== String(WANTED_BYTES)) {
    return notYet('cgroup-mismatch', { expected, found: `cgroup limit: ${inCgroup || read.stderr.trim() || 'unreadable'}` });
  }
  return passed({ found: `limited: HostConfig.Memory ${memory}, cgroup ${inCgroup}` });
});
