import { ConfigError, formatStatusTable, loadAutoscalerConfig, readSubscriptionStatuses } from '@spillway/autoscaler';
import { answerWithin, DEFAULT_ANSWER_SECONDS, timeoutFlag } from '../answer-within';
import type { Command } from '../command';
import { parseFlags } from '../parse-flags';

export const command: Command = {
  name: 'status',
  summary: 'show each persistent subscription with its lag',
  usage: [
    'Usage: spillway status [--json] [--timeout SECONDS]',
    '',
    'Lists every persistent subscription group on the EventStoreDB at ESDB_CONNECTION_STRING',
    '(default esdb://127.0.0.1:2113?tls=false) with its lag, in-flight, retry and parked counts,',
    "measured as the autoscaler measures them. A $all group's filter is not reported by the server,",
    'so its lag counts every user event after the checkpoint (marked "unfiltered"); "+" marks a capped count.',
    '',
    'Flags:',
    '  --json      print JSON instead of a table',
    `  --timeout   seconds to wait for EventStoreDB to answer (default ${DEFAULT_ANSWER_SECONDS})`,
  ].join('\n'),
  async run(argv) {
    const { values } = parseFlags('status', argv, { json: { type: 'boolean' }, timeout: { type: 'string' } });
    const seconds = timeoutFlag('status', values.timeout);
    let connection: string;
    try {
      connection = loadAutoscalerConfig().esdbConnectionString;
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`spillway status: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
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
