/**
 * Create/destroy cycles leave nothing behind; a restarted server re-adopts live sandboxes and
 * removes broken ones.
 */
import { describe, expect, it } from 'vitest';
import { openSandboxes } from '../../server/app/openSandboxes.ts';
import { run } from '../../server/host/run.ts';
import { leftovers, manager, NONE } from '../helpers/sandbox.ts';

const CYCLES = Number(process.env.SHIPLAB_TEST_CYCLES ?? 20);

async function hostProcessesMentioning(ids: string[]): Promise<string[]> {
  const r = await run('ps', ['-eo', 'pid,args']);
  return r.stdout.split('\n').filter((l) => ids.some((id) => l.includes(id)));
}

describe('sandbox lifecycle', () => {
  it(`${CYCLES} create/destroy cycles leave no container, network, volume, cgroup, loop device or process`, async () => {
    const m = await manager();
    const ids: string[] = [];
    const containerIds: string[] = [];
    try {
      for (let i = 0; i < CYCLES; i++) {
        const sb = await m.create('test-lifecycle');
        ids.push(sb.id);
        containerIds.push(...Object.values(sb.nodes).map((n) => n.containerId));
        await m.destroy(sb.id, 'requested');
      }
      expect(await leftovers(m.engine.docker, ids)).toEqual(NONE);
      expect(await hostProcessesMentioning([...ids, ...containerIds])).toEqual([]);
    } finally {
      await m.dispose();
    }
  }, 600_000);

  it('a restarted manager re-adopts a live sandbox and removes a broken one', async () => {
    const first = await manager();
    const live = await first.create('test-adopt');
    const broken = await first.create('test-adopt');
    await first.dispose();
    await first.engine.docker.getContainer(broken.nodes['remote-docker-engine'].container).kill();

    const second = await openSandboxes();
    try {
      expect(second.get(live.id)?.nodes.node1.ip).toBe(live.nodes.node1.ip);
      expect(second.get(broken.id)).toBeUndefined();
      expect(await leftovers(second.engine.docker, [broken.id])).toEqual(NONE);
      const r = await second.exec(live.id, 'node1', ['hostname']);
      expect(r.stdout.trim()).toBe('node1');
    } finally {
      await second.destroy(live.id, 'requested');
      await second.dispose();
    }
    expect(await leftovers(second.engine.docker, [live.id])).toEqual(NONE);
  });

  it('removes a sandbox when its time is up', async () => {
    const m = await openSandboxes({ adopt: false, times: { ttlMs: 1, idleMs: 60_000 } });
    try {
      const sb = await m.create('test-expiry');
      const gone = new Promise<string>((r) => m.onDestroyed((e) => r(e.reason)));
      await m.sweepNow();
      expect(await gone).toBe('expired');
      expect(m.get(sb.id)).toBeUndefined();
      expect(await leftovers(m.engine.docker, [sb.id])).toEqual(NONE);
    } finally {
      await m.dispose();
    }
  });
});
