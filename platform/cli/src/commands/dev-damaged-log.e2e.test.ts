import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, spillwayBin } from '../dev/testing/dev-process';

// The emulator reads its log before anything else starts, so dev stops within seconds.
const RUN_TIMEOUT_MS = 60_000;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-dev-damaged-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runDev(): Promise<{ code: number | null; output: string }> {
  const ports = ['--emulator-port', '--gateway-port', '--order-create-port', '--stock-reservation-port', '--order-projector-port'].flatMap(
    (flag) => [flag, '0'],
  );
  const child = spawn(process.execPath, [spillwayBin, 'dev', '--data-dir', dir, ...ports], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS - 5_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

test(
  '`spillway dev` on a damaged emulator log exits 1 naming the file and the repair command, and leaves the log as it was',
  async () => {
    const log = path.join(dir, 'emulator', 'events.spwlog');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const content = Buffer.from('a file some other program wrote\n');
    fs.writeFileSync(log, content);
    const { code, output } = await runDev();
    expect(code).toBe(1);
    expect(output).toContain(`${log} is not a Spillway event log`);
    expect(output).toContain('spillway log repair');
    expect(output).not.toContain('Press Ctrl-C to stop.');
    expect(fs.readFileSync(log)).toEqual(content);
  },
  RUN_TIMEOUT_MS,
);
