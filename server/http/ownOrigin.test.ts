import { describe, expect, it } from 'vitest';
import { OwnOrigin, type RequestLike } from './ownOrigin.ts';

const req = (headers: RequestLike['headers'], socket: RequestLike['socket'] = { remoteAddress: '127.0.0.1' }): RequestLike => ({ headers, socket });

describe('OwnOrigin', () => {
  const local = new OwnOrigin({ listenHost: '127.0.0.1', port: 8080 });

  it('answers to the loopback names on its port by default', () => {
    expect(local.origins).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']);
    for (const host of ['127.0.0.1:8080', 'LOCALHOST:8080', '[::1]:8080']) expect(local.checkHost(req({ host }))).toEqual({ ok: true });
    for (const host of ['evil.example:8080', '127.0.0.1:8081', '127.0.0.1', 'localhost.:8080', '127.1:8080', 'localhost:8080@evil']) {
      expect(local.checkHost(req({ host }))).toMatchObject({ ok: false, status: 421, error: expect.stringMatching(/does not answer to the name .*DNS rebinding.*open http:\/\/127\.0\.0\.1:8080 or/) });
    }
    expect(local.checkHost(req({}))).toMatchObject({ ok: false, status: 400, error: expect.stringMatching(/^no Host header.*Host: 127\.0\.0\.1:8080/) });
  });

  it('shows a refused name back escaped and cut short', () => {
    const r = local.checkHost(req({ host: `"${'x'.repeat(500)}` }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/name "\\"x{99}…"/);
  });

  it('adds the listen address unless it is a wildcard, and a public URL with or without its default port', () => {
    const lan = new OwnOrigin({ listenHost: '0.0.0.0', port: 80, publicUrl: 'https://lab.example.org' });
    expect(lan.origins).toEqual(['https://lab.example.org', 'http://localhost', 'http://127.0.0.1', 'http://[::1]']);
    for (const host of ['lab.example.org', 'lab.example.org:443', 'localhost', 'localhost:80']) expect(lan.isOwnHost(host)).toBe(true);
    for (const host of ['0.0.0.0', 'lab.example.org:80', 'lab.example.org.']) expect(lan.isOwnHost(host)).toBe(false);
    expect(new OwnOrigin({ listenHost: '::', port: 9000 }).origins).toEqual(['http://localhost:9000', 'http://127.0.0.1:9000', 'http://[::1]:9000']);
    expect(new OwnOrigin({ listenHost: '192.168.1.5', port: 9000 }).isOwnHost('192.168.1.5:9000')).toBe(true);
    expect(new OwnOrigin({ listenHost: 'fd00::5', port: 9000 }).isOwnHost('[fd00::5]:9000')).toBe(true);
    expect(() => new OwnOrigin({ listenHost: '127.0.0.1', port: 0 })).toThrow(/port the server listens on \(1-65535\), not 0/);
  });

  it('takes Origins from the allowed list, not from the request: a rebinding page matches its own Host', () => {
    const lab = new OwnOrigin({ listenHost: '127.0.0.1', port: 8080, publicUrl: 'https://lab.example.org' });
    for (const o of ['http://127.0.0.1:8080', 'http://LOCALHOST:8080', 'http://[::1]:8080', 'https://lab.example.org', 'https://lab.example.org:443']) {
      expect(lab.allowsOrigin(o, false)).toBe(true);
    }
    for (const o of ['http://evil.example:8080', 'http://lab.example.org', 'https://127.0.0.1:8080', 'http://127.0.0.1:8081', 'null', '', 'http://[', 'http://a, http://b']) {
      expect(lab.allowsOrigin(o, true)).toBe(false);
    }
    expect(lab.allowsOrigin(undefined, true)).toBe(true);
    expect(lab.allowsOrigin(undefined, false)).toBe(false);
  });

  it('believes X-Forwarded-* only when told to trust the proxy, and then checks both names', () => {
    const headers = { host: '127.0.0.1:8080', 'x-forwarded-host': 'lab.example.org, other', 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6, 203.0.113.9' };
    const plain = new OwnOrigin({ listenHost: '127.0.0.1', port: 8080, publicUrl: 'https://lab.example.org' });
    expect(plain.view(req(headers))).toEqual({ host: '127.0.0.1:8080', proto: 'http', client: '127.0.0.1' });
    expect(plain.checkHost(req({ ...headers, 'x-forwarded-host': 'evil.example' }))).toEqual({ ok: true }); // not read at all

    const proxied = new OwnOrigin({ listenHost: '127.0.0.1', port: 8080, publicUrl: 'https://lab.example.org', trustProxy: true });
    expect(proxied.view(req(headers))).toEqual({ host: 'lab.example.org', proto: 'https', client: '203.0.113.9' });
    expect(proxied.checkHost(req(headers))).toEqual({ ok: true });
    expect(proxied.checkHost(req({ ...headers, 'x-forwarded-host': 'evil.example' }))).toMatchObject({ ok: false, status: 421 });
    // A rebinding page reaching the port directly can set X-Forwarded-Host, not its Host.
    expect(proxied.checkHost(req({ ...headers, host: 'evil.example:8080' }))).toMatchObject({ ok: false, status: 421 });
    expect(proxied.view(req({ host: 'lab.example.org' }, { encrypted: true }))).toMatchObject({ proto: 'https', client: undefined });
  });
});
