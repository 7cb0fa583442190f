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
