/**
 * A route written once, as data: its methods and a path template ('/api/lessons/:lesson'). The
 * client's path builder and the server's matcher both come from the template, so the page, the
 * Node client and the server cannot disagree on a path or on how its params are escaped.
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** The names of a template's `:params`: ParamName<'/a/:x/b/:y'> is 'x' | 'y'. */
export type ParamName<T extends string> = T extends `${infer Head}/${infer Tail}`
  ? ParamName<Head> | ParamName<Tail>
  : T extends `:${infer Name}`
    ? Name
    : never;

/** The params a matched path carries, decoded. */
export type RouteParams<T extends string> = { [K in ParamName<T>]: string };

/** What the client fills in; numbers (a step index) are written in decimal. */
export type PathParams<T extends string> = { [K in ParamName<T>]: string | number };

/** A path with this route's shape: its params, or why they cannot be read. */
export type RouteMatch<T extends string> = { ok: true; params: RouteParams<T> } | { ok: false; error: string };

export const MALFORMED_PATH = 'malformed percent-escape in the path';

export interface Route<T extends string = string, M extends HttpMethod = HttpMethod> {
  readonly template: T;
  readonly methods: readonly M[];
  /** The path for `params`, each percent-encoded (an id may hold '/', '?' or '%'). */
  path(...params: ParamName<T> extends never ? [] : [PathParams<T>]): string;
  /**
   * Reads `pathname` (as sent, still percent-encoded) against the template: undefined when it
   * has another shape, an error (not a throw) when a param holds a malformed escape.
   */
  match(pathname: string): RouteMatch<T> | undefined;
}

/**
 * @throws Error naming `template` when it does not start with '/', has an empty segment, or
 * repeats a param name: a route table that is wrong is a bug, found when the module loads.
 */
export function route<const M extends HttpMethod, const T extends string>(methods: readonly M[], template: T): Route<T, M> {
  const parts = template.split('/');
  const names = parts.filter((p) => p.startsWith(':')).map((p) => p.slice(1));
  if (!template.startsWith('/') || parts.slice(1).some((p) => p === '' || p === ':')) {
    throw new Error(`route template "${template}" must start with / and have no empty segment or param name`);
  }
  if (new Set(names).size !== names.length) throw new Error(`route template "${template}" repeats a param name`);
  if (methods.length === 0) throw new Error(`route methods for "${template}" must name at least one method`);
  return {
    template,
    methods,
    path(...args) {
      const params = (args[0] ?? {}) as Record<string, string | number>;
      return parts.map((p) => (p.startsWith(':') ? encodeURIComponent(String(params[p.slice(1)])) : p)).join('/');
    },
    match(pathname) {
      const segments = pathname.split('/');
      if (segments.length !== parts.length) return undefined;
      const raw: [string, string][] = [];
      for (const [i, p] of parts.entries()) {
        const s = segments[i]!;
        if (!p.startsWith(':')) {
          if (s !== p) return undefined;
        } else if (s === '') {
          return undefined;
        } else {
          raw.push([p.slice(1), s]);
        }
      }
      const params: Record<string, string> = {};
      for (const [name, s] of raw) {
        try {
          params[name] = decodeURIComponent(s);
        } catch {
          return { ok: false, error: MALFORMED_PATH };
        }
      }
      return { ok: true, params: params as RouteParams<T> };
    },
  };
}
