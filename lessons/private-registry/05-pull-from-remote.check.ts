import { defineCheck, notYet, passed, shortId } from '#check';

const REPO = 'my-image';
const REPO_TAG = '5000/my-image:latest';

export default defineCheck(async (ctx) => {
  const expected = 'node1:5000/my-image pulled on remote-docker-engine';
  // By name or by address: both reach node1's registry.
  const hosts = ['node1', ctx.nodes.node1.ip];
  const fromNode1 = hosts.map((h) => `${h}:${REPO_TAG}`);
  const [remoteImages, localImages] = await Promise.all([
    ctx.engine('remote-docker-engine').listImages(),
    ctx.engine('node1').listImages(),
  ]);
  const catalog = await ctx.registry('node1').catalog();
  const remote = remoteImages.find((i) => (i.RepoTags ?? []).some((t) => fromNode1.includes(t)));
  if (remote) {
    // A pull leaves the registry's manifest digest (node1:5000/my-image@sha256:…); a docker tag
    // on the remote node makes the name without it.
    const digest = catalog === undefined ? undefined : await ctx.registry('node1').digest(REPO, 'latest');
    const pulled = (remote.RepoDigests ?? []).map((d) => /^(.+):5000\/my-image@(sha256:[0-9a-f]{64})$/.exec(d)).filter((m) => m && hosts.includes(m[1]!)).map((m) => m![2]!);
    const tag = (remote.RepoTags ?? []).find((t) => fromNode1.includes(t))!;
    if (pulled.length === 0) return notYet('tagged-not-pulled', { expected, found: `${tag} on remote-docker-engine (image ${shortId(remote.Id)}) without a digest from node1's registry` });
    if (digest !== undefined && pulled.includes(digest)) return passed({ found: `${tag} on remote-docker-engine, pulled (${shortId(digest)}…)` });
    if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
    return notYet('not-pulled', { expected, found: `${tag} on remote-docker-engine has digest ${shortId(pulled[0])}…; the registry's my-image:latest is ${digest ? `${shortId(digest)}…` : 'gone'}` });
  }
  if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
  const onNode1 = localImages.flatMap((i) => i.RepoTags ?? []).find((t) => fromNode1.includes(t));
  if (onNode1) return notYet('pulled-on-node1', { expected, found: `${onNode1} on node1, nothing on remote-docker-engine` });
  return notYet('not-pulled', { expected, found: 'no node1:5000/my-image on remote-docker-engine' });
});
