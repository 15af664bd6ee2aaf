import { parseArgs } from 'node:util';
import type { Command } from '../command';
import { nameFlag, wholeNumber } from '../flag-values';
import { type BuildView, type GenerationView, progressLine, type StatusView, summary } from '../rebuild/build-report';
import { UsageError } from '../usage-error';

// Where `spillway dev` serves the shop's functions: the default target of a rebuild on this machine.
const DEV_URLS: Readonly<Record<string, string>> = { 'order-projector': 'http://127.0.0.1:8083' };
// How often the build is asked for its progress; a terminal redraws its bar this often.
const POLL_MS = 1_000;
// Without a terminal (CI logs, kubectl logs), one line per this long.
const LINE_EVERY_MS = 5_000;
// A replica answers a status request at once; this only bounds a URL that leads nowhere.
const REQUEST_TIMEOUT_MS = 30_000;

const USAGE = `Usage: spillway rebuild <function> [--url URL] [--to-version N] [--verify] [--accept-parked] [--abort | --status] [--detach] [--token T]

Rebuilds a function's read model from the event log beside the live version, with no downtime:
the build gets its own schema and subscription group, readers switch once it has caught up, and
the old version's group is deleted and its tables dropped after a grace period. With a build
already running (a replica that started with a higher readModel.version begins one by itself),
reports its progress instead: events replayed, lag, rate and ETA, then a summary.

  --url URL        the function's HTTP address; any replica answers for all (default for
                   order-projector: ${DEV_URLS['order-projector']}, as spillway dev serves it; in Kubernetes,
                   kubectl port-forward svc/<release>-<function> first)
  --to-version N   refuse unless the replicas declare read model version N
  --verify         build a scratch copy of the live version, compare it row by row, drop it
  --accept-parked  switch even though the build parked events (on a running build: let it switch)
  --abort          abandon the running build; the live version is untouched
  --status         print where the read model stands and exit
  --detach         start the build and exit without following it
  --token T        bearer token, when the function runs with API_TOKENS`;

interface Client {
  get(path: string): Promise<{ status: number; body: unknown }>;
  post(path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

function httpClient(base: string, token: string | undefined): Client {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    return { status: response.status, body: parsed };
  };
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) };
}

function problemText(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const p = body as { detail?: string; title?: string; code?: string };
    return [p.code, p.detail ?? p.title].filter(Boolean).join(': ');
  }
  return String(body);
}

class RequestFailed extends Error {}

async function status(client: Client): Promise<StatusView> {
  const answer = await client.get('/read-model');
  if (answer.status === 404) throw new RequestFailed('the function has no read model (GET /read-model answered 404)');
  if (answer.status !== 200) throw new RequestFailed(`GET /read-model answered ${answer.status}: ${problemText(answer.body)}`);
  return answer.body as StatusView;
}

function describeStatus(view: StatusView): string {
  const lines = [`${view.function}: serving ${view.serving?.label ?? 'nothing'}; replicas declare v${view.declaredVersion}`];
  for (const build of view.builds) {
    lines.push(`  building ${build.purpose === 'verify' ? '(verify) ' : ''}${progressLine(build, false)}`);
    if (build.message) lines.push(`    ${build.message}`);
  }
  for (const g of view.generations)
    lines.push(`  ${g.label.padEnd(12)} ${g.state.padEnd(9)} group ${g.group}${g.message ? `  (${g.message})` : ''}`);
  return `${lines.join('\n')}\n`;
}

interface Options {
  readonly fn: string;
  readonly url: string;
  readonly token?: string;
  readonly toVersion?: number;
  readonly verify: boolean;
  readonly acceptParked: boolean;
  readonly mode: 'rebuild' | 'abort' | 'status';
  readonly detach: boolean;
}

function options(argv: string[]): Options {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        'to-version': { type: 'string' },
        verify: { type: 'boolean' },
        'accept-parked': { type: 'boolean' },
        abort: { type: 'boolean' },
        status: { type: 'boolean' },
        detach: { type: 'boolean' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(`rebuild: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('rebuild: name one function, e.g. spillway rebuild order-projector');
  const fn = nameFlag('rebuild', '<function>', positionals[0]!);
  const url = values.url ?? DEV_URLS[fn];
  if (url === undefined) throw new UsageError(`rebuild: --url is needed for '${fn}' (only order-projector has a default)`);
  if (!/^https?:\/\/\S+$/.test(url)) throw new UsageError(`rebuild: --url must be an http(s) URL, got '${url}'`);
  const toVersion = values['to-version'] === undefined ? undefined : wholeNumber(values['to-version']);
  if (values['to-version'] !== undefined && (toVersion === undefined || toVersion < 1)) {
    throw new UsageError(`rebuild: --to-version must be a whole number of at least 1, got '${values['to-version']}'`);
  }
  if (values.abort && values.status) throw new UsageError('rebuild: --abort and --status do not go together');
  if ((values.abort || values.status) && (values.verify || values['accept-parked'] || toVersion !== undefined)) {
    throw new UsageError('rebuild: --abort and --status take no build flags');
  }
  return {
    fn,
    url: url.replace(/\/+$/, ''),
    ...(values.token ? { token: values.token } : {}),
    ...(toVersion === undefined ? {} : { toVersion }),
    verify: values.verify === true,
    acceptParked: values['accept-parked'] === true,
    mode: values.abort ? 'abort' : values.status ? 'status' : 'rebuild',
    detach: values.detach === true,
  };
}

/** Starts a build, or finds the one running; resolves to its label. */
async function startOrAttach(client: Client, o: Options, out: NodeJS.WriteStream): Promise<string> {
  const before = await status(client);
  const purpose = o.verify ? 'verify' : 'serve';
  const running = before.builds.find((b) => b.purpose === purpose);
  if (running && !o.acceptParked) {
    if (o.toVersion !== undefined && running.version !== o.toVersion) {
      throw new RequestFailed(`build ${running.label} (v${running.version}) is running, not v${o.toVersion}: abort it first`);
    }
    out.write(`following build ${running.label} (already running since ${running.startedAt})\n`);
    return running.label;
  }
  const answer = await client.post('/read-model/rebuild', {
    ...(o.toVersion === undefined ? {} : { toVersion: o.toVersion }),
    ...(o.verify ? { verify: true } : {}),
    ...(o.acceptParked ? { acceptParked: true } : {}),
  });
  if (answer.status !== 202) throw new RequestFailed(`the rebuild was refused (${answer.status}): ${problemText(answer.body)}`);
  const started = answer.body as GenerationView;
  out.write(
    running
      ? `build ${started.label} may switch with its parked events now\n`
      : `started ${o.verify ? 'verify build' : 'build'} ${started.label} (group ${started.group}) beside ${before.serving?.label ?? 'nothing'}\n`,
  );
  return started.label;
}

/** Follows a build until it ends; resolves to the exit code. */
async function follow(client: Client, label: string, out: NodeJS.WriteStream): Promise<number> {
  const tty = out.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  for (;;) {
    const view = await status(client);
    const build: BuildView | undefined = view.builds.find((b) => b.label === label);
    if (build) {
      const now = Date.now();
      if (tty) {
        out.write(`\r${progressLine(build, true)}\x1b[K`);
        drawn = true;
      } else if (now - lastLine >= LINE_EVERY_MS) {
        out.write(`${progressLine(build, false)}\n`);
        lastLine = now;
      }
      // Caught up but held back by parked events: say so and stop following (the build stays, and keeps consuming).
      if (build.parked > 0 && !build.acceptParked && build.message) {
        if (drawn) out.write('\n');
        out.write(`${build.label} is not switching: ${build.message}\n`);
        return 1;
      }
    } else {
      if (drawn) out.write('\n');
      const generation = view.generations.find((g) => g.label === label);
      if (!generation) {
        out.write(`build ${label} is gone from the registry\n`);
        return 1;
      }
      const ended = generation.switchedAt === undefined ? Date.now() : Date.parse(generation.switchedAt);
      const { lines, ok } = summary(generation, view, Math.max(1, ended - Date.parse(generation.startedAt)) / 1000);
      out.write(`${lines.join('\n')}\n`);
      return ok ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export const command: Command = {
  name: 'rebuild',
  summary: "rebuild a function's read model beside the live one and switch with no downtime",
  usage: USAGE,
  async run(argv) {
    const o = options(argv);
    const client = httpClient(o.url, o.token);
    const out = process.stdout;
    try {
      if (o.mode === 'status') {
        out.write(describeStatus(await status(client)));
        return 0;
      }
      if (o.mode === 'abort') {
        const answer = await client.post('/read-model/abort');
        if (answer.status !== 200) throw new RequestFailed(`abort answered ${answer.status}: ${problemText(answer.body)}`);
        const aborted = (answer.body as { aborted: GenerationView[] }).aborted;
        out.write(`aborted ${aborted.map((g) => g.label).join(', ')}; the live version is untouched\n`);
        return 0;
      }
      const label = await startOrAttach(client, o, out);
      if (o.detach) return 0;
      return await follow(client, label, out);
    } catch (err) {
      const reason =
        err instanceof RequestFailed
          ? err.message
          : `cannot reach ${o.fn} at ${o.url}: ${err instanceof Error ? err.message : String(err)}`;
      process.stderr.write(`spillway rebuild: ${reason}\n`);
      return 1;
    }
  },
};
