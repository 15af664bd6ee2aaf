import type { Command } from './command';

// `require` rather than `import()`: the CLI runs as CommonJS under tsx, and a lazy
// require keeps `spillway --help` from loading the emulator's gRPC stack or the Kubernetes client.
function loadCommand(file: string): Promise<Command> {
  const loaded = require(`./commands/${file}`) as { command: Command };
  return Promise.resolve(loaded.command);
}

/**
 * Every subcommand, by name, with the one-line summary `spillway --help` prints.
 */
export const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  emulator: {
    summary: 'run the EventStoreDB-compatible emulator',
    load: () => loadCommand('emulator'),
  },
  log: {
    summary: "verify or repair the emulator's durable event log",
    load: () => loadCommand('log'),
  },
  dev: {
    summary: 'run the whole shop on this machine (emulator, read model, functions)',
    load: () => loadCommand('dev'),
  },
  autoscaler: {
    summary: 'scale functions by the lag of their persistent subscriptions',
    load: () => loadCommand('autoscaler'),
  },
  load: {
    summary: 'send orders to order-create: a burst, or a fixed rate (--rate)',
    load: () => loadCommand('load'),
  },
  status: {
    summary: 'show each persistent subscription with its lag',
    load: () => loadCommand('status'),
  },
  parked: {
    summary: 'list or replay parked events of a subscription group',
    load: () => loadCommand('parked'),
  },
  routes: {
    summary: "list every function's declared routes, or write them as Helm values (--format helm-values)",
    load: () => loadCommand('routes'),
  },
  rebuild: {
    summary: "rebuild a function's read model beside the live one and switch with no downtime",
    load: () => loadCommand('rebuild'),
  },
  new: {
    summary: 'scaffold a new function folder',
    load: () => loadCommand('new'),
  },
};
