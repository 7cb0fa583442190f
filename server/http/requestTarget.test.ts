import { describe, expect, it } from 'vitest';
import { BAD_TARGET, requestTarget } from './requestTarget.ts';

describe('requestTarget', () => {
  it('keeps the path as sent, without query or fragment', () => {
    expect(requestTarget('/api/lessons/a%2Fb?x=1#y')).toEqual({ ok: true, path: '/api/lessons/a%2Fb' });
    expect(requestTarget('/ws/terminal/%E0%A4%A')).toEqual({ ok: true, path: '/ws/terminal/%E0%A4%A' });
    expect(requestTarget('//evil.example/x')).toEqual({ ok: true, path: '//evil.example/x' }); // a path, not a host
    expect(requestTarget('/#')).toEqual({ ok: true, path: '/' });
  });

  it('refuses what is not origin-form, without throwing', () => {
    for (const raw of ['http://[', 'http://127.0.0.1/api/lessons', '*', 'example.org:443', '', undefined]) {
      expect(requestTarget(raw)).toEqual({ ok: false, error: BAD_TARGET });
    }
  });
});
