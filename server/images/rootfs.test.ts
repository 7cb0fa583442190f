import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTree, inRoot, mountsBelow, parseLdd } from './rootfs.ts';

describe('rootfs', () => {
  it('reads the libraries out of ldd output', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd5a1f2000)',
      '\tlibpcre2-8.so.0 => /lib/x86_64-linux-gnu/libpcre2-8.so.0 (0x00007f7fc46be000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f9d3e674000)',
      '\tlibgone.so.1 => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f9d3e86a000)',
    ].join('\n');
    expect(parseLdd(out)).toEqual({
      libs: ['/lib/x86_64-linux-gnu/libpcre2-8.so.0', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'],
      missing: ['libgone.so.1'],
    });
    expect(parseLdd('\tstatically linked\n')).toEqual({ libs: [], missing: [] });
  });

  it('keeps every path inside the image root', () => {
    expect(inRoot('/r', '/etc/passwd')).toBe('/r/etc/passwd');
    expect(inRoot('/r', '../../etc/passwd')).toBe('/r/etc/passwd');
    expect(inRoot('/r', '/')).toBe('/r');
  });

  it('finds mounts below a tree, deepest first, and not its siblings', () => {
    const info = [
      '22 1 0:5 / /proc rw - proc proc rw',
      '90 1 0:5 / /data/cache/rootfs-node/proc rw - proc proc rw',
      '91 90 0:6 / /data/cache/rootfs-node/proc/sys/fs/binfmt_misc rw - binfmt_misc x rw',
      '92 1 0:7 / /data/cache/rootfs-node2/sys rw - sysfs sysfs rw',
      '93 1 0:8 / /data/cache/rootfs-node/with\\040space rw - tmpfs t rw',
    ].join('\n');
    expect(mountsBelow('/data/cache/rootfs-node', info)).toEqual([
      '/data/cache/rootfs-node/proc/sys/fs/binfmt_misc',
      '/data/cache/rootfs-node/with space',
      '/data/cache/rootfs-node/proc',
    ]);
  });

  it('copies an asset tree with 755 for executables and 644 for the rest', () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'assets-'));
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'root-'));
    try {
      fs.mkdirSync(path.join(src, 'usr/sbin'), { recursive: true });
      fs.writeFileSync(path.join(src, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o775 });
      fs.writeFileSync(path.join(src, 'conf'), 'x', { mode: 0o600 });
      copyTree(root, src);
      expect(fs.statSync(path.join(root, 'usr/sbin/policy-rc.d')).mode & 0o777).toBe(0o755);
      expect(fs.statSync(path.join(root, 'conf')).mode & 0o777).toBe(0o644);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
