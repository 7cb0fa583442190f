import { defineCheck, notYet, passed } from '#check';

const REPO_TAG = '5000/my-image:latest';

export default defineCheck(async (ctx) => {
  const expected = 'node1:5000/my-image pulled on remote-docker-engine';
  // By name or by address: both reach node1's registry.
  const fromNode1 = [`node1:${REPO_TAG}`, `${ctx.nodes.node1.ip}:${REPO_TAG}`];
  const [remoteImages, localImages] = await Promise.all([
    ctx.engine('remote-docker-engine').listImages(),
    ctx.engine('node1').listImages(),
  ]);
  const remoteTags = remoteImages.flatMap((i) => i.RepoTags ?? []);
  const found = remoteTags.find((t) => fromNode1.includes(t));
  if (found) return passed({ found: `${found} on remote-docker-engine` });
  const catalog = await ctx.registry('node1').catalog();
  if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
  const onNode1 = localImages.flatMap((i) => i.RepoTags ?? []).find((t) => fromNode1.includes(t));
  if (onNode1) return notYet('pulled-on-node1', { expected, found: `${onNode1} on node1, nothing on remote-docker-engine` });
  return notYet('not-pulled', { expected, found: 'no node1:5000/my-image on remote-docker-engine' });
});
