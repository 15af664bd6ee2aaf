import type { ClosedLoopSummary } from './closed-loop';
import type { OpenLoopSummary } from './open-loop';

const counts = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ') || 'none';

export function formatClosedLoop(summary: ClosedLoopSummary, url: string): string {
  return [
    `sent ${summary.sent} orders in ${summary.seconds} s (${summary.ordersPerSecond}/s) to ${url}`,
    `  responses   ${counts(summary.byStatus)}${summary.failures > 0 ? `, no answer: ${summary.failures}` : ''}`,
    `  latency ms  p50 ${summary.latencyMs.p50}  p90 ${summary.latencyMs.p90}  p99 ${summary.latencyMs.p99}  max ${summary.latencyMs.max}`,
    '',
  ].join('\n');
}

export function formatOpenLoop(summary: OpenLoopSummary, url: string): string {
  const { postMs, e2e } = summary;
  return [
    `open loop: ${summary.sent} orders at ${summary.rate}/s over ${summary.seconds} s to ${url} (generator lag max ${summary.generatorLagMs} ms)`,
    `  accepted    ${summary.accepted}, failed ${summary.failed} (${counts(summary.byStatus)})`,
    ...Object.entries(summary.noAnswer).map(([error, n]) => `  no answer   ${n}× ${error}`),
    `  POST ms     p50 ${postMs.p50}  p90 ${postMs.p90}  p99 ${postMs.p99}  max ${postMs.max}  (from the intended send time)`,
    `  e2e ms      p50 ${e2e.ms.p50}  p99 ${e2e.ms.p99}  max ${e2e.ms.max}  (${e2e.final} of ${e2e.sampled} sampled orders final in the read model: ${counts(e2e.byStatus)})`,
    '',
  ].join('\n');
}
