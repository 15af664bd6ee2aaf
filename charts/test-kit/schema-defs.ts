import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './helm';

/**
 * JSON Schema definitions of the Kubernetes (and Prometheus Operator) types the charts' values
 * take as they are (securityContext, tolerations, affinity, volumes, relabelings, ...), generated
 * from the type declarations that `kubernetes-models` and `@kubernetes-models/prometheus-operator`
 * ship: every object closed (`additionalProperties: false`), so a typo such as `runAsNonroot` is
 * rejected by `helm lint` and `helm install` instead of being dropped by the API server.
 *
 * `npx tsx charts/test-kit/schema-defs.ts` writes them into both charts' values.schema.json
 * (`$defs`); charts/test-kit/schema-defs.unit.test.ts fails while they are stale.
 */

type JsonSchema = Record<string, unknown>;

const MODULES = join(REPO_ROOT, 'node_modules');

/** The types the values refer to, by the name the charts' schemas use in `$ref`. */
export const ROOT_TYPES: Readonly<Record<string, string>> = {
  PodSecurityContext: 'kubernetes-models/v1/PodSecurityContext.d.ts',
  SecurityContext: 'kubernetes-models/v1/SecurityContext.d.ts',
  Toleration: 'kubernetes-models/v1/Toleration.d.ts',
  Affinity: 'kubernetes-models/v1/Affinity.d.ts',
  TopologySpreadConstraint: 'kubernetes-models/v1/TopologySpreadConstraint.d.ts',
  EnvVar: 'kubernetes-models/v1/EnvVar.d.ts',
  Volume: 'kubernetes-models/v1/Volume.d.ts',
  VolumeMount: 'kubernetes-models/v1/VolumeMount.d.ts',
  LocalObjectReference: 'kubernetes-models/v1/LocalObjectReference.d.ts',
  ResourceRequirements: 'kubernetes-models/v1/ResourceRequirements.d.ts',
  LabelSelector: '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector.d.ts',
  NetworkPolicyPeer: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer.d.ts',
};

/** Types declared inline in a larger one: the file and the path (`[]` for array items) down to them. */
export const INLINE_TYPES: Readonly<Record<string, { file: string; path: readonly string[] }>> = {
  RelabelConfig: {
    file: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.d.ts',
    path: ['spec', 'endpoints', '[]', 'relabelings', '[]'],
  },
};

interface Declaration {
  readonly file: string;
  /** The interface's or type alias's local name in that file. */
  readonly local: string;
}

const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');

/** The file an import specifier names, relative to the importing declaration file. */
function resolveImport(from: string, specifier: string): string {
  const bare = specifier.replace(/\.js$/, '');
  const path = bare.startsWith('.') ? join(dirname(from), bare) : join(MODULES, bare);
  return `${path}.d.ts`;
}

class Generator {
  readonly defs: Record<string, JsonSchema> = {};
  private readonly sources = new Map<string, string>();

  private source(file: string): string {
    let text = this.sources.get(file);
    if (text === undefined) {
      text = stripComments(readFileSync(file, 'utf8'));
      this.sources.set(file, text);
    }
    return text;
  }

  /** Adds the declaration exported from `file` under its long name (or its only interface) as `name`. */
  root(name: string, relativeFile: string): void {
    const file = join(MODULES, relativeFile);
    const text = this.source(file);
    const local = text.match(/export interface (\w+)/)?.[1];
    if (!local) throw new Error(`no interface in ${file}`);
    // Defined under its long name, which other types refer to, with the short name pointing at it.
    const long = text.match(new RegExp(`${local} as I(\\w+)`))?.[1] ?? name;
    this.define(long, { file, local });
    if (long !== name) this.defs[name] = { $ref: `#/$defs/${long}` };
  }

  private define(name: string, declaration: Declaration): void {
    if (name in this.defs) return;
    this.defs[name] = {};
    this.defs[name] = this.declaration(declaration);
  }

  declaration({ file, local }: Declaration): JsonSchema {
    const text = this.source(file);
    const alias = text.match(new RegExp(`export (?:declare )?type ${local} = ([^;]+);`));
    if (alias?.[1]) return this.type(alias[1].trim(), file, local);
    const start = text.indexOf(`export interface ${local} {`);
    if (start < 0) throw new Error(`no declaration ${local} in ${file}`);
    const open = text.indexOf('{', start);
    const body = text.slice(open + 1, matchingBrace(text, open));
    return this.object(body, file, local);
  }

  private object(body: string, file: string, owner: string): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const { name, optional, type } of fields(body)) {
      properties[name] = this.type(type, file, owner);
      if (!optional) required.push(name);
    }
    return {
      type: 'object',
      additionalProperties: false,
      properties,
      ...(required.length > 0 ? { required } : {}),
    };
  }

  /** The schema of a type declared inline, reached from an interface by property names and `[]`. */
  inline(name: string, relativeFile: string, path: readonly string[]): void {
    const file = join(MODULES, relativeFile);
    const local = this.source(file).match(/export interface (\w+)/)?.[1];
    if (!local) throw new Error(`no interface in ${file}`);
    // A scratch generator: the enclosing type's other references are not wanted in $defs.
    let schema: JsonSchema = new Generator().declaration({ file, local });
    for (const step of path) {
      const next = step === '[]' ? schema['items'] : (schema['properties'] as Record<string, JsonSchema> | undefined)?.[step];
      if (!next) throw new Error(`no ${path.join('.')} in ${file}`);
      schema = next as JsonSchema;
    }
    if (JSON.stringify(schema).includes('$ref')) throw new Error(`${name} is not self-contained in ${file}`);
    this.defs[name] = schema;
  }

  private type(expr: string, file: string, owner: string): JsonSchema {
    const type = expr.trim();
    const union = splitTopLevel(type, '|');
    if (union.length > 1) {
      const literals = union.map((part) => part.trim().match(/^"([^"]*)"$/)?.[1]);
      if (literals.every((l) => l !== undefined)) return { enum: literals };
      const simple = union.map((part) => part.trim());
      if (simple.every((p) => p === 'string' || p === 'number')) return { type: ['string', 'number'] };
      return { anyOf: simple.map((part) => this.type(part, file, owner)) };
    }
    if (type === 'string') return { type: 'string' };
    if (type === 'number') return { type: 'number' };
    if (type === 'boolean') return { type: 'boolean' };
    if (/^"[^"]*"$/.test(type)) return { const: type.slice(1, -1) };
    // `ITypedLocalObjectReference["kind"]`: an object's own kind or apiVersion field, a string.
    if (/^\w+\["\w+"\]$/.test(type)) return { type: 'string' };
    const array = type.match(/^Array<([\s\S]+)>$/);
    if (array?.[1]) return { type: 'array', items: this.type(array[1], file, owner) };
    const map = type.match(/^\{\s*\[key: string\]:\s*([\s\S]+?);?\s*\}$/);
    if (map?.[1]) return { type: 'object', additionalProperties: this.type(map[1], file, owner) };
    if (type.startsWith('{') && type.endsWith('}')) return this.object(type.slice(1, -1), file, owner);
    if (/^\w+$/.test(type)) return this.reference(type, file);
    throw new Error(`cannot translate the type ${type} (in ${owner}, ${file})`);
  }

  /** A type named in `file`: imported from another file, or declared in this one. */
  private reference(name: string, file: string): JsonSchema {
    const text = this.source(file);
    const imported = text.match(new RegExp(`import \\{ ${name} \\} from "([^"]+)"`));
    const target = imported?.[1] ? resolveImport(file, imported[1]) : file;
    const targetText = this.source(target);
    // The long name is exported as an alias of the file's local one: `export { ILabelSelector as IIoK8s...LabelSelector, ... }`.
    const local = targetText.match(new RegExp(`(\\w+) as ${name}\\b`))?.[1] ?? name;
    const key = name.replace(/^I(?=[A-Z])/, '');
    this.define(key, { file: target, local });
    return { $ref: `#/$defs/${key}` };
  }
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error('unbalanced braces');
}

/** Splits on `separator` outside <>, {}, [] and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '<' || ch === '{' || ch === '[')) depth++;
    if (!quoted && (ch === '>' || ch === '}' || ch === ']')) depth--;
    if (!quoted && depth === 0 && ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function fields(body: string): { name: string; optional: boolean; type: string }[] {
  return splitTopLevel(body, ';')
    .map((field) => field.trim())
    .filter((field) => field !== '')
    .map((field) => {
      const m = field.match(/^"(\w+)"(\?)?:\s*([\s\S]+)$/);
      if (!m?.[1] || !m[3]) throw new Error(`cannot read the field ${field}`);
      return { name: m[1], optional: m[2] === '?', type: m[3] };
    });
}

/** Every definition the root types need, sorted by name. */
export function generateDefs(): Record<string, JsonSchema> {
  const generator = new Generator();
  for (const [name, file] of Object.entries(ROOT_TYPES)) generator.root(name, file);
  for (const [name, { file, path }] of Object.entries(INLINE_TYPES)) generator.inline(name, file, path);
  return Object.fromEntries(Object.entries(generator.defs).sort(([a], [b]) => a.localeCompare(b)));
}

export const CHART_SCHEMAS = ['charts/spillway/values.schema.json', 'charts/spillway-function/values.schema.json'];

/** A chart's values.schema.json with its `$defs` replaced by the generated ones. */
export function withGeneratedDefs(schemaText: string): string {
  const schema = JSON.parse(schemaText) as JsonSchema;
  const { $defs: _old, ...rest } = schema;
  return `${JSON.stringify({ ...rest, $defs: generateDefs() }, null, 2)}\n`;
}

if (require.main === module) {
  const { writeFileSync } = require('node:fs') as typeof import('node:fs');
  for (const relative of CHART_SCHEMAS) {
    const file = join(REPO_ROOT, relative);
    writeFileSync(file, withGeneratedDefs(readFileSync(file, 'utf8')));
    process.stdout.write(`wrote $defs into ${relative}\n`);
  }
}
