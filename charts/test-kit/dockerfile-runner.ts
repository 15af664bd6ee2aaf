import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseCopy, parseStages, type Stage } from './dockerfile';

/**
 * Runs a Dockerfile's stages without Docker: each stage's WORKDIR becomes a folder, COPY
 * copies from the build context (honouring .dockerignore) or from an earlier stage's folder,
 * and RUN runs through /bin/sh there with the stage's ARGs and ENVs. It models only what
 * Dockerfile.template uses, and throws on anything else rather than guess.
 */
export interface RunnerOptions {
  readonly dockerfile: string;
  readonly context: string;
  readonly target: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** An empty folder; each stage gets a subfolder. */
  readonly out: string;
  /** Extra environment for RUN (e.g. npm_config_offline); PATH and HOME come from this process. */
  readonly runEnv?: Readonly<Record<string, string>>;
}

/** The target stage's result: its folder (the WORKDIR), environment, user and command. */
export interface BuiltImage {
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | undefined;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

interface StageState {
  dir: string;
  workdir: string | undefined;
  vars: Record<string, string>;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
}

const substitute = (text: string, vars: Readonly<Record<string, string>>) =>
  text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars[name] ?? '');

/** A .dockerignore matcher for the pattern forms this repository uses; others are refused. */
export function dockerignoreMatcher(patterns: readonly string[]): (path: string) => boolean {
  const rules = patterns.map((pattern) => {
    if (/^\*\*\/\*\.[\w.]+$/.test(pattern)) {
      const suffix = pattern.slice(4);
      return (path: string) => basename(path).endsWith(suffix);
    }
    if (/^\*\*\/[\w.-]+$/.test(pattern)) {
      const name = pattern.slice(3);
      return (path: string) => path.split('/').includes(name);
    }
    if (/^\*\.[\w.]+$/.test(pattern)) {
      const suffix = pattern.slice(1);
      return (path: string) => !path.includes('/') && path.endsWith(suffix);
    }
    if (/^[\w.-]+$/.test(pattern)) return (path: string) => path.split('/')[0] === pattern;
    throw new Error(`.dockerignore pattern ${pattern} is not one the runner understands`);
  });
  return (path: string) => rules.some((rule) => rule(path));
}

/** The stages the target needs, each with how many later stages use it (FROM or COPY --from). */
function neededStages(stages: readonly Stage[], target: string): Map<string, number> {
  const uses = new Map<string, number>();
  const visit = (name: string) => {
    const stage = stages.find((s) => s.name === name);
    if (!stage) return;
    const seen = uses.has(name);
    if (!seen) uses.set(name, 0);
    if (seen) return;
    const dependencies = [
      stage.base,
      ...stage.instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i.args).flags['from'] ?? []),
    ];
    for (const dependency of dependencies) {
      if (!stages.some((s) => s.name === dependency)) continue;
      visit(dependency);
      uses.set(dependency, (uses.get(dependency) ?? 0) + 1);
    }
  };
  visit(target);
  return uses;
}

// A stage's folder is moved, not copied, to its last user: node_modules is large and the
// machine is shared.
function take(from: string, to: string, lastUse: boolean): void {
  const empty = !existsSync(to) || readdirSync(to).length === 0;
  if (lastUse && empty) {
    rmSync(to, { recursive: true, force: true });
    renameSync(from, to);
  } else {
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

function run(command: string, state: StageState, runEnv: Readonly<Record<string, string>>): void {
  const result = spawnSync('/bin/sh', ['-c', command], {
    cwd: state.dir,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...runEnv, ...state.vars, ...state.env },
  });
  if (result.status !== 0) throw new Error(`RUN ${command}\nexited ${result.status}:\n${result.stderr}`);
}

/** Builds the target stage into options.out and describes the result. */
export function buildWithoutDocker(options: RunnerOptions): BuiltImage {
  const stages = parseStages(readFileSync(options.dockerfile, 'utf8'));
  const needed = neededStages(stages, options.target);
  const ignorePath = join(options.context, '.dockerignore');
  const ignored = dockerignoreMatcher(
    existsSync(ignorePath)
      ? readFileSync(ignorePath, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'))
      : [],
  );
  const built = new Map<string, StageState>();
  const consume = (name: string, to: string) => {
    const left = (needed.get(name) ?? 0) - 1;
    needed.set(name, left);
    take(built.get(name)?.dir ?? '', to, left === 0);
  };

  for (const stage of stages) {
    if (stage.name === undefined || !needed.has(stage.name)) continue;
    const dir = join(options.out, stage.name);
    const parent = built.get(stage.base);
    const state: StageState = parent
      ? { ...parent, dir, vars: {}, env: { ...parent.env }, entrypoint: [...parent.entrypoint], cmd: [...parent.cmd] }
      : { dir, workdir: undefined, vars: {}, env: {}, user: undefined, entrypoint: [], cmd: [] };
    if (parent) consume(stage.base, dir);
    else mkdirSync(dir, { recursive: true });

    for (const i of stage.instructions) {
      const scope = { ...state.vars, ...state.env };
      switch (i.keyword) {
        case 'ARG': {
          const [name = '', fallback] = i.args.split('=');
          state.vars[name] = options.buildArgs[name] ?? fallback ?? '';
          break;
        }
        case 'ENV':
          for (const pair of i.args.split(/\s+/)) {
            const [name = '', value = ''] = pair.split('=');
            state.env[name] = substitute(value, scope);
          }
          break;
        case 'WORKDIR':
          if (state.workdir !== undefined && state.workdir !== i.args) throw new Error(`line ${i.line}: one WORKDIR per stage chain`);
          state.workdir = i.args;
          break;
        case 'COPY': {
          const copy = parseCopy(substitute(i.args, scope));
          const from = copy.flags['from'];
          if (from !== undefined) {
            const source = built.get(from);
            const [path = ''] = copy.sources;
            const workdir = source?.workdir ?? '';
            if (!source || copy.sources.length !== 1 || !(path === workdir || path.startsWith(`${workdir}/`)))
              throw new Error(`line ${i.line}: only COPY --from=<stage> <its WORKDIR or a path under it> is modelled`);
            if (path === workdir) {
              consume(from, resolve(dir, copy.destination));
            } else {
              // A part of the stage (e.g. the compiled dist/): copied; the stage stays for its other users.
              cpSync(join(source.dir, path.slice(workdir.length + 1)), resolve(dir, copy.destination), {
                recursive: true,
                verbatimSymlinks: true,
              });
              needed.set(from, (needed.get(from) ?? 0) - 1);
            }
            break;
          }
          for (const source of copy.sources) {
            const from = join(options.context, source);
            const to =
              statSync(from).isDirectory() || !copy.destination.endsWith('/')
                ? join(dir, copy.destination)
                : join(dir, copy.destination, source);
            cpSync(from, to, { recursive: true, filter: (path) => !ignored(relative(options.context, path)) });
          }
          break;
        }
        case 'RUN':
          run(i.args.replace(/^(--[\w-]+=\S+\s+)+/, ''), state, options.runEnv ?? {});
          break;
        case 'USER':
          state.user = i.args;
          break;
        case 'ENTRYPOINT':
          state.entrypoint = JSON.parse(i.args) as string[];
          break;
        case 'CMD':
          state.cmd = JSON.parse(i.args) as string[];
          break;
        case 'EXPOSE':
          break;
        default:
          throw new Error(`line ${i.line}: ${i.keyword} is not modelled`);
      }
    }
    built.set(stage.name, state);
  }

  const image = built.get(options.target);
  if (!image) throw new Error(`no stage ${options.target}`);
  return { dir: image.dir, env: image.env, user: image.user, entrypoint: image.entrypoint, cmd: image.cmd };
}
