/**
 * Raw-socket fuzzing of the lab's HTTP edge: malformed request lines, malformed percent-escapes
 * in every route of server/common/api.ts (the terminal route as a WebSocket upgrade), oversized
 * and binary headers, bad bodies, broken upgrades, mutated requests and random bytes. Cases come
 * from a seeded PRNG, so a failure names its seed and index and is replayed exactly.
 *
 * Cases that carry the real learner's cookie are written, never mutated: only then is it certain
 * that none of them is a valid request that changes the learner's sandbox or terminal.
 */
import net from 'node:net';
import { routes } from '../../server/common/api.ts';

/** mulberry32: small, fast, good enough to spread cases; the same seed gives the same cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzContext {
  /** Our own Host header value, e.g. 127.0.0.1:41234. */
  host: string;
  /** The real learner's Cookie header value (a ready sandbox, an open terminal). */
  cookie: string;
}

export interface FuzzCase {
  kind: string;
  /** What is written, in order (a request split across packets is parsed across them). */
  chunks: Buffer[];
  /** Half-close after writing, so a request waiting for more bytes ends at once. */
  halfClose: boolean;
}

export interface FuzzOutcome {
  /** The status of the first answer; 0 when the server closed without one; -1 when it stayed silent. */
  status: number;
  ms: number;
}

/** Percent-escapes decodeURIComponent refuses (and two it takes, for contrast). */
export const BAD_ESCAPES = [
  '%', '%%', '%2', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%F0%9F%98', '%u0041', '%E0'.repeat(700), '%80%80', '%00', '%2F..%2F..',
];
/** Param values that decode fine but are far longer than any id (a WebSocket close reason holds 123 bytes). */
const LONG_VALUES = ['n'.repeat(130), 'n'.repeat(4000), '%C3%A9'.repeat(100)];
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'G\x00T', 'GET\x7f', 'X'.repeat(300), ''];
const TARGETS = [
  'http://[', 'http://[::1', 'http://', 'http://evil.example/api/lessons', '*', '127.0.0.1:80', '', ' ', '//evil.example/../api/lessons',
  '/api/../api/lessons', '?x', '#', '%zz', '/%E0%A4%A', '/\\..\\..\\etc\\passwd', '/a b', '/\x7f', '/\xff\xfe', '/\x00', `/${'a'.repeat(9000)}`,
  '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/index.html%00.js', '/assets/%', '/assets/..%5c..%5cetc', '/api', '/api/',
  '/api/lessons?%zz=%E0', '/api/lessons#%', '/ws/terminal/', '/ws/terminal/node1/extra', '/ws/terminal/%2e%2e',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1.1 extra', 'http/1.1', 'HTTP/1.', '', 'HTTP/2.0', 'HTTP/1.1\x00'];
const SEPARATORS = ['\r\n', '\n', '\r', '\r\r\n'];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const randomBytes = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0, 255)));
const printable = (r: Rand, n: number): string => String.fromCharCode(...Array.from({ length: n }, () => int(r, 32, 126)));

/** A request as text, each header as written (latin1 keeps bytes 0x80-0xff as they are). */
function request(method: string, target: string, headers: [string, string][], body = '', version = 'HTTP/1.1', sep = '\r\n'): Buffer {
  const head = `${method} ${target} ${version}${sep}${headers.map(([k, v]) => `${k}: ${v}${sep}`).join('')}${sep}`;
  return Buffer.from(head + body, 'latin1');
}

const WS_HEADERS: [string, string][] = [
  ['connection', 'Upgrade'],
  ['upgrade', 'websocket'],
  ['sec-websocket-version', '13'],
  ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
];

/** Every route's path with `escape` in one param (or appended, for a route without params). */
function routePaths(value: string): { name: string; methods: readonly string[]; path: string }[] {
  const out: { name: string; methods: readonly string[]; path: string }[] = [];
  for (const [name, route] of Object.entries(routes)) {
    const parts = route.template.split('/');
    const params = parts.filter((p) => p.startsWith(':'));
    if (params.length === 0) {
      out.push({ name, methods: route.methods, path: `${route.template}${value}` });
      out.push({ name, methods: route.methods, path: `${route.template}/${value}` });
      continue;
    }
    for (const param of params) {
      // The other params get plausible values: this one must be what is refused.
      const path = parts.map((p) => (p === param ? `x${value}` : p.startsWith(':') ? (p === ':step' ? '0' : 'welcome') : p)).join('/');
      out.push({ name, methods: route.methods, path });
    }
  }
  return out;
}

/**
 * The systematic cases first: each bad escape and each overlong value in each route with each of
 * its methods, with and without the learner's cookie (the terminal route as an upgrade and as a
 * plain GET).
 */
function routeCases(ctx: FuzzContext): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const values = [...BAD_ESCAPES.map((v) => ['route-escape', v] as const), ...LONG_VALUES.map((v) => ['route-long', v] as const)];
  for (const [kind, value] of values) {
    for (const { name, methods, path } of routePaths(value)) {
      for (const cookie of [undefined, ctx.cookie]) {
        const base: [string, string][] = [['host', ctx.host], ...(cookie ? ([['cookie', cookie]] as [string, string][]) : [])];
        if (name === 'terminal') {
          cases.push({ kind, chunks: [request('GET', path, [...base, ...WS_HEADERS, ['origin', `http://${ctx.host}`]])], halfClose: false });
        }
        for (const method of methods) {
          const body = method === 'POST' ? '{"lesson":"nope","answer":"x"}' : '';
          const headers: [string, string][] = [...base, ['origin', `http://${ctx.host}`], ['content-type', 'application/json'], ['content-length', String(body.length)]];
          cases.push({ kind, chunks: [request(method, path, headers, body)], halfClose: false });
        }
      }
    }
  }
  return cases;
}

/** A request that is nearly right, for mutation: no cookie of a real learner. */
function baseRequest(r: Rand, ctx: FuzzContext): Buffer {
  const bogus = `shiplab_session=${printable(r, 43).replace(/[;\s]/g, 'x')}`;
  const options: Buffer[] = [
    request('GET', '/api/lessons', [['host', ctx.host], ['accept', 'application/json']]),
    request('POST', '/api/session', [['host', ctx.host], ['content-type', 'application/json'], ['content-length', '2']], '{}'),
    request('POST', '/api/sandbox', [['host', ctx.host], ['cookie', bogus], ['content-type', 'application/json'], ['content-length', '16']], '{"lesson":"zzz"}'),
    request('GET', '/ws/terminal/node1', [['host', ctx.host], ['cookie', bogus], ...WS_HEADERS]),
    request('GET', '/', [['host', ctx.host]]),
    request('GET', '/api/events', [['host', ctx.host], ['cookie', bogus]]),
  ];
  return pick(r, options);
}

function mutate(r: Rand, b: Buffer): Buffer {
  const out = [...b];
  for (let n = int(r, 1, 8); n > 0; n--) {
    const at = int(r, 0, Math.max(0, out.length - 1));
    switch (int(r, 0, 4)) {
      case 0:
        out[at] = int(r, 0, 255);
        break;
      case 1:
        out.splice(at, int(r, 1, 16));
        break;
      case 2:
        out.splice(at, 0, ...randomBytes(r, int(r, 1, 32)));
        break;
      case 3:
        out.splice(at, 0, ...out.slice(at, at + int(r, 1, 64)));
        break;
      default:
        out.splice(at, 0, ...Buffer.from(pick(r, ['%', '%E0%A4%A', '\r\n', '\r\n\r\n', '\x00', ':', ' ', '[', '/../', '\xff']), 'latin1'));
    }
  }
  return Buffer.from(out);
}

/** One random case of a kind, from the generator `r`. */
function randomCase(r: Rand, ctx: FuzzContext): FuzzCase {
  const host: [string, string] = ['host', ctx.host];
  const halfClose = r() < 0.5;
  const kind = pick(r, ['request-line', 'request-line', 'header', 'header', 'header', 'body', 'upgrade', 'upgrade', 'mutation', 'mutation', 'mutation', 'random']);
  switch (kind) {
    case 'request-line': {
      const sep = r() < 0.8 ? '\r\n' : pick(r, SEPARATORS);
      return { kind, chunks: [request(pick(r, METHODS), pick(r, TARGETS), [host], '', pick(r, VERSIONS), sep)], halfClose };
    }
    case 'header': {
      const which = int(r, 0, 11);
      const headers: [string, string][] =
        which === 0 ? [host, ['x-big', 'a'.repeat(int(r, 8_000, 70_000))]]
          : which === 1 ? [host, ...Array.from({ length: int(r, 100, 3000) }, (_, i) => [`x-h${i}`, 'v'] as [string, string])]
            : which === 2 ? [host, [printable(r, int(r, 1, 20)), Buffer.from(randomBytes(r, int(r, 1, 200))).toString('latin1')]]
              : which === 3 ? [host, ['cookie', Array.from({ length: int(r, 1, 500) }, () => `${printable(r, 3)}=${printable(r, int(r, 0, 40))}`).join(pick(r, [';', '; ', ';;', ',']))]]
                : which === 4 ? [['host', pick(r, ['', '[', 'evil.example', `${ctx.host}:80`, `${ctx.host}.`, 'a'.repeat(10_000), `[${ctx.host}]`, '\xff\xfe', `${ctx.host}, evil.example`])]]
                  : which === 5 ? [host, host]
                    : which === 6 ? []
                      : which === 7 ? [host, ['origin', pick(r, ['null', 'http://[', 'http://evil.example', '\xff\x80', `http://${ctx.host}/x`, 'x'.repeat(5000)])], ['content-length', '0']]
                        : which === 8 ? [host, ['x-forwarded-host', printable(r, 20)], ['x-forwarded-proto', pick(r, ['https', 'gopher', '\xff'])], ['x-forwarded-for', printable(r, 30)]]
                          : which === 9 ? [host, ['content-length', pick(r, ['-1', 'abc', '1e9', '5, 6', '99999999999999999999', ' 3'])], ['transfer-encoding', pick(r, ['chunked', 'gzip', 'chunked, chunked', 'identity'])]]
                            : which === 10 ? [host, ['expect', pick(r, ['100-continue', 'nonsense'])], ['content-length', '10'], ['content-type', 'application/json']]
                              : [host, [`x-${printable(r, 4)}\x01`, 'v'], ['\x00', 'v']];
      const method = pick(r, ['GET', 'POST', 'DELETE']);
      const target = pick(r, ['/', '/api/lessons', '/api/session', '/api/sandbox', '/api/progress', '/ws/terminal/node1', `/api/lessons/${pick(r, BAD_ESCAPES)}`]);
      return { kind, chunks: [request(method, target, headers)], halfClose };
    }
    case 'body': {
      const target = pick(r, ['/api/session', '/api/sandbox', `/api/lessons/zzz/steps/0/check`, '/api/lessons']);
      const body = pick(r, [
        () => '{"lesson":', () => '[1,2]', () => 'null', () => '"x"', () => '{"lesson":{"$gt":""}}', () => '{"answer":' + '9'.repeat(400) + '}',
        () => Buffer.from(randomBytes(r, int(r, 1, 2000))).toString('latin1'), () => '{' + '"a":{'.repeat(5000), () => 'x'.repeat(70 * 1024),
      ])();
      const declared = pick(r, ['exact', 'more', 'less', 'chunked', 'bad-chunk']);
      const type = pick(r, ['application/json', 'text/plain', 'application/json; charset=\xff', '']);
      const headers: [string, string][] = [host, ...(type ? ([['content-type', type]] as [string, string][]) : [])];
      const bytes = Buffer.byteLength(body, 'latin1');
      if (declared === 'exact') headers.push(['content-length', String(bytes)]);
      if (declared === 'more') headers.push(['content-length', String(bytes + int(r, 1, 1000))]);
      if (declared === 'less') headers.push(['content-length', String(Math.max(0, bytes - int(r, 1, 10)))]);
      const chunked = declared === 'chunked' ? `${bytes.toString(16)}\r\n${body}\r\n0\r\n\r\n` : declared === 'bad-chunk' ? `${pick(r, ['zz', 'ffffffffffffffff', '-1', ''])}\r\n${body}\r\n` : body;
      if (declared === 'chunked' || declared === 'bad-chunk') headers.push(['transfer-encoding', 'chunked']);
      return { kind, chunks: [request('POST', target, headers, chunked)], halfClose };
    }
    case 'upgrade': {
      const which = int(r, 0, 7);
      const ws = WS_HEADERS.map(([k, v]): [string, string] =>
        which === 0 && k === 'sec-websocket-key' ? [k, pick(r, ['', 'short', printable(r, 24)])]
          : which === 1 && k === 'sec-websocket-version' ? [k, pick(r, ['99', '', 'x', '-1'])]
            : which === 2 && k === 'upgrade' ? [k, pick(r, ['h2c', 'websocket, h2c', '\xff', 'WebSocket'])]
              : [k, v]);
      const target = which === 3 ? pick(r, ['/api/lessons', '/', '/ws/terminal/', '/ws/terminal/node1/x', `/ws/terminal/${'n'.repeat(5000)}`, `/ws/terminal/${pick(r, BAD_ESCAPES)}`])
        : which === 4 ? `/ws/terminal/${pick(r, ['node9', 'remote-docker-engine', 'x'.repeat(200), '%6Eode1'])}`
          : '/ws/terminal/node1';
      const headers: [string, string][] = [
        which === 5 ? ['host', pick(r, ['evil.example', `evil.example:${ctx.host.split(':').pop()}`])] : host,
        ...ws,
        ...(which === 6 ? ([['origin', pick(r, ['http://evil.example', 'null', 'http://['])], ['cookie', `shiplab_session=${printable(r, 43).replace(/[;\s]/g, 'y')}`]] as [string, string][]) : []),
      ];
      const method = which === 7 ? pick(r, ['POST', 'DELETE', 'PUT']) : 'GET';
      // Bytes after the handshake: a WebSocket frame stream of garbage (the head of the upgrade).
      const after = r() < 0.5 ? [randomBytes(r, int(r, 1, 512))] : [];
      return { kind, chunks: [request(method, target, headers), ...after], halfClose: r() < 0.2 };
    }
    case 'mutation':
      return { kind, chunks: [mutate(r, baseRequest(r, ctx))], halfClose };
    default: {
      const n = int(r, 1, 4096);
      const bytes = r() < 0.5 ? randomBytes(r, n) : Buffer.from(printable(r, n), 'latin1');
      const prefixed = r() < 0.3 ? Buffer.concat([Buffer.from(`GET / HTTP/1.1\r\nhost: ${ctx.host}\r\n`, 'latin1'), bytes]) : bytes;
      return { kind: 'random', chunks: [prefixed], halfClose };
    }
  }
}

/** Splits some cases across packets at random points, so the parser sees partial input. */
function split(r: Rand, c: FuzzCase): FuzzCase {
  if (r() < 0.7) return c;
  const all = Buffer.concat(c.chunks);
  const cuts = [...new Set(Array.from({ length: int(r, 1, 3) }, () => int(r, 1, Math.max(1, all.length - 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of cuts) {
    chunks.push(all.subarray(from, at));
    from = at;
  }
  chunks.push(all.subarray(from));
  return { ...c, chunks: chunks.filter((b) => b.length > 0) };
}

/** The issue's own findings, then every route × bad escape, then random cases up to `count`. */
export function fuzzCases(seed: number, count: number, ctx: FuzzContext): FuzzCase[] {
  const r = prng(seed);
  const findings: FuzzCase[] = [
    { kind: 'finding', chunks: [request('GET', 'http://[', [['host', ctx.host]])], halfClose: false },
    { kind: 'finding', chunks: [request('GET', '/ws/terminal/%E0%A4%A', [['host', ctx.host], ['cookie', ctx.cookie], ...WS_HEADERS])], halfClose: false },
    { kind: 'finding', chunks: [request('GET', '/api/lessons/%E0%A4%A', [['host', ctx.host]])], halfClose: false },
  ];
  const cases = [...findings, ...routeCases(ctx)];
  while (cases.length < count) cases.push(split(r, randomCase(r, ctx)));
  return cases;
}

/**
 * Writes one case on a fresh connection and waits for the first answer (then `QUIET_MS` more for
 * the rest of it), for the server to close, or for `timeoutMs`; then destroys the socket.
 */
const QUIET_MS = 20;
export function send(port: number, c: FuzzCase, timeoutMs: number): Promise<FuzzOutcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let first = '';
    let finished = false;
    let quiet: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1');
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clearTimeout(quiet);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(first);
      resolve({ status: m ? Number(m[1]) : first ? 0 : socket.readableEnded ? 0 : -1, ms: performance.now() - t0 });
    };
    const deadline = setTimeout(done, timeoutMs);
    socket.on('connect', () => {
      for (const chunk of c.chunks) socket.write(chunk);
      if (c.halfClose) socket.end();
    });
    socket.on('data', (d: Buffer) => {
      if (first.length < 64) first += d.toString('latin1');
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    });
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', () => {}); // a reset after a refusal is an answer too; close follows
  });
}
