// Dockerfile.template sits at the repository root, where Jest does not look; its test lives
// with the charts that run its images. No Docker engine runs here, so this checks the file
// against the repository: stages, build arguments, COPY sources, and the command it runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCopy, parseStages, type Stage } from './test-kit/dockerfile';
import { REPO_ROOT } from './test-kit/helm';

// Dockerfile variables, spelt as template literals so they are not mistaken for JavaScript placeholders.
const FUNCTION_VAR = `\${FUNCTION}`;
const NODE_IMAGE_VAR = `\${NODE_IMAGE}`;

const stages = parseStages(readFileSync(join(REPO_ROOT, 'Dockerfile.template'), 'utf8'));
const dockerignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

function stage(name: string): Stage {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
}

function args(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

interface PackageJson {
  readonly name: string;
  readonly bin?: Readonly<Record<string, string>>;
}

function packageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** The bin file a workspace's package.json names, or why it cannot be checked yet. */
function binTarget(dir: string, bin: string): { file: string } | { missing: string } {
  const target = packageJson(dir).bin?.[bin];
  if (target === undefined) return { missing: `${dir}/package.json declares no bin ${bin}` };
  const file = join(REPO_ROOT, dir, target);
  return existsSync(file) ? { file } : { missing: `${file} does not exist` };
}

test('has the function image as its last, default, stage and the autoscaler as a named target', () => {
  expect(stages.map((s) => s.name)).toEqual([
    'manifests',
    'build',
    'console-app',
    'autoscaler-deps',
    'autoscaler-app',
    'autoscaler',
    'function-dev',
    'function-deps',
    'function-app',
    'function',
  ]);
});

test('builds every stage from the Node image or from an earlier stage', () => {
  stages.forEach((s, index) => {
    const earlier = stages.slice(0, index).map((e) => e.name);
    expect({ stage: s.name, fromEarlierOrNode: s.base === NODE_IMAGE_VAR || earlier.includes(s.base) }).toEqual({
      stage: s.name,
      fromEarlierOrNode: true,
    });
  });
});

test('declares ARG FUNCTION in every stage that uses it (ARGs do not cross stages)', () => {
  const users = stages.filter((s) => s.instructions.some((i) => i.args.includes(FUNCTION_VAR)));
  expect(users.map((s) => s.name)).toEqual(['function-dev', 'function-deps', 'function-app', 'function']);
  for (const s of users) {
    const firstUse = s.instructions.findIndex((i) => i.args.includes(FUNCTION_VAR));
    const declared = s.instructions.findIndex((i) => i.keyword === 'ARG' && i.args === 'FUNCTION');
    expect({ stage: s.name, declaredBeforeUse: declared >= 0 && declared < firstUse }).toEqual({ stage: s.name, declaredBeforeUse: true });
  }
});

test("installs only production dependencies of the function's workspace (the runtime comes in as its dependency)", () => {
  const [install] = args(stage('function-deps'), 'RUN').filter((run) => run.includes('npm ci'));
  expect(install).toContain('--omit=dev');
  expect(install).toContain(`--workspace "functions/${FUNCTION_VAR}"`);
  // Naming the runtime's workspace would bring its dev dependencies that another workspace needs in production.
  expect(install).not.toContain('--workspace platform/runtime');
  expect(install).not.toContain('--include-workspace-root');
});

test("the manifests stage keeps only each workspace's package.json and bin scripts (what npm ci reads and links)", () => {
  expect(args(stage('manifests'), 'RUN')).toEqual([
    'find platform functions -mindepth 2 -maxdepth 2 ! -name package.json ! -name bin -exec rm -rf {} +',
  ]);
});

test.each(['autoscaler-deps', 'function-deps', 'function-dev'])(
  '%s runs npm ci on those manifests before any source is copied, so a source edit reuses the dependency layer',
  (name) => {
    const instructions = stage(name).instructions;
    const install = instructions.findIndex((i) => i.keyword === 'RUN' && i.args.includes('npm ci'));
    expect(install).toBeGreaterThan(-1);
    const copiedBefore = instructions.slice(0, install).filter((i) => i.keyword === 'COPY');
    expect(copiedBefore.map((i) => i.args)).toEqual(['--from=manifests /src ./']);
  },
);

test.each([
  { app: 'autoscaler-app', deps: 'autoscaler-deps' },
  { app: 'function-app', deps: 'function-deps' },
])('$app adds the sources on top of $deps', ({ app, deps }) => {
  expect(stage(app).base).toBe(deps);
});

test('the base image is a supported Node.js LTS chosen by NODE_VERSION (default 22)', () => {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile.template'), 'utf8');
  expect(text).toMatch(/^ARG NODE_VERSION=22$/m);
  expect(text).toMatch(/^ARG NODE_IMAGE=node:\$\{NODE_VERSION\}-bookworm-slim$/m);
});

test('compiles TypeScript once in a build stage and copies only its output into the images', () => {
  const runs = args(stage('build'), 'RUN').join('\n');
  expect(runs).toContain('tsc -p tsconfig.image.json --noCheck');
  for (const app of ['function-app', 'autoscaler-app']) {
    expect(args(stage(app), 'COPY')).toContain('--from=build /build/dist ./dist');
  }
});

test("bundles the console's app in a stage of its own, which only the autoscaler image copies from", () => {
  const [install] = args(stage('console-app'), 'RUN').filter((run) => run.includes('npm ci'));
  // With development dependencies: esbuild, Preact and uPlot are the console's, for the bundle alone.
  expect(install).not.toContain('--omit=dev');
  expect(install).toContain('--workspace platform/console');
  expect(args(stage('console-app'), 'RUN')).toContain('npm run build --workspace platform/console');
  const users = stages.filter((s) => s.instructions.some((i) => i.keyword === 'COPY' && parseCopy(i.args).flags['from'] === 'console-app'));
  expect(users.map((s) => s.name)).toEqual(['autoscaler-app']);
});

test('takes every COPY source from the build context that exists and that .dockerignore keeps', () => {
  const sources = stages.flatMap((s) =>
    s.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((copy) => copy.flags['from'] === undefined)
      .flatMap((copy) => copy.sources),
  );
  expect(sources.length).toBeGreaterThan(0);
  for (const source of sources) {
    expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
    expect(dockerignore).not.toContain(source);
  }
});

test('copies --from earlier stages only', () => {
  stages.forEach((s, index) => {
    const earlier = stages.slice(0, index).map((e) => e.name);
    for (const i of s.instructions.filter((i) => i.keyword === 'COPY')) {
      const from = parseCopy(i.args).flags['from'];
      if (from !== undefined)
        expect({ line: i.line, from, earlier: earlier.includes(from) }).toEqual({ line: i.line, from, earlier: true });
    }
  });
});

test.each([{ image: 'function' }, { image: 'autoscaler' }])('the $image image runs as a numeric non-root user', ({ image }) => {
  const users = args(stage(image), 'USER');
  expect(users).toHaveLength(1);
  expect(users[0]).toMatch(/^[1-9][0-9]*(:[0-9]+)?$/);
});

test('exposes the runtime port 8080 and has no HEALTHCHECK (Kubernetes probes instead)', () => {
  expect(args(stage('function'), 'EXPOSE')).toEqual(['8080']);
  expect(stages.flatMap((s) => args(s, 'HEALTHCHECK'))).toEqual([]);
  expect(args(stage('function'), 'ENV').join(' ')).toContain('PORT=8080');
});

test(`runs node_modules/.bin/spillway-function on functions/${FUNCTION_VAR}, with exec so node gets SIGTERM`, () => {
  const [cmd] = args(stage('function'), 'CMD');
  expect(JSON.parse(cmd ?? '[]')).toEqual(['/bin/sh', '-c', `exec node_modules/.bin/spillway-function "functions/${FUNCTION_VAR}"`]);
});

// The runtime's bin arrived together with this file; should it move, the command above breaks.
const runtimeBin = binTarget('platform/runtime', 'spillway-function');
(('file' in runtimeBin ? test : test.skip) as typeof test)(
  `the command's bin is the runtime's spillway-function${'missing' in runtimeBin ? ` (skipped: ${runtimeBin.missing})` : ''}`,
  () => {
    expect(readFileSync((runtimeBin as { file: string }).file, 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
  },
);

test("the autoscaler image runs the autoscaler's own bin, from its workspace alone", () => {
  expect(args(stage('autoscaler'), 'ENTRYPOINT')).toEqual(['["node_modules/.bin/spillway-autoscaler"]']);
  expect(args(stage('autoscaler'), 'CMD')).toEqual([]);
  const [install] = args(stage('autoscaler-deps'), 'RUN').filter((run) => run.includes('npm ci'));
  expect(install).toContain('--omit=dev');
  expect(install).toContain('--workspace platform/autoscaler');
  expect(install).not.toContain('platform/cli');
  const bin = binTarget('platform/autoscaler', 'spillway-autoscaler');
  expect('file' in bin ? 'found' : bin.missing).toBe('found');
});

test('.dockerignore keeps dependencies, VCS, data, tools and tests out of the build context', () => {
  expect(dockerignore).toEqual(expect.arrayContaining(['**/node_modules', '.git', '**/.data', '.tools', '**/*.test.ts', '**/app-bundle']));
});
