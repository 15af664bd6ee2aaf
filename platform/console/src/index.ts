export type { AccessEntry } from './gateway/access-log';
export { formatAccess } from './gateway/access-log';
export { mergeOpenApi } from './gateway/merge-openapi';
export type { GatewayFunction, ReplicaState } from './gateway/replica-tracker';
export { ReplicaTracker } from './gateway/replica-tracker';
export type { DeclaredRoute, RouteMatch } from './gateway/route-table';
export { RouteConflictError, RouteTable, routesFromOpenApi } from './gateway/route-table';
export type { Gateway, GatewayOptions, Mounted } from './gateway/start-gateway';
export { startGateway } from './gateway/start-gateway';
