import type { Command } from '../command';

// Placeholder until the issue that owns this command lands; it says so instead of pretending.
export const command: Command = {
  name: 'parked',
  summary: 'not available yet',
  usage: 'Usage: spillway parked (not available in this build yet)',
  async run() {
    process.stderr.write("spillway: 'parked' is not available in this build yet\n");
    return 1;
  },
};
