/**
 * The lab's own origin: the Host names a request may carry, the Origins a page of this lab can
 * have, and what a reverse proxy says about a request (believed only when the operator said so).
 *
 * Why the Host: with DNS rebinding, a stranger's page on evil.example:8080 (a name the stranger
 * points at 127.0.0.1) talks to the lab from its own origin, so an Origin that matches the
 * request's own Host proves nothing; the Host it sends, evil.example:8080, is not one of ours.
 * Why both Host and X-Forwarded-Host behind a proxy: any page can set X-Forwarded-Host on a
 * fetch, so a rebinding page that reaches the lab's port directly could claim our public name.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface OwnOriginOptions {
  /** The address the server listens on (SHIPLAB_HOST): also a name of ours unless a wildcard. */
  listenHost: string;
  /** The port it really listens on (after port 0 picked one). */
  port: number;
  /** SHIPLAB_PUBLIC_URL: the origin learners open when it is not a loopback name. */
  publicUrl?: string;
  /** SHIPLAB_TRUST_PROXY: believe X-Forwarded-Proto/Host/For. */
  trustProxy?: boolean;
}

/** What the rule reads of a request: its headers and the socket it came on. */
export interface RequestLike {
  headers: IncomingHttpHeaders;
  socket: { encrypted?: boolean; remoteAddress?: string };
}

/** A request as the client sent it, through the proxy rule. */
export interface RequestView {
  /** The name the client asked for: X-Forwarded-Host behind a trusted proxy, else Host. */
  host: string | undefined;
  /** https when the socket is TLS, or a trusted proxy says the client used TLS. */
  proto: 'http' | 'https';
  /**
   * The client's address: behind a trusted proxy the last X-Forwarded-For entry (the one our
   * proxy appended; entries before it are whatever the client sent), else the socket's peer.
   */
  client: string | undefined;
}

export type HostVerdict = { ok: true } | { ok: false; status: 400 | 421; error: string };

/** The names every lab answers to on its port: a browser on this machine uses one of them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const;
/** Listen addresses that are no name of ours (they mean "every interface"). */
const WILDCARDS = new Set(['0.0.0.0', '[::]']);
/** A refused Host is shown back this long at most (it is the client's own text). */
const SHOWN_HOST_CHARS = 100;

/** The first of a header's comma-joined values (Node joins repeated X-Forwarded-* with ", "). */
function first(v: string | string[] | undefined): string | undefined {
  const s = (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  return s || undefined;
}

function last(v: string | string[] | undefined): string | undefined {
  const s = (Array.isArray(v) ? v.join(',') : v)?.split(',').pop()?.trim();
  return s || undefined;
}

export class OwnOrigin {
  /** Every origin a page of this lab can have, the one to show first. */
  readonly origins: readonly string[];
  /** Host header values of ours, lower case: host:port, and bare host for a default port. */
  private readonly _hosts = new Set<string>();
  private readonly _origins: ReadonlySet<string>;

  /** @throws Error naming the port or the public URL when either cannot be ours (a wiring bug). */
  constructor(private readonly _o: OwnOriginOptions) {
    if (!Number.isInteger(_o.port) || _o.port < 1 || _o.port > 65535) {
      throw new Error(`OwnOrigin needs the port the server listens on (1-65535), not ${_o.port}`);
    }
    const listen = _o.listenHost.includes(':') && !_o.listenHost.startsWith('[') ? `[${_o.listenHost}]` : _o.listenHost;
    const names = [...(WILDCARDS.has(listen) ? [] : [listen]), ...LOOPBACK_NAMES];
    const origins = names.map((n) => new URL(`http://${n}:${_o.port}`).origin);
    if (_o.publicUrl !== undefined) origins.unshift(new URL(_o.publicUrl).origin);
    this.origins = [...new Set(origins)];
    this._origins = new Set(this.origins);
    for (const o of this.origins) {
      const u = new URL(o);
      this._hosts.add(u.host);
      this._hosts.add(`${u.hostname}:${u.port || (u.protocol === 'https:' ? 443 : 80)}`);
    }
  }

  /** Whether `host` (a Host header value) names this lab. */
  isOwnHost(host: string): boolean {
    return this._hosts.has(host.toLowerCase());
  }

  /**
   * Whether the request names this lab: its Host, and behind a trusted proxy its
   * X-Forwarded-Host too. A refusal says which name was refused and where the lab is.
   */
  checkHost(req: RequestLike): HostVerdict {
    const host = req.headers.host;
    if (!host) return { ok: false, status: 400, error: `no Host header: send the name of this lab (e.g. Host: ${new URL(this.origins[0]!).host})` };
    if (!this.isOwnHost(host)) return this._refuse(host);
    const forwarded = this._o.trustProxy ? first(req.headers['x-forwarded-host']) : undefined;
    if (forwarded !== undefined && !this.isOwnHost(forwarded)) return this._refuse(forwarded);
    return { ok: true };
  }

  /**
   * Whether a browser page with this Origin is one of ours. No Origin is not a browser page
   * (browsers send it on every WebSocket upgrade and every cross-origin write): allowed only when
   * `allowMissing`. "null" (sandboxed frames, file://) and garbage are not ours.
   */
  allowsOrigin(origin: string | undefined, allowMissing: boolean): boolean {
    if (origin === undefined) return allowMissing;
    try {
      return this._origins.has(new URL(origin).origin);
    } catch {
      return false;
    }
  }

  /** The request as the client sent it: X-Forwarded-* count only behind a trusted proxy. */
  view(req: RequestLike): RequestView {
    const trust = this._o.trustProxy === true;
    const proto = req.socket.encrypted === true || (trust && first(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https') ? 'https' : 'http';
    return {
      host: (trust ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host,
      proto,
      client: (trust ? last(req.headers['x-forwarded-for']) : undefined) ?? req.socket.remoteAddress,
    };
  }

  private _refuse(host: string): HostVerdict {
    const shown = JSON.stringify(host.length > SHOWN_HOST_CHARS ? `${host.slice(0, SHOWN_HOST_CHARS)}…` : host);
    return {
      ok: false,
      status: 421,
      error:
        `this lab does not answer to the name ${shown} (a guard against DNS rebinding): open ${this.origins.join(' or ')}, ` +
        'or set SHIPLAB_PUBLIC_URL to the address learners open',
    };
  }
}
