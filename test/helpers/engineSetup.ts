/**
 * vitest globalSetup: the real engine, the image catalog and the mirror, once per run, before
 * any suite starts (a cold build takes minutes and prints its progress).
 */
import { ensureEngine } from '../../server/engine/engine.ts';
import { ensureImages, ensureMirror } from '../../server/images/catalog.ts';

export default async function setup(): Promise<void> {
  const engine = await ensureEngine();
  await ensureImages(engine.docker);
  await ensureMirror(engine.docker);
}
