/** vitest globalSetup for e2e: builds the page (vite) once per run into dist/web. */
import path from 'node:path';
import { build } from 'vite';
import { ROOT } from '../../server/core/config.ts';

export default async function setup(): Promise<void> {
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
