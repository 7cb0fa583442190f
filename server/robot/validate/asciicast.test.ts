import { describe, expect, it } from 'vitest';
import { CastRecorder } from './asciicast.ts';

describe('CastRecorder', () => {
  it('writes a v2 header then [t, "o", data] events from the first output on', async () => {
    const cast = new CastRecorder(120, 32, 'welcome: solution');
    await new Promise((r) => setTimeout(r, 30));
    cast.output('root@node1:~# ');
    await new Promise((r) => setTimeout(r, 20));
    cast.note('node1');
    cast.output('');
    const [header, ...events] = cast.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(header).toMatchObject({ version: 2, width: 120, height: 32, title: 'welcome: solution' });
    expect(typeof header.timestamp).toBe('number');
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual([0, 'o', 'root@node1:~# ']);
    expect(events[1][0]).toBeGreaterThanOrEqual(0.015);
    expect(events[1][2]).toContain('── node1 ──');
  });
});
