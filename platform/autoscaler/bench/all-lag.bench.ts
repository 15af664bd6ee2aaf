// `node --require tsx/cjs platform/autoscaler/bench/all-lag.bench.ts`: CPU of the `$all` lag readings of the shop's two
// `$all` workloads (order-projector by stream prefix, stock-reservation by event type), with the
// in-memory emulator in the same process as `spillway dev` runs it, so the server's side counts too.
// Each round appends BENCH_ORDERS orders (three user events each, plus the links the system projections
// write behind them), lets the projections settle, then takes one reading of both workloads.
// The last line is the headline: CPU ms per 1,000 appended user events.
import { EventStoreDBClient, jsonEvent, persistentSubscriptionToAllSettingsFromDefaults, START } from '@eventstore/db-client';
import { startEmulator } from '@spillway/emulator';
import { eventStoreLagSources } from '../src/lag/eventstore-lag-sources';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
// Long enough for the emulator's system projections to write their links behind a round's appends.
const SETTLE_MS = 300;
const EVENTS_PER_ORDER = 3;

const workloads = [
  { group: 'order-projector', filter: { streamNamePrefixes: ['order-', 'inventory-'] } },
  { group: 'stock-reservation', filter: { eventTypePrefixes: ['OrderCreated', 'OrderCancelled'] } },
];

async function main(): Promise<void> {
  for (const [name, value] of [
    ['BENCH_ORDERS', ORDERS],
    ['BENCH_ROUNDS', ROUNDS],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number`);
  }
  const emulator = await startEmulator({ memory: true, port: 0 });
  const client = EventStoreDBClient.connectionString(emulator.connectionString);
  try {
    for (const { group } of workloads)
      await client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START }));
    const sources = eventStoreLagSources(client);
    const measured = workloads.map(({ group, filter }) => sources({ subscription: { kind: 'all', group }, filter }));
    let order = 0;
    const perThousand: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      for (let i = 0; i < ORDERS; i++, order++) {
        await client.appendToStream(`order-${order}`, [
          jsonEvent({ type: 'OrderCreated', data: { order } }),
          jsonEvent({ type: 'StockReserved', data: { order } }),
        ]);
        await client.appendToStream(`inventory-sku-${order % 50}`, jsonEvent({ type: 'StockLevelChanged', data: { order } }));
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const before = process.cpuUsage();
      const lags = await Promise.all(measured.map((source) => source.getLag()));
      const used = process.cpuUsage(before);
      if (lags.some((m) => m.capped)) throw new Error('a reading was capped: lower BENCH_ORDERS');
      // The first round also reads the node's start records and creates the readings' memory: left out.
      if (round > 0) perThousand.push((used.user + used.system) / 1000 / ((ORDERS * EVENTS_PER_ORDER) / 1000));
    }
    perThousand.sort((a, b) => a - b);
    const median = perThousand[Math.floor(perThousand.length / 2)]!;
    console.log(`| rounds | orders per round | CPU ms per 1,000 user events (min / median / max) |`);
    console.log(`| --- | --- | --- |`);
    console.log(`| ${ROUNDS} | ${ORDERS} | ${perThousand[0]!.toFixed(1)} / ${median.toFixed(1)} / ${perThousand.at(-1)!.toFixed(1)} |`);
    console.log(`all-lag: ${median.toFixed(1)} ms CPU per 1,000 appended user events (two $all workloads, emulator in process)`);
  } finally {
    await client.dispose();
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error('bench:all-lag failed:', error);
  process.exit(1);
});
