import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../core/log.ts';
import { readOverrides, writeOverride } from './overrides.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe('sandbox overrides', () => {
  it('keep a new owner and expiry for adoption, and ignore what is not theirs', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-ovr-'));
    try {
      expect(readOverrides(root, 'sb1')).toEqual({});
      fs.mkdirSync(path.join(root, 'sb1'));
      writeOverride(root, 'sb1', 'owner', 'learner-7', quiet);
      writeOverride(root, 'sb1', 'expiresAt', '1900000000000', quiet);
      expect(readOverrides(root, 'sb1')).toEqual({ owner: 'learner-7', expiresAt: '1900000000000' });
      fs.writeFileSync(path.join(root, 'sb1', 'overrides.json'), '{"owner":5,"expiresAt":"soon"}');
      expect(readOverrides(root, 'sb1')).toEqual({});
      writeOverride(root, 'gone', 'owner', 'x', quiet); // no directory: logged, not thrown
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
