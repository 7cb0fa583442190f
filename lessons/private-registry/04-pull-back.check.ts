import { defineCheck, notYet, passed, shortId } from '#check';

const REPO = 'my-image';
const LOCAL = 'localhost:5000/my-image:latest';
const DIGEST_PREFIX = 'localhost:5000/my-image@';

export default defineCheck(async (ctx) => {
  const expected = `${LOCAL} on node1, pulled from the registry`;
  const registry = ctx.registry('node1');
  const catalog = await registry.catalog();
  if (catalog === undefined) return notYet('no-registry', { expected, found: 'nothing answers on node1:5000' });
  // inspect, not listImages: a reference filter also filters RepoDigests down to the pattern.
  const [image, digest] = await Promise.all([ctx.image('node1', LOCAL), registry.digest(REPO, 'latest')]);
  if (!image) return notYet('not-pulled', { expected, found: `no ${LOCAL} on node1` });
  // A pull records the registry's manifest digest in RepoDigests; docker rmi removed the old one
  // and docker tag does not make one. Compared with what the registry serves now, by content.
  const digests = (image.RepoDigests ?? []).filter((d) => d.startsWith(DIGEST_PREFIX)).map((d) => d.slice(DIGEST_PREFIX.length));
  if (digests.length === 0) return notYet('tagged-not-pulled', { expected, found: `${LOCAL} on node1 (image ${shortId(image.Id)}) without a digest from the registry` });
  if (digest === undefined || !digests.includes(digest)) {
    return notYet('other-digest', { expected, found: `${LOCAL} on node1 has digest ${shortId(digests[0])}…; the registry's ${REPO}:latest is ${digest ? `${shortId(digest)}…` : 'gone'}` });
  }
  return passed({ found: `${LOCAL} on node1, pulled (${shortId(digest)}…)` });
});
