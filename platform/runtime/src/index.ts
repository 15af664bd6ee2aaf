export type {
  ConsumerStrategy,
  EventMetadata,
  EventSchemas,
  FunctionDefinition,
  HandlerContext,
  InitContext,
  RequestContext,
  RouteDefinition,
  RouteRequest,
  RouteResponse,
  SubscriptionDefinition,
  SubscriptionSettings,
  SubscriptionSource,
  TypedEvent,
} from './contract/define-function';
export { defineFunction } from './contract/define-function';
export type { FieldProblem } from './errors/errors';
export { BusinessRuleError, ConcurrencyError, NotFoundError, PermanentError, SpillwayError, ValidationError } from './errors/errors';
export type { EventStoreAccess, ExpectedRevision, Fold, Loaded, NewEvent } from './event-store/event-store-access';
