/**
 * The debug and authoring CLI: `npm run shiplab -- <command>`.
 *   sandbox up [--owner NAME]    create a sandbox and print its id
 *   sandbox ls                   list sandboxes
 *   sandbox shell ID [NODE]      a root shell in a node (default node1)
 *   sandbox down ID… | --all     remove sandboxes
 *   images                       build the image catalog (cached) and the mirror
 *   server-image                 build shiplab/server, Shiplab as a container (docker-compose.yml)
 *   engine stop                  stop the embedded dockerd Shiplab started
 *   check LESSON [--step N] --commands FILE [--answer A] [--json]
 */
import { spawnSync } from 'node:child_process';
import { isNodeName } from '../common/api.ts';
import { logger } from '../core/log.ts';
import { readArgs } from './args.ts';
import { ensureEngine, stopEmbedded } from '../engine/engine.ts';
import { createLogPaths, stopCreateLog } from '../host/createLog.ts';
import { dataDir, ROOT } from '../core/config.ts';
import { ensureBuilt, ensureImages, ensureMirror } from '../images/catalog.ts';
import { SERVER_IMAGE, serverRecipe } from '../images/recipes/server.ts';
import { openSandboxes } from '../app/openSandboxes.ts';

const log = logger('cli');

const USAGE = `usage: npm run shiplab -- <command>
  sandbox up [--owner NAME]     create a sandbox and print its id
  sandbox ls                    list sandboxes
  sandbox shell ID [NODE]       a root shell in node1 or remote-docker-engine
  sandbox down ID... | --all    remove sandboxes
  images                        build the image catalog and start the mirror
  server-image                  build the shiplab/server image that docker-compose.yml runs
  engine stop                   stop the embedded dockerd
  check LESSON [--step N] --commands FILE [--answer A] [--json]`;

/** What `sandbox <sub> …` asks for. */
type SandboxCommand =
  | { sub: 'up'; owner: string }
  | { sub: 'ls' }
  | { sub: 'shell'; id: string | undefined; node: string }
  | { sub: 'down'; all: boolean; ids: string[] };

/** Reads `sandbox <sub> …`'s arguments: a command, a problem with them, or undefined for an unknown sub. */
function parseSandboxArgs(sub: string, rest: string[]): SandboxCommand | string | undefined {
  switch (sub) {
    case 'up': {
      const r = readArgs(rest, { owner: { type: 'string', needs: 'a name' } });
      return typeof r === 'string' ? r : { sub, owner: r.values.owner ?? 'cli' };
    }
    case 'ls':
      return { sub };
    case 'shell': {
      const r = readArgs(rest, {});
      if (typeof r === 'string') return r;
      const [id, node = 'node1'] = r.positionals;
      return { sub, id, node };
    }
    case 'down': {
      const r = readArgs(rest, { all: { type: 'boolean' } });
      return typeof r === 'string' ? r : { sub, all: r.values.all ?? false, ids: r.positionals };
    }
    default:
      return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (cmd === 'check') {
    const { runCheckCommand } = await import('./check.ts');
    return runCheckCommand(argv.slice(1));
  }
  if (cmd === 'images') {
    const engine = await ensureEngine();
    await ensureImages(engine.docker);
    await ensureMirror(engine.docker);
    return 0;
  }
  if (cmd === 'server-image') {
    // The page the image serves is built from this checkout first, as npm start does.
    const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) return r.status ?? 1;
    const engine = await ensureEngine();
    await ensureBuilt(engine.docker, [serverRecipe()]);
    console.log(`${SERVER_IMAGE} is built; docker-compose.yml runs it`);
    return 0;
  }
  if (cmd === 'engine' && sub === 'stop') {
    const stopped = await stopEmbedded();
    console.log(stopped ? 'embedded engine stopped' : 'no embedded engine was running');
    if (await stopCreateLog(createLogPaths(dataDir()))) console.log('create log stopped');
    return 0;
  }
  if (cmd !== 'sandbox' || !sub) {
    console.error(USAGE);
    return 2;
  }
  const command = parseSandboxArgs(sub, rest);
  if (command === undefined || typeof command === 'string') {
    if (command) console.error(`shiplab: ${command}`);
    console.error(USAGE);
    return 2;
  }
  const sandboxes = await openSandboxes();
  try {
    switch (command.sub) {
      case 'up': {
        const { owner } = command;
        const t0 = Date.now();
        const sb = await sandboxes.create(owner, (p) => log.info(`${p.phase} ${p.percent}%`));
        console.log(`${sb.id} ready in ${Date.now() - t0} ms (subnet ${sb.subnet}); shell: npm run shiplab -- sandbox shell ${sb.id}`);
        return 0;
      }
      case 'ls': {
        for (const s of sandboxes.list()) {
          const left = Math.round((s.expiresAt - Date.now()) / 60_000);
          console.log(`${s.id}  owner=${s.owner}  subnet=${s.subnet}  expires in ${left} min`);
        }
        if (sandboxes.list().length === 0) console.log('no sandboxes');
        return 0;
      }
      case 'shell': {
        const { id, node } = command;
        const sb = id ? sandboxes.get(id) : undefined;
        if (!sb) throw new Error(`no sandbox ${id ?? '(missing id)'}; list them with: npm run shiplab -- sandbox ls`);
        if (!isNodeName(node)) throw new Error(`no node ${node}; use node1 or remote-docker-engine`);
        const r = spawnSync('docker', ['-H', sandboxes.engine.host, 'exec', '-it', '-w', '/root', sb.nodes[node].container, 'bash', '-l'], { stdio: 'inherit' });
        return r.status ?? 1;
      }
      case 'down': {
        const { all } = command;
        const ids = all ? sandboxes.list().map((s) => s.id) : command.ids;
        if (all && ids.length === 0) {
          console.log('no sandboxes to remove');
          return 0;
        }
        if (ids.length === 0) throw new Error('say which sandboxes to remove: sandbox down ID... or --all');
        for (const id of ids) {
          if (!sandboxes.get(id)) throw new Error(`no sandbox ${id}; list them with: npm run shiplab -- sandbox ls`);
          await sandboxes.destroy(id, 'requested');
          console.log(`removed ${id}`);
        }
        return 0;
      }
    }
  } finally {
    await sandboxes.dispose();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`shiplab: ${err.message}`);
    process.exit(1);
  },
);
