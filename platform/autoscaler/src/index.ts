export type { AnnotationProblem, ParsedAnnotations, PolicyName, ScalingSpec } from './annotations/annotations';
export { ANNOTATIONS, DEFAULTS, parseScalingAnnotations, scalingAnnotationsSchema, scalingSpec } from './annotations/annotations';
export type { AllFilter, DeclaredSource, SubscriptionRef } from './annotations/subscription-ref';
export { formatSubscriptionRef, parseSubscriptionRef, subscriptionFromSource } from './annotations/subscription-ref';
export type { AutoscalerApp, AutoscalerAppOptions } from './app/autoscaler-app';
export { startAutoscalerApp } from './app/autoscaler-app';
export type { AutoscalerArgs } from './app/command';
export { AUTOSCALER_USAGE, AutoscalerUsageError, parseAutoscalerArgs, runAutoscalerCommand } from './app/command';
export { createAutoscalerLogger } from './app/logger';
export type { SubscriptionStatus } from './app/subscription-status';
export { formatStatusTable, readSubscriptionStatuses, subscriptionStatuses } from './app/subscription-status';
export type { AutoscalerConfig } from './config';
export { ConfigError, loadAutoscalerConfig } from './config';
export type { ExternalScalerOptions, ExternalScalerServer } from './keda/external-scaler';
export { LAG_METRIC, loadExternalScalerPackage, startExternalScaler } from './keda/external-scaler';
export type { HttpApi, HttpApiOptions } from './keda/http-api';
export { startHttpApi } from './keda/http-api';
export type { WorkloadLag } from './keda/workload-lag';
export { MeasurementUnavailableError, UnknownWorkloadError, workloadLag } from './keda/workload-lag';
export { AllLagSource, DEFAULT_SCAN_CAP, matchesFilter } from './lag/all-lag-source';
export type { EventStoreLagOptions } from './lag/eventstore-lag-sources';
export { eventStoreLagSources } from './lag/eventstore-lag-sources';
export type { LagMeasurement, LagSource } from './lag/lag-source';
export type { StartFrom } from './lag/stream-lag-source';
export { StreamLagSource } from './lag/stream-lag-source';
export type { Leadership, LeaseElectorOptions } from './leader/lease-elector';
export {
  checkLeaseTimings,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  LeaseElector,
} from './leader/lease-elector';
export type { LocalAutoscaler, LocalAutoscalerOptions, LocalFunction } from './loop/local-autoscaler';
export { LOCAL_NAMESPACE, startLocalAutoscaler } from './loop/local-autoscaler';
export type { Outcome, ScalerOptions, Workload } from './loop/scaler';
export { Scaler } from './loop/scaler';
export { AutoscalerMetrics } from './metrics/autoscaler-metrics';
export { choosePolicy } from './policy/choose-policy';
export { decideByDrainTime } from './policy/drain-time-policy';
export { decideOnFailure } from './policy/fallback';
export { decideByLag } from './policy/lag-policy';
export type { Decision, Policy, PolicyInput, PolicyState } from './policy/policy';
export { initialPolicyState } from './policy/policy';
export { DeploymentScaleTarget } from './targets/kubernetes/deployment-scale-target';
export { kubeConfigForServer, loadKubeConfig } from './targets/kubernetes/kube-config';
export { KubernetesWorkloads } from './targets/kubernetes/kubernetes-workloads';
export type { ProcessPoolOptions } from './targets/local/process-pool';
export { ProcessPool } from './targets/local/process-pool';
export type { ScaleTarget } from './targets/scale-target';
export { captureLog, eventually } from './test-kit/capture-log';
export { ControlledLagSource } from './test-kit/controlled-lag-source';
export type { FakeDeployment, RecordedRequest } from './test-kit/fake-kubernetes';
export { FakeKubernetes } from './test-kit/fake-kubernetes';
export type { FakeLease, LeaseVersion } from './test-kit/fake-leases';
export { RecordingScaleTarget } from './test-kit/recording-scale-target';
