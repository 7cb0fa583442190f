import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, ROOT } from './config.ts';

describe('loadConfig', () => {
  it('has defaults for everything, in the units the code uses', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: path.join(ROOT, '.shiplab'), dockerHost: undefined, log: 'info', terminalGraceMs: 60_000 });
    expect(c.sandbox).toEqual({ memoryBytes: 1536 * 1024 * 1024, pids: 1024, cpus: 1, storeBytes: 4096 * 1024 * 1024, ttlMs: 120 * 60_000, idleMs: 30 * 60_000 });
  });

  it('takes environment variables, an empty one counting as unset', () => {
    const c = loadConfig({ SHIPLAB_PORT: '0', SHIPLAB_HOST: '', SHIPLAB_TERMINAL_GRACE_S: '0.5', SHIPLAB_SANDBOX_CPUS: '1.5', DOCKER_HOST: 'unix:///run/x.sock' });
    expect(c).toMatchObject({ port: 0, host: '127.0.0.1', terminalGraceMs: 500, dockerHost: 'unix:///run/x.sock' });
    expect(c.sandbox.cpus).toBe(1.5);
  });

  it('names the variable, the value and the fix for a bad value', () => {
    expect(() => loadConfig({ SHIPLAB_PORT: '80x' })).toThrow(/^SHIPLAB_PORT=80x is not a port number \(0-65535\); unset SHIPLAB_PORT or give a valid value$/);
    expect(() => loadConfig({ SHIPLAB_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ SHIPLAB_SANDBOX_MEMORY_MB: '-1' })).toThrow(/SHIPLAB_SANDBOX_MEMORY_MB=-1 must be above 0 \(MiB\)/);
    expect(() => loadConfig({ SHIPLAB_LOG: 'loud' })).toThrow(/SHIPLAB_LOG=loud must be one of quiet, info, debug/);
    expect(() => loadConfig({ DOCKER_HOST: '/var/run/docker.sock' })).toThrow(/DOCKER_HOST=\/var\/run\/docker.sock must start with unix:\/\/ or tcp:\/\//);
  });

  it('takes a public URL as its origin and a trust-proxy flag, and names a bad one', () => {
    expect(loadConfig({})).toMatchObject({ publicUrl: undefined, trustProxy: false });
    expect(loadConfig({ SHIPLAB_PUBLIC_URL: 'https://Lab.Example.org:443/', SHIPLAB_TRUST_PROXY: 'yes' })).toMatchObject({ publicUrl: 'https://lab.example.org', trustProxy: true });
    expect(loadConfig({ SHIPLAB_PUBLIC_URL: 'http://192.168.1.5:8080', SHIPLAB_TRUST_PROXY: 'FALSE' })).toMatchObject({ publicUrl: 'http://192.168.1.5:8080', trustProxy: false });
    for (const bad of ['lab.example.org', 'ftp://lab.example.org', 'https://lab.example.org/shiplab', 'https://lab.example.org/?x', 'https://u:p@lab.example.org']) {
      expect(() => loadConfig({ SHIPLAB_PUBLIC_URL: bad })).toThrow(new RegExp(`^SHIPLAB_PUBLIC_URL=${bad.replace(/[.?/]/g, '\\$&')} must be an http:// or https:// URL with no path`));
    }
    expect(() => loadConfig({ SHIPLAB_TRUST_PROXY: 'maybe' })).toThrow(/^SHIPLAB_TRUST_PROXY=maybe must be true or false; unset SHIPLAB_TRUST_PROXY/);
  });

  it('leaves the capacity to the host unless set, and bounds the queue, the rates and the sessions', () => {
    const c = loadConfig({});
    expect(c.capacity).toEqual({
      memoryBytes: undefined, reserveMemoryBytes: 2048 * 1024 * 1024, diskBytes: undefined, reserveDiskBytes: 8192 * 1024 * 1024,
      cpus: undefined, sandboxes: undefined, createsAtOnce: undefined, queueMax: 100,
    });
    expect(c.rates).toEqual({ sessionsPerMin: 60, createsPerMin: 30 });
    expect(c.sessions).toEqual({ ttlMs: 30 * 24 * 3600_000, max: 10_000 });
    const set = loadConfig({
      SHIPLAB_CAPACITY_MEMORY_MB: '4096', SHIPLAB_CAPACITY_DISK_MB: '16384', SHIPLAB_CAPACITY_CPUS: '3', SHIPLAB_MAX_SANDBOXES: '3',
      SHIPLAB_CREATES_AT_ONCE: '2', SHIPLAB_QUEUE_MAX: '0', SHIPLAB_RESERVE_MEMORY_MB: '0', SHIPLAB_SESSION_TTL_DAYS: '0.5', SHIPLAB_MAX_SESSIONS: '50',
    });
    expect(set.capacity).toMatchObject({ memoryBytes: 4096 * 1024 * 1024, diskBytes: 16384 * 1024 * 1024, cpus: 3, sandboxes: 3, createsAtOnce: 2, queueMax: 0, reserveMemoryBytes: 0 });
    expect(set.sessions).toEqual({ ttlMs: 12 * 3600_000, max: 50 });
    expect(() => loadConfig({ SHIPLAB_MAX_SANDBOXES: '2.5' })).toThrow(/^SHIPLAB_MAX_SANDBOXES=2.5 is not a whole number \(sandboxes at once\)/);
    expect(() => loadConfig({ SHIPLAB_CREATES_AT_ONCE: '0' })).toThrow(/SHIPLAB_CREATES_AT_ONCE=0 must be at least 1/);
    expect(() => loadConfig({ SHIPLAB_RATE_CREATES_PER_MIN: '0' })).toThrow(/SHIPLAB_RATE_CREATES_PER_MIN=0 must be above 0/);
  });

  it('reads a JSON file under the environment, and names bad or unknown keys', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shiplab-config-'));
    const file = path.join(dir, 'shiplab.json');
    try {
      fs.writeFileSync(file, JSON.stringify({ port: 9000, sandbox: { memoryMb: 512 }, terminal: { graceS: 5 } }));
      const c = loadConfig({ SHIPLAB_CONFIG: file, SHIPLAB_PORT: '9001' });
      expect(c).toMatchObject({ port: 9001, terminalGraceMs: 5000, file });
      expect(c.sandbox.memoryBytes).toBe(512 * 1024 * 1024);

      fs.writeFileSync(file, JSON.stringify({ publicUrl: 'https://lab.example.org', trustProxy: true }));
      expect(loadConfig({ SHIPLAB_CONFIG: file })).toMatchObject({ publicUrl: 'https://lab.example.org', trustProxy: true });
      fs.writeFileSync(file, JSON.stringify({ trustProxy: 'sometimes' }));
      expect(() => loadConfig({ SHIPLAB_CONFIG: file })).toThrow(/trustProxy="sometimes" must be true or false/);

      fs.writeFileSync(file, JSON.stringify({ sandbox: { memoryMB: 512 } }));
      expect(() => loadConfig({ SHIPLAB_CONFIG: file })).toThrow(/unknown setting "sandbox.memoryMB"/);
      fs.writeFileSync(file, JSON.stringify({ port: 'eighty' }));
      expect(() => loadConfig({ SHIPLAB_CONFIG: file })).toThrow(/shiplab.json: port="eighty" is not a port number/);
      fs.writeFileSync(file, '{ port: 1');
      expect(() => loadConfig({ SHIPLAB_CONFIG: file })).toThrow(/is not valid JSON/);
      expect(() => loadConfig({ SHIPLAB_CONFIG: path.join(dir, 'missing.json') })).toThrow(/cannot be read \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
