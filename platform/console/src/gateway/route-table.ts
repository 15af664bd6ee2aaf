/** One route a function declares: its method and its OpenAPI path template (`/orders/{id}`). */
export interface DeclaredRoute {
  readonly fn: string;
  readonly method: string;
  readonly path: string;
}

/** Two functions declare the same method and path: the gateway could not tell which one a request is for. */
export class RouteConflictError extends Error {
  override readonly name = 'RouteConflictError';
}

export interface RouteMatch {
  readonly route: DeclaredRoute;
  readonly params: Readonly<Record<string, string>>;
}

type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly route: DeclaredRoute;
  readonly segments: readonly Segment[];
  /** Literal segments count first: `/orders/latest` wins over `/orders/{id}` for the same request. */
  readonly literals: number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function compile(path: string): Segment[] {
  return path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => {
      const param = /^\{([^}]+)\}$/.exec(part) ?? /^:([A-Za-z0-9_]+)$/.exec(part);
      return param ? { param: param[1]! } : { literal: part };
    });
}

/** The shape of a path with parameter names left out: `/orders/{id}` and `/orders/{orderId}` are one route. */
function shapeOf(segments: readonly Segment[]): string {
  return `/${segments.map((s) => ('literal' in s ? s.literal : '{}')).join('/')}`;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The routes of a function's OpenAPI document (`paths` -> method + template). */
export function routesFromOpenApi(fn: string, document: unknown): DeclaredRoute[] {
  const paths = (document as { paths?: unknown } | null)?.paths;
  if (typeof paths !== 'object' || paths === null) throw new Error(`${fn}'s /openapi.json has no paths object`);
  return Object.entries(paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
    Object.keys(operations ?? {})
      .filter((method) => HTTP_METHODS.includes(method.toLowerCase()))
      .map((method) => ({ fn, method: method.toUpperCase(), path })),
  );
}

/**
 * The gateway's routing table: method + path pattern -> function. Built once from every function's
 * declared routes; two functions declaring the same method and path is an error naming both.
 */
export class RouteTable {
  private readonly compiled: CompiledRoute[];

  constructor(routes: readonly DeclaredRoute[]) {
    const seen = new Map<string, DeclaredRoute>();
    const conflicts: string[] = [];
    for (const route of routes) {
      const key = `${route.method.toUpperCase()} ${shapeOf(compile(route.path))}`;
      const earlier = seen.get(key);
      if (earlier && earlier.fn !== route.fn) {
        conflicts.push(`${route.method.toUpperCase()} ${route.path} is declared by both ${earlier.fn} and ${route.fn}`);
      }
      if (!earlier) seen.set(key, route);
    }
    if (conflicts.length > 0) throw new RouteConflictError(`conflicting routes: ${conflicts.join('; ')}`);
    this.compiled = [...seen.values()]
      .map((route) => {
        const segments = compile(route.path);
        return {
          route: { ...route, method: route.method.toUpperCase() },
          segments,
          literals: segments.filter((s) => 'literal' in s).length,
        };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  routes(): readonly DeclaredRoute[] {
    return this.compiled.map((c) => c.route);
  }

  /** The route a request is for; `pathname` is the URL's path, still percent-encoded. */
  match(method: string, pathname: string): RouteMatch | undefined {
    const wanted = method.toUpperCase();
    return this.candidates(pathname).find((m) => m.route.method === wanted || (wanted === 'HEAD' && m.route.method === 'GET'));
  }

  /** Methods some route accepts on this path (for 405's Allow header). */
  methodsFor(pathname: string): string[] {
    return [...new Set(this.candidates(pathname).map((m) => m.route.method))].sort();
  }

  private candidates(pathname: string): RouteMatch[] {
    const parts = pathname.split('/').filter((part) => part !== '');
    const found: RouteMatch[] = [];
    for (const { route, segments } of this.compiled) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matches = segments.every((segment, i) => {
        const value = decode(parts[i]!);
        if (value === undefined) return false;
        if ('literal' in segment) return segment.literal === value;
        params[segment.param] = value;
        return true;
      });
      if (matches) found.push({ route, params });
    }
    return found;
  }
}
