type Schema = Record<string, unknown>;

/** A value that fits a JSON schema well enough to edit: its example or default when it has one, else a placeholder. */
export function exampleOf(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options && options.length > 0) return exampleOf(options[0], depth + 1);
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(Object.entries(properties).map(([name, prop]) => [name, exampleOf(prop, depth + 1)]));
    }
    case 'array':
      return [exampleOf(schema.items as Schema | undefined, depth + 1)];
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      if (typeof schema.pattern === 'string' && /^\^?\[A-Z\]\{3\}\$?$/.test(schema.pattern)) return 'EUR';
      return typeof schema.minLength === 'number' && schema.minLength > 6 ? 'x'.repeat(schema.minLength) : 'string';
    default:
      return null;
  }
}
