import { defineCheck, notYet, passed } from '#check';

const LOCAL = 'localhost:5000/my-image:latest';
const DIGEST_PREFIX = 'localhost:5000/my-image@';

export default defineCheck(async (ctx) => {
  const expected = `${LOCAL} on node1, pulled from the registry`;
  const catalog = await ctx.registry('node1').catalog();
  if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
  // inspect, not listImages: a reference filter also filters RepoDigests down to the pattern.
  const image = await ctx.image('node1', LOCAL);
  if (!image) return notYet('not-pulled', { expected, found: `no ${LOCAL} on node1` });
  // The engine records a repository digest when an image is pulled from (or pushed to) that
  // repository; docker rmi removed the old one and docker tag does not make one.
  const digest = (image.RepoDigests ?? []).find((d) => d.startsWith(DIGEST_PREFIX));
  if (!digest) return notYet('tagged-not-pulled', { expected, found: `${LOCAL} on node1 without a digest from the registry` });
  return passed({ found: `${LOCAL} on node1 (${digest.slice(DIGEST_PREFIX.length, DIGEST_PREFIX.length + 19)}…)` });
});
