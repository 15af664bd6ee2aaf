import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process CPU time in clock ticks; USER_HZ is 100 on every Linux Node runs on.
const TICKS_PER_SECOND = 100;

interface Stat {
  readonly ppid: number;
  readonly cpuTicks: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** The process's command line, arguments joined by spaces; empty when it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * CPU time (user + system, ms) used so far by `root` and every process below it, from /proc; undefined
 * where there is no /proc. Processes that already exited are not counted (their time went to no one
 * still alive), so read it while the shop runs. On a shared machine this is the fair figure: it does
 * not grow with other jobs' load the way latency does.
 * Summed per part: `partOf` names the part each process of the tree belongs to (e.g. its function).
 */
export function treeCpuMsByPart(root: number, partOf: (pid: number) => string): Map<string, number> | undefined {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return undefined;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const s = stat(pid);
    if (s) stats.set(pid, s);
  }
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const parts = new Map<string, number>();
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    const ticks = stats.get(pid)?.cpuTicks;
    if (ticks !== undefined) {
      const part = partOf(pid);
      parts.set(part, (parts.get(part) ?? 0) + (ticks * 1000) / TICKS_PER_SECOND);
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return parts;
}

/** The whole machine's CPU time so far, in clock ticks summed over its cores (the `cpu` line of /proc/stat). */
export interface MachineCpu {
  /** Running anything: user, nice, system, irq and softirq time. */
  readonly busy: number;
  /** Idle, waiting for I/O included. */
  readonly idle: number;
  /** Time a virtual core wanted to run but the hypervisor ran something else (another guest, its own I/O). */
  readonly steal: number;
}

/** Reads the machine's CPU counters; undefined where there is no /proc/stat. */
export function machineCpu(): MachineCpu | undefined {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The `cpu` line of /proc/stat's text: user nice system idle iowait irq softirq steal (guest time is inside user). */
export function parseMachineCpu(procStat: string): MachineCpu | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // A line this parser does not understand gives no reading rather than NaN shares.
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
}

/** Busy and stolen time between two readings, in percent of all cores' time. */
export interface MachineShares {
  readonly busyPct: number;
  readonly stealPct: number;
}

/**
 * Between two readings: the share of the machine's time its cores were busy, and the share the hypervisor
 * took (steal), in percent of all cores' time. A high steal means the figures measured a machine that had
 * less CPU than its core count says: latency tails grow with it, and runs are not comparable.
 */
export function machineShares(before: MachineCpu, after: MachineCpu): MachineShares | undefined {
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  const total = busy + steal + (after.idle - before.idle);
  if (total <= 0) return undefined;
  const pct = (ticks: number) => Math.round((1000 * ticks) / total) / 10;
  return { busyPct: pct(busy), stealPct: pct(steal) };
}
