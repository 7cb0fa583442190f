import { defineCheck, normalizeRef, notYet, passed } from '#check';

const WANTED = 'localhost:5000/my-nginx:v1';
const SOURCE = 'nginx:latest';

/** A RepoTag's repository, without registry host and tag, e.g. `my-nginx`. */
function repoName(tag: string): string {
  const full = normalizeRef(tag);
  const noTag = full.slice(0, full.lastIndexOf(':'));
  return noTag.slice(noTag.indexOf('/') + 1).replace(/^library\//, '');
}

export default defineCheck(async (ctx) => {
  const expected = `${WANTED}, the same image as nginx, on node1`;
  const images = await ctx.engine('node1').listImages();
  const tags = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map((t) => ({ tag: t, id: i.Id })));
  const wanted = tags.find((t) => t.tag === WANTED);
  const nginx = tags.find((t) => t.tag === SOURCE);
  if (wanted) {
    if (nginx && wanted.id === nginx.id) return passed({ found: `${WANTED} and nginx share image ${wanted.id.slice(7, 19)}` });
    return notYet('wrong-source', { expected, found: `${WANTED} is image ${wanted.id.slice(7, 19)}, nginx is ${nginx?.id.slice(7, 19) ?? 'missing'}` });
  }
  const mine = tags.filter((t) => repoName(t.tag) === 'my-nginx');
  const hosted = mine.find((t) => t.tag.startsWith('localhost:5000/'));
  if (hosted) return notYet('wrong-tag', { expected, found: hosted.tag });
  if (mine[0]) return notYet('no-host', { expected, found: `${mine[0].tag} (that is ${normalizeRef(mine[0].tag)})` });
  return notYet('not-tagged', { expected, found: `no ${WANTED} on node1` });
});
