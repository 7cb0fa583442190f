import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileFor, hashTree, importChanges, recipeHash, splitTag, type Recipe } from './recipe.ts';

function recipe(over: Partial<Recipe> = {}): Recipe {
  return { name: 'x', tags: ['x:1'], mirrored: true, revision: 1, config: { cmd: ['sh'] }, inputs: () => ({ a: 1 }), build: async () => {}, ...over };
}

describe('recipe', () => {
  it('splits tags with Docker defaults, registry ports included', () => {
    expect(splitTag('nginx')).toEqual({ repo: 'nginx', tag: 'latest' });
    expect(splitTag('registry:2')).toEqual({ repo: 'registry', tag: '2' });
    expect(splitTag('shiplab/node:bookworm')).toEqual({ repo: 'shiplab/node', tag: 'bookworm' });
    expect(splitTag('localhost:5000/x')).toEqual({ repo: 'localhost:5000/x', tag: 'latest' });
  });

  it('turns a config into import changes, leaving STOPSIGNAL to a build step', () => {
    const c = { entrypoint: ['/bin/registry'], cmd: ['serve', 'a b'], env: { PATH: '/bin' }, expose: ['5000'], volumes: ['/v'], stopSignal: 'SIGQUIT' };
    expect(importChanges(c, { 'shiplab.recipe': 'h' })).toEqual([
      'ENTRYPOINT ["/bin/registry"]',
      'CMD ["serve","a b"]',
      'ENV PATH="/bin"',
      'EXPOSE 5000',
      'VOLUME ["/v"]',
      'LABEL shiplab.recipe="h"',
    ]);
    expect(dockerfileFor('nginx:latest', c)).toBe('FROM nginx:latest\nSTOPSIGNAL SIGQUIT\n');
    expect(dockerfileFor('x', { stopSignal: 'SIGTERM' })).toBeUndefined();
  });

  it('hash moves with config, inputs, revision and asset files, and only with them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.conf'), 'one');
      const base = recipeHash(recipe({ assetsDir: dir }));
      expect(recipeHash(recipe({ assetsDir: dir }))).toBe(base);
      expect(recipeHash(recipe({ assetsDir: dir, revision: 2 }))).not.toBe(base);
      expect(recipeHash(recipe({ assetsDir: dir, inputs: () => ({ a: 2 }) }))).not.toBe(base);
      expect(recipeHash(recipe({ assetsDir: dir, config: { cmd: ['bash'] } }))).not.toBe(base);
      fs.writeFileSync(path.join(dir, 'a.conf'), 'two');
      expect(recipeHash(recipe({ assetsDir: dir }))).not.toBe(base);
      fs.writeFileSync(path.join(dir, 'a.conf'), 'one');
      fs.chmodSync(path.join(dir, 'a.conf'), 0o755);
      expect(recipeHash(recipe({ assetsDir: dir }))).not.toBe(base);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes nested asset folders in a stable order', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recipe-'));
    try {
      fs.mkdirSync(path.join(dir, 'rootfs/etc'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'rootfs/etc/passwd'), 'root');
      fs.writeFileSync(path.join(dir, 'b'), 'b');
      expect(hashTree(dir).map(([p, m]) => `${p} ${m}`)).toEqual(['b 644', 'rootfs/etc/passwd 644']);
      expect(hashTree(path.join(dir, 'none'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
