/**
 * What changed about a sandbox after it was made: its owner (a warm-pool spare handed to an
 * attendee) and its expiry (an attendee's time). Docker labels cannot change, so these live in a
 * small JSON file in the sandbox's directory, written whole (temp file + rename) and read by
 * adoption after a restart, where they win over the labels.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../core/log.ts';
import { sandboxDir } from './labels.ts';

export interface Overrides {
  owner?: string;
  expiresAt?: string;
}

const FILE = 'overrides.json';

export function readOverrides(sandboxesDir: string, id: string): Overrides {
  try {
    const data = JSON.parse(fs.readFileSync(path.join(sandboxDir(sandboxesDir, id), FILE), 'utf8')) as Record<string, unknown>;
    return {
      ...(typeof data.owner === 'string' && { owner: data.owner }),
      ...(typeof data.expiresAt === 'string' && /^\d{1,16}$/.test(data.expiresAt) && { expiresAt: data.expiresAt }),
    };
  } catch {
    return {};
  }
}

/** Sets one override; a write that fails is logged (the change holds until a restart). */
export function writeOverride(sandboxesDir: string, id: string, key: keyof Overrides, value: string, log: Logger): void {
  const dir = sandboxDir(sandboxesDir, id);
  const file = path.join(dir, FILE);
  try {
    const next = { ...readOverrides(sandboxesDir, id), [key]: value };
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(next), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  } catch (err) {
    log.warn('cannot keep a sandbox change for the next start', { id, key, error: String(err) });
  }
}
