import pino, { type Logger } from 'pino';

/** The one logger of an autoscaler process: JSON lines on stdout, named so its lines are easy to pick out. */
export function createAutoscalerLogger(level: pino.LevelWithSilent): Logger {
  return pino({ name: 'spillway-autoscaler', level });
}
