import path from 'node:path';
import { ROOT } from '../../core/config.ts';

/** images/<name>/: the files a recipe copies into its image (and hashes into its recipe). */
export function assetsDir(name: string): string {
  return path.join(ROOT, 'images', name);
}

/** images/<name>/rootfs/: copied to the same paths in the image. */
export function overlayDir(name: string): string {
  return path.join(assetsDir(name), 'rootfs');
}
