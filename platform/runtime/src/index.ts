export type { RuntimeConfig } from './config';
export { ConfigError, loadConfig } from './config';
export type {
  ConsumerStrategy,
  EventMetadata,
  EventSchemas,
  FunctionDefinition,
  HandlerContext,
  InitContext,
  ReadModelDefinition,
  ReadModelMigration,
  RequestContext,
  RouteDefinition,
  RouteRequest,
  RouteResponse,
  SkippedEvent,
  SubscriptionDefinition,
  SubscriptionSettings,
  SubscriptionSource,
  TypedEvent,
} from './contract/define-function';
export { defineFunction } from './contract/define-function';
export type { FieldProblem } from './errors/errors';
export { BusinessRuleError, ConcurrencyError, NotFoundError, PermanentError, SpillwayError, ValidationError } from './errors/errors';
export type { EventStoreAccess, ExpectedRevision, Fold, Loaded, NewEvent, ParseEvent, StoredEvent } from './event-store/event-store-access';
export type { QuarantinedEvent } from './event-store/tolerant-reader';
export { QUARANTINE_EVENT_TYPE, QUARANTINE_STREAM } from './event-store/tolerant-reader';
export { parseInput } from './http/parse-input';
export { pathParam } from './http/path-param';
export type { Problem } from './http/problem';
export { uuidV5 } from './ids/uuid-v5';
export type { FunctionProcess, FunctionProcessOptions } from './process/function-process';
export { spawnFunctionProcess } from './process/function-process';
export { findFunction, loadFunction } from './process/load-function';
export type { RunningFunction, StartOptions } from './process/start-function';
export { startFunction } from './process/start-function';
export type { Comparison, TableDifference } from './read-model/compare-schemas';
export { migrate } from './read-model/migrate';
export type { SqlLocation } from './read-model/open-sql-database';
export { openSqlDatabase } from './read-model/open-sql-database';
export type { BuildProgress, ReadModelStatus, RebuildRequest } from './read-model/read-model-manager';
export type { Generation, GenerationPurpose, GenerationState } from './read-model/registry';
export type { ReadModelDb, SqlDatabase, SqlExecutor, SqlResult } from './read-model/sql-database';
export type { RetryPolicy } from './subscription/retry-policy';
export type { Decider, DeciderThen } from './testing/decider-spec';
export { deciderSpec } from './testing/decider-spec';
export type { Harness, HarnessEvent, HarnessOptions } from './testing/harness';
export { startHarness } from './testing/harness';
export type { TestEventStore } from './testing/test-event-store';
export { startTestEventStore } from './testing/test-event-store';
