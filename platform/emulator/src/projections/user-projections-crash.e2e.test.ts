import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { kill, startChild, stop } from '../testing/child-emulator';
import { eventually as eventuallyWithin } from '../testing/eventually';
import { readResolved } from '../testing/read-resolved';

// A child emulator restarted after SIGKILL replays its projections from the checkpoint first.
const eventually = <T>(probe: () => Promise<T | undefined>, what: string) => eventuallyWithin(probe, what, 30_000);

const tick = () => jsonEvent({ type: 'Tick', data: {} });

test('after a crash (SIGKILL) in the middle, a continuous projection resumes from its last checkpoint: each event counted once, no link written twice', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spillway-userproj-crash-'));
  const cat = `crash${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const name = `ticks-${cat}`;
  const children: ChildProcess[] = [];
  const clients: EventStoreDBClient[] = [];
  const connect = async () => {
    const { child, connectionString } = await startChild(dataDir, '--run-projections=all');
    children.push(child);
    const client = EventStoreDBClient.connectionString(connectionString);
    clients.push(client);
    return { child, client };
  };
  const stateIs = (client: EventStoreDBClient, n: number) =>
    eventually(async () => ((await client.getProjectionState<{ n: number }>(name)).n === n ? n : undefined), `state n = ${n}`);
  /** Waits for `count` links, failing as soon as there are more. */
  const linksAre = (client: EventStoreDBClient, count: number) =>
    eventually(async () => {
      const links = await readResolved(client, `${cat}ticks`);
      if (links.length > count) throw new Error(`${links.length} links, expected ${count}`);
      return links.length === count ? links : undefined;
    }, `${count} links`);
  try {
    const first = await connect();
    await first.client.createProjection(
      name,
      `fromCategory('${cat}').when({ $init: () => ({ n: 0 }), Tick: (s, e) => { s.n += 1; linkTo('${cat}ticks', e); } })`,
      { emitEnabled: true },
    );
    await first.client.appendToStream(`${cat}-1`, [tick(), tick(), tick()]);
    await stateIs(first.client, 3);
    await linksAre(first.client, 3);
    // Fewer events than the checkpoint threshold and no clean stop: no checkpoint was written.
    await kill(first.child);

    const second = await connect();
    await second.client.appendToStream(`${cat}-1`, [tick(), tick()]);
    // Processed again from the start: the state is rebuilt (5, not 8) ...
    await stateIs(second.client, 5);
    // ... and the links already written are recognised by the position that caused them ($c), as EmittedStream's recovery does.
    const links = await linksAre(second.client, 5);
    expect(links.map((e) => e.event?.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect((await second.client.getProjectionStatus(name)).projectionStatus).toBe('Running');
  } finally {
    for (const client of clients) await client.dispose();
    for (const child of children) await stop(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
