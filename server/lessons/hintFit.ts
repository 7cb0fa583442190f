/**
 * Whether a hint's text contradicts the `found` line it is shown under: the hint says a name is
 * not there ("not one named my-image", "no container named site", "has no busybox:latest") while
 * the found line shows that name without denying it ("registry has my-image"). A learner reading
 * both believes neither. The validator runs it on every known wrong attempt; it is deliberately
 * narrow (names denied in so many words), so a hint it passes may still fit badly, but one it
 * flags is wrong.
 */

/** A name as lessons write them: image references, container and repository names. */
const NAME = String.raw`[\w][\w.:/@-]*[\w]|[\w]`;
const DENIALS = [
  new RegExp(String.raw`\bnot (?:one )?named (${NAME})`, 'gi'),
  new RegExp(String.raw`\bno (?:[a-z]+ ){0,2}named (${NAME})`, 'gi'),
  new RegExp(String.raw`\bhas no (${NAME})`, 'gi'),
  new RegExp(String.raw`\bno (${NAME}) (?:on|in|yet)\b`, 'gi'),
];

/** The names `text` says are absent. */
export function deniedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const re of DENIALS) for (const m of text.matchAll(re)) out.add(m[1]!);
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names the hint denies that the found line shows as there; empty when they fit. */
export function hintContradictions(hint: string, found: string | undefined): string[] {
  if (!found) return [];
  const deniedInFound = deniedNames(found);
  return [...deniedNames(hint)].filter((name) => {
    if (deniedInFound.has(name)) return false;
    // As a whole name: `my-image` is not in `node1:5000/my-image`.
    return new RegExp(String.raw`(?<![\w.:/@-])${escape(name)}(?![\w:/@-]|\.[\w])`).test(found);
  });
}
