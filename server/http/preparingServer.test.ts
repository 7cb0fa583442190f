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
