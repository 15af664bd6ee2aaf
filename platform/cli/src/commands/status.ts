import { formatStatusTable, readSubscriptionStatuses } from '@spillway/autoscaler/status';
import { answerWithin, DEFAULT_ANSWER_SECONDS, timeoutFlag } from '../answer-within';
import type { Command } from '../command';
import { CONNECTION_USAGE, esdbConnection } from '../esdb-connection';
import { parseFlags } from '../parse-flags';

export const command: Command = {
  name: 'status',
  summary: 'show each persistent subscription with its lag',
  usage: [
    'Usage: spillway status [--json] [--connection URL] [--timeout SECONDS]',
    '',
    'Lists every persistent subscription group on the EventStoreDB with its lag, in-flight, retry and',
    'parked counts, measured as the autoscaler measures them. A group nobody consumes shows as "no consumers".',
    "A $all group's filter is not reported by the server, so its lag counts every user event after the",
    'checkpoint (marked "unfiltered"); "+" marks a capped count.',
    '',
    'Flags:',
    '  --json            print JSON instead of a table',
    CONNECTION_USAGE,
    `  --timeout S       seconds to wait for EventStoreDB to answer (default ${DEFAULT_ANSWER_SECONDS})`,
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags('status', argv, {
      json: { type: 'boolean' },
      connection: { type: 'string' },
      timeout: { type: 'string' },
    });
    const seconds = timeoutFlag('status', values.timeout);
    const connection = esdbConnection('status', values.connection);
    try {
      const rows = await answerWithin(seconds, `EventStoreDB at ${connection}`, readSubscriptionStatuses(connection));
      if (values.json === true) {
        const json = JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value), 2);
        process.stdout.write(`${json}\n`);
      } else {
        process.stdout.write(formatStatusTable(rows));
      }
      return 0;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      process.stderr.write(`spillway status: cannot list persistent subscriptions at ${connection}: ${reason}\n`);
      return 1;
    }
  },
};
