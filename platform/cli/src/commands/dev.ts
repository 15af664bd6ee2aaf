import type { Command } from '../command';

// Placeholder until the issue that owns this command lands; it says so instead of pretending.
export const command: Command = {
  name: 'dev',
  summary: 'not available yet',
  usage: 'Usage: spillway dev (not available in this build yet)',
  async run() {
    process.stderr.write("spillway: 'dev' is not available in this build yet\n");
    return 1;
  },
};
