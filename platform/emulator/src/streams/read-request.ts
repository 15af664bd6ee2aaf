/** What a Streams.Read request asks for, validated (unknown enum values and bad options are refused by name). */
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import { errors } from '../server/errors';
import { BadRequest, readStreamName, readUint64 } from './convert';
import { type EventFilter, readFilter } from './event-filter';

export type StartPoint = 'start' | 'end' | bigint;

export interface ReadPlan {
  readonly target: { readonly kind: 'stream'; readonly name: string } | { readonly kind: 'all' };
  readonly from: StartPoint;
  readonly direction: 'forwards' | 'backwards';
  /** How many events a read returns; undefined for a subscription. */
  readonly count: bigint | undefined;
  readonly filter: EventFilter | undefined;
  /** Event ids as structured UUIDs (EventStoreDB's default) or strings. */
  readonly structuredUuid: boolean;
  /** Send `$>` link events with the events they point to. */
  readonly resolveLinks: boolean;
}

function bad(message: string): BadRequest {
  return new BadRequest(errors.invalidArgument(message));
}

export function readPlan(request: ReadReq): ReadPlan {
  const options = request.getOptions();
  if (!options) throw bad('Required field options is not set.');
  const O = ReadReq.Options;

  const directionValue = options.getReadDirection();
  if (directionValue !== O.ReadDirection.FORWARDS && directionValue !== O.ReadDirection.BACKWARDS) {
    throw bad(`Unknown read_direction ${directionValue}.`);
  }
  const direction = directionValue === O.ReadDirection.FORWARDS ? 'forwards' : 'backwards';

  let count: bigint | undefined;
  switch (options.getCountOptionCase()) {
    case O.CountOptionCase.COUNT:
      count = readUint64(options.getCount(), 'count');
      break;
    case O.CountOptionCase.SUBSCRIPTION:
      if (direction === 'backwards') throw bad('Subscriptions read forwards only.');
      count = undefined;
      break;
    default:
      throw bad('Required field count_option (count or subscription) is not set.');
  }

  const uuidCase = options.getUuidOption()?.getContentCase();
  const structuredUuid = uuidCase !== O.UUIDOption.ContentCase.STRING;

  let target: ReadPlan['target'];
  let from: StartPoint;
  switch (options.getStreamOptionCase()) {
    case O.StreamOptionCase.STREAM: {
      const stream = options.getStream()!;
      target = { kind: 'stream', name: readStreamName(stream.getStreamIdentifier()) };
      switch (stream.getRevisionOptionCase()) {
        case O.StreamOptions.RevisionOptionCase.START:
          from = 'start';
          break;
        case O.StreamOptions.RevisionOptionCase.END:
          from = 'end';
          break;
        case O.StreamOptions.RevisionOptionCase.REVISION:
          from = readUint64(stream.getRevision(), 'revision');
          break;
        default:
          throw bad('Required field revision_option (start, end or revision) is not set.');
      }
      break;
    }
    case O.StreamOptionCase.ALL: {
      const all = options.getAll()!;
      target = { kind: 'all' };
      switch (all.getAllOptionCase()) {
        case O.AllOptions.AllOptionCase.START:
          from = 'start';
          break;
        case O.AllOptions.AllOptionCase.END:
          from = 'end';
          break;
        case O.AllOptions.AllOptionCase.POSITION: {
          const position = all.getPosition()!;
          const commit = readUint64(position.getCommitPosition(), 'commit_position');
          const prepare = readUint64(position.getPreparePosition(), 'prepare_position');
          if (commit < prepare) throw bad(`Invalid position: commit_position ${commit} is before prepare_position ${prepare}.`);
          from = commit;
          break;
        }
        default:
          throw bad('Required field all_option (start, end or position) is not set.');
      }
      break;
    }
    default:
      throw bad('Required field stream_option (stream or all) is not set.');
  }

  let filter: EventFilter | undefined;
  if (options.getFilterOptionCase() === O.FilterOptionCase.FILTER) {
    if (target.kind === 'stream') throw bad('Filters apply to $all only.');
    filter = readFilter(options.getFilter()!, count === undefined);
  }
  return { target, from, direction, count, filter, structuredUuid, resolveLinks: options.getResolveLinks() };
}
