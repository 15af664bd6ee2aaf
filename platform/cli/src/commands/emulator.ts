import type { Command } from '../command';

// Placeholder until the issue that owns this command lands; it says so instead of pretending.
export const command: Command = {
  name: 'emulator',
  summary: 'not available yet',
  usage: 'Usage: spillway emulator (not available in this build yet)',
  async run() {
    process.stderr.write("spillway: 'emulator' is not available in this build yet\n");
    return 1;
  },
};
