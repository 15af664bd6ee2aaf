// `npm run bench:autoscale`: a deterministic simulation comparing the drain-time policy with a
// model of KEDA's defaults over four arrival traces. The last line is the headline figure.
import { DEFAULTS, type ScalingSpec } from '../src/annotations/annotations';
import { kedaModel } from '../src/simulation/keda-model';
import { type SimulationResult, simulate, type WorkloadModel } from '../src/simulation/simulate';
import { spillwayModel } from '../src/simulation/spillway-model';
import { traces } from '../src/simulation/traces';

const model: WorkloadModel = { perReplicaRate: 20, startupSeconds: 10, maxReplicas: 20 };
const lagPerReplica = 100;

const drainTime: ScalingSpec = {
  subscription: { kind: 'stream', stream: 'bench', group: 'bench' },
  minReplicas: 0,
  maxReplicas: model.maxReplicas,
  lagPerReplica,
  activationLag: 0,
  policy: 'drain-time',
  targetDrainSeconds: 30,
  scaleDownStabilizationSeconds: DEFAULTS.scaleDownStabilizationSeconds['drain-time'],
  cooldownSeconds: DEFAULTS.cooldownSeconds,
};
const INTERVAL_SECONDS = 2;

const rows: { trace: string; keda: SimulationResult; drain: SimulationResult }[] = [];
for (const trace of traces) {
  const keda = simulate(trace, kedaModel({ lagPerReplica, activationLag: 0, minReplicas: 0, maxReplicas: model.maxReplicas }), model);
  const drain = simulate(trace, spillwayModel(drainTime, INTERVAL_SECONDS), model);
  rows.push({ trace: trace.name, keda, drain });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b).toFixed(2);
const header = ['trace', 'policy', 'lag-seconds', 'peak lag', 'replica-seconds', 'scaling actions'];
const table: string[][] = [];
for (const { trace, keda, drain } of rows) {
  for (const r of [keda, drain])
    table.push([trace, r.controller, fmt(r.lagSeconds), fmt(r.peakLag), fmt(r.replicaSeconds), String(r.scalingActions)]);
  table.push([
    trace,
    'ratio',
    ratio(drain.lagSeconds, keda.lagSeconds),
    ratio(drain.peakLag, keda.peakLag),
    ratio(drain.replicaSeconds, keda.replicaSeconds),
    ratio(drain.scalingActions, keda.scalingActions),
  ]);
}
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(
  `workload: ${model.perReplicaRate} events/s per replica, ${model.startupSeconds}s start-up, max ${model.maxReplicas}; ` +
    `keda: lagPerReplica ${lagPerReplica}, defaults; drain-time: target ${drainTime.targetDrainSeconds}s, interval ${INTERVAL_SECONDS}s, ` +
    `window ${drainTime.scaleDownStabilizationSeconds}s, cooldown ${drainTime.cooldownSeconds}s`,
);
console.log(line(header));
for (const row of table) console.log(line(row));
// Sensitivity: the comparison should not hinge on one lagPerReplica (drain-time uses it only until it has measured a replica).
console.log('');
console.log('sensitivity to lagPerReplica (sums over the traces): drain-time/keda lag-seconds, replica-seconds');
for (const perReplica of [10, 20, 50, 100, 200]) {
  let kedaLag = 0;
  let kedaReplicas = 0;
  let drainLag = 0;
  let drainReplicas = 0;
  for (const trace of traces) {
    const k = simulate(
      trace,
      kedaModel({ lagPerReplica: perReplica, activationLag: 0, minReplicas: 0, maxReplicas: model.maxReplicas }),
      model,
    );
    const d = simulate(trace, spillwayModel({ ...drainTime, lagPerReplica: perReplica }, INTERVAL_SECONDS), model);
    kedaLag += k.lagSeconds;
    kedaReplicas += k.replicaSeconds;
    drainLag += d.lagSeconds;
    drainReplicas += d.replicaSeconds;
  }
  console.log(
    `  lagPerReplica ${String(perReplica).padStart(3)}: ${(drainLag / kedaLag).toFixed(2)}, ${(drainReplicas / kedaReplicas).toFixed(2)}`,
  );
}
console.log('');

const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((total, r) => total + pick(r), 0);
const lagRatio = sum((r) => r.drain.lagSeconds) / sum((r) => r.keda.lagSeconds);
const replicaRatio = sum((r) => r.drain.replicaSeconds) / sum((r) => r.keda.replicaSeconds);
console.log(`peak lag ratio (sum over traces): ${(sum((r) => r.drain.peakLag) / sum((r) => r.keda.peakLag)).toFixed(2)}`);
console.log(
  `scaling actions ratio (sum over traces): ${(sum((r) => r.drain.scalingActions) / sum((r) => r.keda.scalingActions)).toFixed(2)}`,
);
console.log(`drain-time/keda lag-seconds ratio: ${lagRatio.toFixed(2)}, replica-seconds ratio: ${replicaRatio.toFixed(2)}`);
