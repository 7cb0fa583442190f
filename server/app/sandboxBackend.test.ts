import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Sandboxes } from '../sandbox/types.ts';
import { localNodeShell } from '../terminal/nodeShell.ts';
import { localEngineBackend } from './sandboxBackend.ts';

describe('localEngineBackend', () => {
  it('is the sandboxes it is given, a shell, and this host as capacity', () => {
    const sandboxes = { engine: { host: 'unix:///e.sock' } } as unknown as Sandboxes;
    const shell = localNodeShell();
    const b = localEngineBackend(sandboxes, { dataDir: os.tmpdir(), shell });
    expect(b.kind).toBe('local-engine');
    expect(b.sandboxes).toBe(sandboxes);
    expect(b.shell).toBe(shell);
    const c = b.capacity();
    expect(c.memoryBytes).toBe(os.totalmem());
    expect(c.cpus).toBe(os.availableParallelism());
    expect(c.diskFreeBytes).toBeGreaterThan(0);
  });

  it('attaches shells through the engine API unless told otherwise', () => {
    const sandboxes = { engine: { host: 'unix:///e.sock', docker: {} } } as unknown as Sandboxes;
    const b = localEngineBackend(sandboxes, { dataDir: os.tmpdir() });
    expect(typeof b.shell.open).toBe('function');
  });
});
