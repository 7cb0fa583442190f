import { createdInstead, defineCheck, notYet, passed } from '#check';

const CONTEXT = 'remote';
const HOST = 'tcp://remote-docker-engine:2375';
const NAME = 'context-made';

export default defineCheck(async (ctx) => {
  const expected = `context remote (${HOST}) on node1, context-made running on remote-docker-engine, and the default context in use`;
  const [inspect, list, remote, local, creates] = await Promise.all([
    ctx.exec('node1', ['docker', 'context', 'inspect', CONTEXT, '--format', '{{.Endpoints.docker.Host}}']),
    ctx.exec('node1', ['docker', 'context', 'ls', '--format', '{{.Name}} {{.Current}}']),
    ctx.container('remote-docker-engine', NAME),
    ctx.container('node1', NAME),
    ctx.engineCreates('node1', 'remote-docker-engine'),
  ]);
  if (inspect.exitCode !== 0) return notYet('no-context', { expected, found: 'no context named remote on node1' });
  const host = inspect.stdout.trim();
  if (host !== HOST) return notYet('wrong-host', { expected, found: `context remote points to ${host || 'nothing'}` });
  if (!remote) {
    if (local) return notYet('on-node1', { expected, found: 'context-made exists on node1, not on remote-docker-engine' });
    return notYet('no-container', { expected, found: 'no container named context-made on remote-docker-engine' });
  }
  if (!remote.State.Running) return notYet('not-running', { expected, found: `context-made is ${remote.State.Status}` });
  if (!creates.some((c) => c.id === remote.Id)) {
    return notYet('not-via-tcp', { expected, found: `context-made runs, but ${createdInstead('node1', creates, NAME, remote.Id)}` });
  }
  if (list.exitCode !== 0) throw new Error(`docker context ls failed on node1: ${list.stderr.trim()}`);
  const current = list.stdout.split('\n').find((l) => l.endsWith(' true'))?.split(' ')[0];
  if (current !== 'default') return notYet('still-remote', { expected, found: `node1's CLI uses the context ${current ?? '?'}` });
  return passed({ found: `context remote → ${HOST}; context-made runs on remote-docker-engine; default in use` });
});
