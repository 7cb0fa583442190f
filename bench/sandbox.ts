/**
 * Sandbox figures: create → both engines ready (median, p95 over N runs), and the memory an
 * idle sandbox uses (its parent cgroup's usage, with and without page cache).
 *   npx tsx bench/sandbox.ts [runs=10]
 */
import fs from 'node:fs';
import { openSandboxes } from '../server/app/openSandboxes.ts';
import { isCgroupV2 } from '../server/sandbox/cgroups.ts';

const runs = Number(process.argv[2] ?? 10);
const IDLE_SETTLE_MS = 10_000;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function memory(id: string): { total: number; anon: number } {
  if (isCgroupV2()) {
    const dir = `/sys/fs/cgroup/shiplab/${id}`;
    const stat = fs.readFileSync(`${dir}/memory.stat`, 'utf8');
    const anon = Number(/^anon (\d+)/m.exec(stat)?.[1] ?? 0);
    return { total: Number(fs.readFileSync(`${dir}/memory.current`, 'utf8')), anon };
  }
  const dir = `/sys/fs/cgroup/memory/shiplab/${id}`;
  const stat = fs.readFileSync(`${dir}/memory.stat`, 'utf8');
  const anon = Number(/^total_rss (\d+)/m.exec(stat)?.[1] ?? 0);
  return { total: Number(fs.readFileSync(`${dir}/memory.usage_in_bytes`, 'utf8')), anon };
}

const m = await openSandboxes({ adopt: false });
const times: number[] = [];
let idle: { total: number; anon: number } | undefined;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const sb = await m.create('bench');
  times.push(performance.now() - t0);
  if (i === runs - 1) {
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    idle = memory(sb.id);
  }
  await m.destroy(sb.id, 'requested');
}
await m.dispose();
const sorted = [...times].sort((a, b) => a - b);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`sandbox create → both engines ready, ${runs} runs: median ${(pct(sorted, 50) / 1000).toFixed(2)} s, p95 ${(pct(sorted, 95) / 1000).toFixed(2)} s, min ${(sorted[0]! / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s`);
if (idle) console.log(`idle sandbox memory after ${IDLE_SETTLE_MS / 1000} s: ${mib(idle.total)} MiB incl. page cache, ${mib(idle.anon)} MiB anonymous`);
process.exit(0);
