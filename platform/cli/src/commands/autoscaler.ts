import { AUTOSCALER_USAGE, AutoscalerUsageError, parseAutoscalerArgs, runAutoscalerCommand } from '@spillway/autoscaler';
import type { Command } from '../command';
import { UsageError } from '../usage-error';

/** The autoscaler package owns the command (its image runs it without the CLI); here it is one of the CLI's. */
export const command: Command = {
  name: 'autoscaler',
  summary: 'scale functions by the lag of their persistent subscriptions',
  usage: AUTOSCALER_USAGE,
  async run(argv) {
    try {
      // Flags first, so a mistake is a usage error before anything starts.
      parseAutoscalerArgs(argv);
      return await runAutoscalerCommand(argv);
    } catch (err) {
      if (err instanceof AutoscalerUsageError) throw new UsageError(err.message);
      throw err;
    }
  },
};
