import { containerName, defineCheck, notYet, passed } from '#check';

const NAME = 'hello';

/**
 * The text of a non-TTY container's logs. The engine frames each chunk with an 8-byte header
 * (stream, 3 zero bytes, big-endian length); a TTY container's logs are plain bytes.
 */
function logText(buf: Buffer): string {
  const HEADER_BYTES = 8;
  let out = '';
  let at = 0;
  while (at + HEADER_BYTES <= buf.length && buf[at]! <= 2 && buf[at + 1] === 0) {
    const size = buf.readUInt32BE(at + 4);
    out += buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + size).toString('utf8');
    at += HEADER_BYTES + size;
  }
  return at === 0 ? buf.toString('utf8') : out;
}

export default defineCheck(async (ctx) => {
  const expected = 'a container named hello on node1 that printed hello and exited with 0';
  const node1 = ctx.engine('node1');
  const hello = await ctx.container('node1', NAME);
  if (!hello) {
    const remote = await ctx.container('remote-docker-engine', NAME);
    if (remote) return notYet('on-remote', { expected, found: 'hello exists on remote-docker-engine, not on node1' });
    const all = await node1.listContainers({ all: true });
    const unnamed = all.find((c) => c.Image.startsWith('busybox') && c.Command.includes('echo hello'));
    if (unnamed) {
      return notYet('no-name', { expected, found: `a busybox container named ${containerName(unnamed)}` });
    }
    return notYet('no-container', { expected, found: 'no container named hello on node1' });
  }
  const output = logText(await node1.getContainer(hello.Id).logs({ stdout: true, stderr: true })).trim();
  const shown = output === '' ? 'no output' : `output "${output.slice(0, 60)}"`;
  if (output !== 'hello') return notYet('wrong-output', { expected, found: `hello ran "${hello.Config.Cmd?.join(' ') ?? ''}", ${shown}` });
  if (hello.State.ExitCode !== 0) return notYet('failed', { expected, found: `hello exited with ${hello.State.ExitCode}` });
  return passed({ found: 'hello printed hello and exited with 0' });
});
