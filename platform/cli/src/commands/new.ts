import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command';
import { deployEdits, formatDeployEdits } from '../new/deploy-lines';
import { UsageError } from '../usage-error';

const USAGE = `Usage: spillway new <name> [--dir <repository root>]

Scaffolds functions/<name>/: package.json, src/index.ts (defineFunction: POST /<name>/notes and a
subscription), src/decider.ts and its given/when/then unit test. <name> is lower-case kebab-case (it
becomes a Kubernetes name). The next \`npm start\` (spillway dev) runs it beside the shop; the lines
to add for skaffold and the umbrella chart are printed.`;

// Kubernetes object names derive from it (Deployment, Service, chart release): DNS-label rules, with room for suffixes.
const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_NAME_LENGTH = 40;

/** The files of a new function, by path relative to its folder. */
export function scaffold(name: string): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name: `@spillway/${name}`,
        version: '0.1.0',
        private: true,
        description: `The ${name} function`,
        type: 'commonjs',
        main: './src/index.ts',
        types: './src/index.ts',
        dependencies: { '@spillway/runtime': '0.1.0', zod: '4.6.7' },
      },
      null,
      2,
    )}\n`,
    'src/decider.ts': `import { BusinessRuleError } from '@spillway/runtime';

// A business limit, named so the rule reads in one place.
export const MAX_NOTES = 100;

export interface NoteCommand {
  readonly type: 'AddNote';
  readonly text: string;
  readonly now: Date;
}

export interface NoteEvent {
  readonly type: 'NoteAdded';
  readonly data: { readonly text: string; readonly addedAt: string };
}

export interface NoteState {
  readonly notes: number;
}

export function initialState(): NoteState {
  return { notes: 0 };
}

export function evolve(state: NoteState, event: NoteEvent): NoteState {
  switch (event.type) {
    case 'NoteAdded':
      return { notes: state.notes + 1 };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
}

/** Turns a command into the events it causes; throws a typed error when it may not happen. */
export function decide(command: NoteCommand, state: NoteState): NoteEvent[] {
  switch (command.type) {
    case 'AddNote':
      if (state.notes >= MAX_NOTES) throw new BusinessRuleError('TOO_MANY_NOTES', \`a board holds at most \${MAX_NOTES} notes\`);
      return [{ type: 'NoteAdded', data: { text: command.text, addedAt: command.now.toISOString() } }];
    default: {
      const unreachable: never = command.type;
      return unreachable;
    }
  }
}
`,
    'src/decider.unit.test.ts': `import { BusinessRuleError, deciderSpec } from '@spillway/runtime';
import * as decider from './decider';

const now = new Date('2026-01-01T00:00:00.000Z');
const spec = deciderSpec(decider);

function added(text: string): decider.NoteEvent {
  return { type: 'NoteAdded', data: { text, addedAt: now.toISOString() } };
}

describe('${name} decider', () => {
  test('adds a note', () => {
    spec
      .given([])
      .when({ type: 'AddNote', text: 'hello', now })
      .then([added('hello')]);
  });

  test('refuses a note beyond the limit', () => {
    const full = Array.from({ length: decider.MAX_NOTES }, (_, i) => added(String(i)));
    spec.given(full).when({ type: 'AddNote', text: 'one more', now }).thenThrows(BusinessRuleError, 'TOO_MANY_NOTES');
  });
});
`,
    'src/index.ts': `import { defineFunction } from '@spillway/runtime';
import { z } from 'zod';
import { decide, evolve, initialState } from './decider';

const AddNote = z.object({ board: z.string().regex(/^[a-z0-9-]{1,64}$/), text: z.string().min(1).max(500) });

export default defineFunction({
  name: '${name}',
  routes: [
    {
      method: 'POST',
      path: '/${name}/notes',
      summary: 'Add a note to a board',
      body: AddNote,
      async handle(request, ctx) {
        const stream = \`${name}-\${request.body.board}\`;
        const written = await ctx.eventStore.decideAndAppend(stream, { initialState, evolve }, (state) =>
          decide({ type: 'AddNote', text: request.body.text, now: new Date() }, state),
        );
        return { status: 202, body: { written: written.length } };
      },
    },
  ],
  subscription: {
    source: { all: { streamNamePrefixes: ['${name}-'] } },
    group: '${name}',
    events: { NoteAdded: z.object({ text: z.string(), addedAt: z.string() }) },
    async handle(event, ctx) {
      ctx.log.info({ text: event.data.text }, 'note added');
    },
  },
});
`,
  };
}

/** What `spillway new` prints once the folder is written: the way from here to a deployed function. */
export function nextSteps(folder: string, name: string): string {
  const body = `'{"board":"b-1","text":"hello"}'`;
  return [
    `created ${folder}`,
    '',
    'Next:',
    '  1. npm install                 (links the new workspace)',
    `  2. npx jest ${join('functions', name)}`,
    `  3. npm start                   (restart it if it runs: ${name} runs beside the shop, on the port the banner prints,`,
    `                                  its routes on the gateway, scaled by its subscription's lag)`,
    `     curl -X POST http://127.0.0.1:8080/${name}/notes -H 'content-type: application/json' -d ${body}`,
    '  4. to deploy with skaffold dev / the umbrella chart, add these lines:',
    '',
    formatDeployEdits(deployEdits(name)),
  ].join('\n');
}

// parseFlags rejects positionals; `new` takes its name as one, so it parses for itself.
function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { dir: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    // Keep node's first sentence ("Unknown option '--force'"), without its error-code prefix.
    const message = (err instanceof Error ? err.message : String(err)).replace(/^\w*Error \[[A-Z_]+\]: /, '').split(/\.\s/)[0];
    throw new UsageError(`new: ${message}`);
  }
}

export const command: Command = {
  name: 'new',
  summary: 'scaffold a new function folder',
  usage: USAGE,
  async run(argv) {
    const parsed = parse(argv);
    const [name, ...extra] = parsed.positionals;
    if (name === undefined) throw new UsageError('new: a function name is required');
    if (extra.length > 0) throw new UsageError(`new: unexpected argument '${extra[0]}'`);
    if (!NAME_PATTERN.test(name) || name.length > MAX_NAME_LENGTH) {
      throw new UsageError(`new: '${name}' is not a valid name (lower-case kebab-case, at most ${MAX_NAME_LENGTH} characters)`);
    }
    const root = resolve(parsed.values.dir ?? '.');
    // A mistyped --dir would otherwise be created, and the function scaffolded outside any repository.
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`new: --dir ${parsed.values.dir} is not an existing directory`);
    }
    const folder = join(root, 'functions', name);
    if (existsSync(folder)) {
      process.stderr.write(`spillway: new: ${relative(process.cwd(), folder) || folder} already exists\n`);
      return 1;
    }
    for (const [path, text] of Object.entries(scaffold(name))) {
      mkdirSync(join(folder, path, '..'), { recursive: true });
      writeFileSync(join(folder, path), text, { flag: 'wx' });
    }
    process.stdout.write(nextSteps(folder, name));
    return 0;
  },
};
