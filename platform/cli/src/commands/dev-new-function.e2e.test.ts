import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dev, eventually, repoRoot, spillwayBin, startDev, stopDevs } from '../dev/testing/dev-process';

// One start of the shop with a fourth function beside it, and one short start of two clashing functions alone.
jest.setTimeout(180_000);

const SHOP = ['order-create', 'stock-reservation', 'order-projector'];

/** A repository of its own: the shop's folders (and contracts) linked in, the root's node_modules beside them, nothing else. */
function fixtureRepository(folders: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'spillway-repo-'));
  mkdirSync(join(root, 'functions'));
  for (const folder of folders) symlinkSync(join(repoRoot, 'functions', folder), join(root, 'functions', folder), 'dir');
  // What `npm install` gives the repository: the runtime and zod resolve from the new function's folder.
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** `spillway new <name> --dir <root>`, as a user runs it. */
function scaffold(root: string, name: string): string {
  const made = spawnSync(process.execPath, [spillwayBin, 'new', name, '--dir', root], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  expect(made.status).toBe(0);
  return made.stdout;
}

describe('spillway dev runs every function under functions/', () => {
  const roots: string[] = [];
  const running: Dev[] = [];
  const clashing: ChildProcess[] = [];

  afterAll(async () => {
    await stopDevs(running);
    // Only if the clash did not stop it as it should: SIGTERM, so it stops what it started.
    for (const child of clashing) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  test('a function made by spillway new runs beside the shop on the next start: its port printed, scaled by its lag, its route on the gateway', async () => {
    const root = fixtureRepository([...SHOP, 'contracts']);
    const dataDir = mkdtempSync(join(tmpdir(), 'spillway-dev-'));
    roots.push(root, dataDir);
    expect(scaffold(root, 'gift-cards')).toMatch(/npm start .*gift-cards runs beside the shop/);

    // --log-level info: the new function's subscription handler logs each note it sees.
    const dev = await startDev(dataDir, ['--dir', root, '--max-replicas', '2', '--log-level', 'info']);
    running.push(dev);
    // The shop in the README's order, then the new function, each with the port it listens on.
    expect(Object.keys(dev.urls)).toEqual([...SHOP, 'gift-cards']);
    expect(new Set(Object.values(dev.urls)).size).toBe(4);
    expect(dev.output()).toMatch(/^ {2}not functions +functions\/contracts /m);
    // It declares a subscription, so the local autoscaler sizes it by its group's lag, as stock-reservation.
    expect(dev.output()).toMatch(/^\[autoscaler\] gift-cards 0 -> 1: /m);
    expect(dev.output()).toMatch(/^ {2}gift-cards +1 running, 1-2 by lag/m);
    expect(await fetch(`${dev.urls['gift-cards']}/readyz`).then((r) => r.status)).toBe(200);

    // Its route answers through the gateway, beside the shop's, and its subscription sees what it wrote.
    const note = await fetch(`${dev.gateway}/gift-cards/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ board: 'b-1', text: 'hello' }),
    });
    expect(note.status).toBe(202);
    expect(await note.json()).toEqual({ written: 1 });
    // The access line is written once the response has finished, which the client may see first.
    const routed = /\[gateway\] POST \/gift-cards\/notes -> gift-cards \(127\.0\.0\.1:\d+\) 202/;
    await eventually('the gateway to log the note', () => (routed.test(dev.output()) ? true : undefined));
    await eventually('the note to reach the subscription', () => (/^\[gift-cards\] .*"note added"/m.test(dev.output()) ? true : undefined));
    const restock = await fetch(`${dev.gateway}/inventory/apple/restock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 10 }),
    });
    expect(restock.status).toBe(200);
    const openApi = (await fetch(`${dev.gateway}/openapi.json`).then((r) => r.json())) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/gift-cards/notes', '/orders']));

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
  });

  test('two functions declaring the same route stop dev at start-up, naming both', async () => {
    // Two functions alone (no shop), the second a copy of the first under another name: its route is the first's.
    const root = fixtureRepository([]);
    const dataDir = mkdtempSync(join(tmpdir(), 'spillway-dev-'));
    roots.push(root, dataDir);
    scaffold(root, 'notes-a');
    cpSync(join(root, 'functions', 'notes-a'), join(root, 'functions', 'notes-b'), { recursive: true });
    const index = join(root, 'functions', 'notes-b', 'src', 'index.ts');
    writeFileSync(
      index,
      readFileSync(index, 'utf8').replace("name: 'notes-a'", "name: 'notes-b'").replace("group: 'notes-a'", "group: 'notes-b'"),
    );

    const ports = ['--emulator-port', '--gateway-port', '--ports-from'].flatMap((flag) => [flag, '0']);
    const child = spawn(process.execPath, [spillwayBin, 'dev', '--dir', root, '--data-dir', dataDir, '--no-autoscale', ...ports], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.resume();
    clashing.push(child);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('spillway dev: conflicting routes: POST /notes-a/notes is declared by both notes-a and notes-b');
  });
});
