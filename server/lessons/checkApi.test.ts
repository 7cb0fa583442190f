import { describe, expect, it } from 'vitest';
import { CHECK_TIMEOUT_MS, defineCheck, isCheck, normalizeRef, notYet, passed } from './checkApi.ts';

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
