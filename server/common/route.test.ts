import { describe, expect, it } from 'vitest';
import { routes } from './api.ts';
import { MALFORMED_PATH, route } from './route.ts';

describe('route', () => {
  it('builds paths with each param percent-encoded', () => {
    expect(routes.session.path()).toBe('/api/session');
    expect(routes.check.path({ lesson: 'welcome', step: 3 })).toBe('/api/lessons/welcome/steps/3/check');
    expect(routes.lesson.path({ lesson: 'a/b?c%' })).toBe('/api/lessons/a%2Fb%3Fc%25');
    expect(routes.terminal.path({ node: 'remote-docker-engine' })).toBe('/ws/terminal/remote-docker-engine');
  });

  it('matches what it builds and gives the params back decoded', () => {
    expect(routes.lesson.match(routes.lesson.path({ lesson: 'a/b?c%' }))).toEqual({ ok: true, params: { lesson: 'a/b?c%' } });
    expect(routes.check.match('/api/lessons/welcome/steps/12/check')).toEqual({ ok: true, params: { lesson: 'welcome', step: '12' } });
    expect(routes.session.match('/api/session')).toEqual({ ok: true, params: {} });
  });

  it('refuses another shape: other literals, other length, an empty param', () => {
    expect(routes.lesson.match('/api/lessons')).toBeUndefined();
    expect(routes.lesson.match('/api/lessons/')).toBeUndefined();
    expect(routes.lesson.match('/api/lessons/x/y')).toBeUndefined();
    expect(routes.session.match('/api/session/')).toBeUndefined();
    expect(routes.check.match('/api/lessons/x/step/1/check')).toBeUndefined();
  });

  it('reports a malformed percent-escape as a value, never a throw', () => {
    expect(routes.lesson.match('/api/lessons/%E0%A4%A')).toEqual({ ok: false, error: MALFORMED_PATH });
    expect(routes.terminal.match('/ws/terminal/%')).toEqual({ ok: false, error: MALFORMED_PATH });
    // Only a path of the route's shape is read at all.
    expect(routes.terminal.match('/ws/other/%')).toBeUndefined();
  });

  it('refuses a broken template when it is defined', () => {
    expect(() => route(['GET'], 'api/x')).toThrow(/must start with \//);
    expect(() => route(['GET'], '/api//x')).toThrow(/empty segment/);
    expect(() => route(['GET'], '/api/:a/:a')).toThrow(/repeats/);
    expect(() => route([], '/api/x')).toThrow(/at least one method/);
  });
});
