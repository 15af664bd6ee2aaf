import { z } from 'zod';
import type { EventSchemas, FunctionDefinition, RouteDefinition } from '../contract/define-function';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  // `input`: the document describes what clients send, before defaults and transforms apply.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/orders/:id` -> `/orders/{id}`, as OpenAPI writes path templates. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

const problemResponse = {
  description: 'An RFC 9457 problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

// biome-ignore lint/suspicious/noExplicitAny: routes of one function carry different body and query schema types.
function operation(route: RouteDefinition<any, any, unknown>, secured: boolean): JsonSchema {
  const parameters: JsonSchema[] = pathParameterNames(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (route.query) {
    const query = jsonSchema(route.query);
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema> | undefined) ?? {})) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  if (route.body) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Retrying with the same key repeats no effect',
      schema: { type: 'string', maxLength: 255 },
    });
  }
  return {
    ...(route.summary ? { summary: route.summary } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
    ...(secured ? { security: [{ bearer: [] }] } : {}),
    responses: {
      '2XX': { description: 'Success', content: { 'application/json': {} } },
      '4XX': problemResponse,
      '5XX': problemResponse,
    },
  };
}

/** The OpenAPI 3.1 document of a function's routes, generated from their zod schemas. */
export function openApiDocument(definition: FunctionDefinition<EventSchemas, unknown>, secured: boolean): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of definition.routes ?? []) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route, secured);
  }
  return {
    openapi: '3.1.0',
    info: { title: definition.name, version: '1.0.0' },
    paths,
    components: {
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
      ...(secured ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
  };
}
