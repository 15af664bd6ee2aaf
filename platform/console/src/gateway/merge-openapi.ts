type Json = Record<string, unknown>;

const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});

/**
 * One OpenAPI document for the gateway: every function's paths (each operation tagged with its
 * function), and their components. A component one function names differently from another keeps
 * the first; the runtime generates the same Problem schema for every function, so in practice none differ.
 */
export function mergeOpenApi(documents: ReadonlyMap<string, unknown>, serverUrl?: string): Json {
  const paths: Record<string, Json> = {};
  const components: Record<string, Json> = {};
  for (const [fn, document] of documents) {
    const doc = asObject(document);
    for (const [path, operations] of Object.entries(asObject(doc.paths))) {
      paths[path] ??= {};
      for (const [method, operation] of Object.entries(asObject(operations))) {
        const op = asObject(operation);
        paths[path][method] = { ...op, tags: [fn, ...((op.tags as string[] | undefined) ?? [])], 'x-spillway-function': fn };
      }
    }
    for (const [kind, entries] of Object.entries(asObject(doc.components))) {
      components[kind] ??= {};
      for (const [name, entry] of Object.entries(asObject(entries))) components[kind][name] ??= entry;
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Spillway gateway', version: '1.0.0', description: `Routes of ${[...documents.keys()].join(', ')}` },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    tags: [...documents.keys()].map((name) => ({ name })),
    paths,
    components,
  };
}
