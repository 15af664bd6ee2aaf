import { useEffect, useState } from 'preact/hooks';
import { exampleOf } from '../example';
import { JsonView } from '../json-view';

type Schema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  key: string;
  method: string;
  path: string;
  fn: string;
  summary?: string;
  parameters: Parameter[];
  body?: Schema;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function operationsOf(doc: { paths?: Record<string, Record<string, Schema>> }): Operation[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const body = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content?.['application/json']?.schema;
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        fn: String(op['x-spillway-function'] ?? ''),
        summary: op.summary as string | undefined,
        parameters: (op.parameters as Parameter[] | undefined) ?? [],
        ...(body ? { body } : {}),
      };
    }),
  );
}

function OperationForm({ op }: { op: Operation }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [body, setBody] = useState(op.body ? JSON.stringify(exampleOf(op.body), null, 2) : '');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState('');
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));

  const send = async () => {
    setError('');
    const params = op.parameters;
    let path = op.path;
    for (const p of params.filter((p) => p.in === 'path')) path = path.replace(`{${p.name}}`, encodeURIComponent(values[p.name] ?? ''));
    const query = new URLSearchParams();
    for (const p of params.filter((p) => p.in === 'query')) if (values[p.name]) query.set(p.name, values[p.name]!);
    const headers: Record<string, string> = {};
    for (const p of params.filter((p) => p.in === 'header')) if (values[p.name]) headers[p.name] = values[p.name]!;
    if (op.body) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${path}${query.size > 0 ? `?${query}` : ''}`, {
        method: op.method,
        headers,
        ...(op.body ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON: shown as text.
      }
      const shown = ['content-type', 'location', 'x-request-id', 'x-correlation-id', 'retry-after'];
      setAnswer({
        status: response.status,
        headers: Object.fromEntries(shown.flatMap((h) => (response.headers.get(h) ? [[h, response.headers.get(h)!]] : []))),
        body: parsed,
      });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section class="card wide" data-testid="operation">
      <h2>
        {op.method} <code>{op.path}</code> <span class="muted">→ {op.fn}</span>
      </h2>
      {op.summary && <p class="muted">{op.summary}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        {op.parameters.map((p) => (
          <label key={`${p.in}-${p.name}`} class="field">
            <span>
              {p.name}{' '}
              <span class="muted">
                ({p.in}
                {p.required ? ', required' : ''})
              </span>
            </span>
            <input
              data-testid={`param-${p.name}`}
              value={values[p.name] ?? ''}
              onInput={(e) => set(p.name, (e.target as HTMLInputElement).value)}
            />
          </label>
        ))}
        {op.body && (
          <label class="field">
            <span>body (JSON)</span>
            <textarea data-testid="body" rows={10} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
          </label>
        )}
        <button type="submit" data-testid="send">
          Send
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      {answer && (
        <div data-testid="response">
          <h3 data-testid="response-status">{answer.status}</h3>
          <JsonView value={answer.headers} label="headers" />
          <JsonView value={answer.body} label="response-body" />
        </div>
      )}
    </section>
  );
}

/** A form per route of the merged OpenAPI document, sent through the gateway. */
export function TryItPage() {
  const [ops, setOps] = useState<Operation[]>([]);
  const [selected, setSelected] = useState('');
  useEffect(() => {
    fetch('/openapi.json')
      .then((r) => r.json())
      .then((doc) => {
        const found = operationsOf(doc);
        setOps(found);
        setSelected((s) => s || found[0]?.key || '');
      });
  }, []);
  const op = ops.find((o) => o.key === selected);
  return (
    <div>
      <label class="field">
        <span>route</span>
        <select data-testid="operation-select" value={selected} onChange={(e) => setSelected((e.target as HTMLSelectElement).value)}>
          {ops.map((o) => (
            <option key={o.key} value={o.key}>
              {o.key} ({o.fn})
            </option>
          ))}
        </select>
      </label>
      {op && <OperationForm key={op.key} op={op} />}
    </div>
  );
}
