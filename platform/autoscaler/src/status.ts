// A second entry point (`@spillway/autoscaler/status`) for `spillway status`: the lag as the autoscaler
// measures it, without the Kubernetes client, whose loading alone took seconds of a command meant
// to answer in well under one.
export type { SubscriptionStatus } from './app/subscription-status';
export { formatStatusTable, readSubscriptionStatuses } from './app/subscription-status';
