import { defineCheck, normalizeRef, notYet, passed, requireCatalogImage, shortId } from '#check';

const WANTED = 'localhost:5000/my-nginx:v1';

/** A RepoTag's repository, without registry host and tag, e.g. `my-nginx`. */
function repoName(tag: string): string {
  const full = normalizeRef(tag);
  const noTag = full.slice(0, full.lastIndexOf(':'));
  return noTag.slice(noTag.indexOf('/') + 1).replace(/^library\//, '');
}

export default defineCheck(async (ctx) => {
  const expected = `${WANTED}, the same image as nginx, on node1`;
  const [images, nginx] = await Promise.all([ctx.engine('node1').listImages(), requireCatalogImage(ctx, 'nginx')]);
  const tags = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map((t) => ({ tag: t, id: i.Id })));
  const wanted = tags.find((t) => t.tag === WANTED);
  if (wanted) {
    // The lab's nginx by id, not whatever node1 calls nginx now.
    if (wanted.id === nginx) return passed({ found: `${WANTED} is nginx, image ${shortId(nginx)}` });
    return notYet('wrong-source', { expected, found: `${WANTED} is image ${shortId(wanted.id)}; nginx is ${shortId(nginx)}` });
  }
  const mine = tags.filter((t) => repoName(t.tag) === 'my-nginx');
  const hosted = mine.find((t) => t.tag.startsWith('localhost:5000/'));
  if (hosted) return notYet('wrong-tag', { expected, found: hosted.tag });
  if (mine[0]) return notYet('no-host', { expected, found: `${mine[0].tag} (that is ${normalizeRef(mine[0].tag)})` });
  return notYet('not-tagged', { expected, found: `no ${WANTED} on node1` });
});
