/**
 * Server-side filters on `$all` reads and subscriptions: by stream name or event type, by
 * prefixes or a regular expression (EventStoreDB's EventFilter.cs). A regex given with
 * prefixes wins, as in EventStoreDB's ConvertToEventFilter. Regexes run in linear time
 * (filters/linear-regex.ts).
 */
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import { compileLinearRegex } from '../filters/linear-regex';
import { errors } from '../server/errors';
import type { RecordedEvent } from '../store/store';
import { BadRequest } from './convert';

/** EventStoreDB's ReadBatchSize: the search window when the client asks for none. */
export const DEFAULT_MAX_SEARCH_WINDOW = 32;

export interface EventFilter {
  matches(event: RecordedEvent): boolean;
  /** Events scanned (matching or not) between two checkpoints of a subscription. */
  readonly checkpointInterval: number;
}

export function readFilter(options: ReadReq.Options.FilterOptions, subscription: boolean): EventFilter {
  const { FilterCase, WindowCase } = ReadReq.Options.FilterOptions;
  let expression: ReadReq.Options.FilterOptions.Expression | undefined;
  let field: (event: RecordedEvent) => string;
  switch (options.getFilterCase()) {
    case FilterCase.STREAM_IDENTIFIER:
      expression = options.getStreamIdentifier();
      field = (e) => e.streamId;
      break;
    case FilterCase.EVENT_TYPE:
      expression = options.getEventType();
      field = (e) => e.type;
      break;
    default:
      throw new BadRequest(errors.invalidArgument('A filter needs stream_identifier or event_type.'));
  }
  if (!expression) throw new BadRequest(errors.invalidArgument('A filter needs an expression.'));
  const regexText = expression.getRegex();
  const prefixes = expression.getPrefixList();
  let test: (value: string) => boolean;
  if (regexText !== '') {
    try {
      test = compileLinearRegex(regexText);
    } catch (error) {
      throw new BadRequest(errors.invalidArgument(`Invalid filter regex ${(error as Error).message}`));
    }
  } else if (prefixes.length > 0) {
    test = (value) => prefixes.some((p) => value.startsWith(p));
  } else {
    throw new BadRequest(errors.invalidArgument('A filter expression needs a regex or at least one prefix.'));
  }
  let window = DEFAULT_MAX_SEARCH_WINDOW;
  if (options.getWindowCase() === WindowCase.MAX) {
    window = options.getMax();
    if (window <= 0) throw new BadRequest(errors.invalidArgument('The filter max search window must be greater than 0.'));
  }
  const multiplier = options.getCheckpointintervalmultiplier();
  if (subscription && multiplier <= 0)
    throw new BadRequest(errors.invalidArgument('The filter checkpoint interval multiplier must be greater than 0.'));
  return { matches: (event) => test(field(event)), checkpointInterval: window * Math.max(1, multiplier) };
}
