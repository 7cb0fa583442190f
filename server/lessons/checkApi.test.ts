import { describe, expect, it } from 'vitest';
import { CHECK_TIMEOUT_MS, containerName, createdInstead, defineCheck, isCheck, normalizeRef, notYet, passed, sameImage } from './checkApi.ts';

const DIGEST = 'sha256:' + 'a'.repeat(64);

describe('normalizeRef', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx:latest'],
    ['index.docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['bitnami/nginx', 'docker.io/bitnami/nginx:latest'],
    ['localhost:5000/my-image', 'localhost:5000/my-image:latest'],
    ['localhost/my-image', 'localhost/my-image:latest'],
    ['node1:5000/a/b:tag', 'node1:5000/a/b:tag'],
    ['registry.example.com/team/app:v1.2', 'registry.example.com/team/app:v1.2'],
    ['node1/a', 'docker.io/node1/a:latest'],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`nginx:1.25@${DIGEST}`, `docker.io/library/nginx:1.25@${DIGEST}`],
    [`localhost:5000/a@${DIGEST}`, `localhost:5000/a@${DIGEST}`],
    ['  nginx  ', 'docker.io/library/nginx:latest'],
  ])('%s → %s', (ref, full) => {
    expect(normalizeRef(ref)).toBe(full);
  });

  it.each(['', 'Nginx', 'nginx:', 'nginx@sha256:short', '<none>:<none>', 'a//b', 'localhost:5000/'])('throws on %j', (ref) => {
    expect(() => normalizeRef(ref)).toThrow(/is not an image reference/);
  });
});

describe('outcomes', () => {
  it('passed and notYet keep only the details given', () => {
    expect(passed()).toEqual({ passed: true });
    expect(passed({ found: 'x' })).toEqual({ passed: true, found: 'x' });
    expect(notYet('no-host', { expected: 'a', found: 'b' })).toEqual({ passed: false, hint: 'no-host', expected: 'a', found: 'b' });
  });

  it('notYet needs a hint id', () => {
    expect(() => notYet('')).toThrow(TypeError);
  });

  it('defineCheck wraps a function and refuses anything else', () => {
    const check = defineCheck(() => passed());
    expect(isCheck(check)).toBe(true);
    expect(isCheck({ run: () => {} })).toBe(false);
    expect(() => defineCheck('x' as never)).toThrow(/needs a function/);
  });

  it('gives checks 5 s', () => {
    expect(CHECK_TIMEOUT_MS).toBe(5_000);
  });
});

describe('sameImage', () => {
  it('compares both references written in full', () => {
    expect(sameImage('nginx', 'docker.io/library/nginx:latest')).toBe(true);
    expect(sameImage('docker.io/library/nginx:latest', 'nginx')).toBe(true);
    expect(sameImage('library/nginx:latest', 'nginx:latest')).toBe(true);
    expect(sameImage('localhost:5000/a', 'localhost:5000/a:latest')).toBe(true);
    expect(sameImage('nginx:1.25', 'nginx')).toBe(false);
    expect(sameImage('localhost:5000/nginx', 'nginx')).toBe(false);
    expect(sameImage('busybox', 'nginx')).toBe(false);
  });

  it('says false for engine data that is not a reference', () => {
    expect(sameImage('sha256:' + 'a'.repeat(64), 'nginx')).toBe(false);
    expect(sameImage('<none>:<none>', 'nginx')).toBe(false);
    expect(sameImage('', 'nginx')).toBe(false);
  });

  it('throws when the expected image is not a reference (a mistake in the check)', () => {
    expect(() => sameImage('nginx', 'Nginx')).toThrow(/is not an image reference/);
  });
});

describe('containerName', () => {
  it('drops the leading slash of the first name', () => {
    expect(containerName({ Names: ['/web'] })).toBe('web');
    expect(containerName({ Names: ['/a', '/b/alias'] })).toBe('a');
  });

  it('says ? when there is no name', () => {
    expect(containerName({ Names: [] })).toBe('?');
    expect(containerName({})).toBe('?');
  });
});

describe('createdInstead', () => {
  it('names what was created over TCP instead of the wanted container', () => {
    const id = 'b'.repeat(64);
    expect(createdInstead('node1', [], 'web', id)).toBe('node1 created no container there over TCP 2375');
    expect(createdInstead('node1', [{ id: 'a'.repeat(64), name: 'decoy' }, { id: 'c'.repeat(64) }], 'web', `sha256:${id}`)).toBe(
      'node1 created decoy, cccccccccccc there over TCP 2375, not this web (bbbbbbbbbbbb)',
    );
  });
});
