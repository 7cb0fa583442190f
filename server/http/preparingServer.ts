/**
 * What the lab's address shows while the first start is still installing the engine and building
 * the image catalog (minutes on a fresh machine): a page that says what is happening and reloads
 * itself, and 503 for the API. The operator's probes answer as they will on the lab: /healthz 200
 * (the process is alive: a kubelet or compose must not restart it in the middle of a first start),
 * /readyz and /metrics 503 with the phase, to any Host, in JSON. The real lab server takes the
 * port over when everything is ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isProbePath, OPS_PATHS } from './opsRoutes.ts';
import { OwnOrigin } from './ownOrigin.ts';

/** The page reloads this often; the lab appears at the first reload after it is ready. */
const RELOAD_S = 3;

export interface PreparingServer {
  url: string;
  /** What the page says is happening now, e.g. "building image node: debootstrap". */
  setPhase(phase: string): void;
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The names this page answers to, as the lab's (server/http/ownOrigin.ts). */
export interface PreparingOrigin {
  publicUrl?: string;
  trustProxy?: boolean;
}

export async function startPreparingServer(host: string, port: number, origin: PreparingOrigin = {}): Promise<PreparingServer> {
  let phase = 'starting';
  const answer = (own: OwnOrigin, req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = { 'cache-control': 'no-store', 'retry-after': String(RELOAD_S) };
    const path = (req.url ?? '/').split('?')[0]!;
    // Probes come by address (a kubelet names the pod by its IP), as on the lab (opsRoutes.ts).
    if (isProbePath(path) || path === OPS_PATHS.metrics) {
      const alive = path === OPS_PATHS.health;
      res.writeHead(alive ? 200 : 503, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'preparing', phase }));
      return;
    }
    const named = own.checkHost(req);
    if (!named.ok) {
      res.writeHead(named.status, { 'cache-control': 'no-store', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: named.error }));
      return;
    }
    if ((req.url ?? '/').startsWith('/api/') || (req.url ?? '/').startsWith('/ws/')) {
      res.writeHead(503, { ...headers, 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `Shiplab is still preparing (${phase}); try again in a moment` }));
      return;
    }
    res.writeHead(503, {
      ...headers,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${RELOAD_S}">
<meta name="color-scheme" content="light dark"><title>Shiplab is preparing</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>Shiplab is getting ready</h1><p>The first start installs the Docker engine and builds the lab's images
from Debian packages, which takes a few minutes. This page opens the lab when it is ready.</p>
<p role="status"><strong>Now:</strong> ${escapeHtml(phase)}</p></body></html>`);
  };
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`${host}:${port} is already in use (another Shiplab?): stop that program or set SHIPLAB_PORT to a free port`)
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  // The listener goes on once the port is known, before any request can be read (as labServer.ts).
  const own = new OwnOrigin({ listenHost: host, port: addr.port, ...origin });
  server.on('request', (req, res) => answer(own, req, res));
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    setPhase(p) {
      phase = p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from the reloading page would hold the port otherwise.
        server.closeAllConnections();
      }),
  };
}
