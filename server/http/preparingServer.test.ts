import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { startPreparingServer } from './preparingServer.ts';

describe('the preparing page', () => {
  it('says what is happening, escaped, and answers the API with 503', async () => {
    const s = await startPreparingServer('127.0.0.1', 0);
    try {
      s.setPhase('building image node: <debootstrap>');
      const page = await fetch(`${s.url}/`);
      expect(page.status).toBe(503);
      const html = await page.text();
      expect(html).toContain('building image node: &#60;debootstrap&#62;');
      expect(html).toContain('http-equiv="refresh"');
      const api = await fetch(`${s.url}/api/lessons`);
      expect(api.status).toBe(503);
      expect(((await api.json()) as { error: string }).error).toMatch(/still preparing/);
    } finally {
      await s.close();
    }
  });

  it('is alive but not ready for probes, to any Host, while it prepares', async () => {
    const s = await startPreparingServer('127.0.0.1', 0);
    const get = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get(`${s.url}${path}`, { headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
    try {
      s.setPhase('building image node: downloading packages');
      const health = await get('/healthz', '10.1.2.3:8080');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({ status: 'preparing', phase: 'building image node: downloading packages' });
      expect((await get('/readyz?verbose', '10.1.2.3:8080')).status).toBe(503);
      expect((await get('/metrics', 'localhost')).status).toBe(503);
    } finally {
      await s.close();
    }
  });

  it('answers only to its own names, as the lab does', async () => {
    const s = await startPreparingServer('127.0.0.1', 0, { publicUrl: 'https://lab.example.org' });
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        http.get(`${s.url}/`, { headers: { host } }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject);
      });
    try {
      const port = new URL(s.url).port;
      expect(await get(`evil.example:${port}`)).toBe(421);
      expect(await get(`localhost:${port}`)).toBe(503);
      expect(await get('lab.example.org')).toBe(503);
    } finally {
      await s.close();
    }
  });

  it('names a taken port and the fix', async () => {
    const s = await startPreparingServer('127.0.0.1', 0);
    try {
      const port = Number(new URL(s.url).port);
      await expect(startPreparingServer('127.0.0.1', port)).rejects.toThrow(/already in use.*SHIPLAB_PORT/);
    } finally {
      await s.close();
    }
  });
});
