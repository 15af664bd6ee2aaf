import { retryPolicyProblems } from '../subscription/retry-policy';
import type { EventSchemas, FunctionDefinition } from './define-function';

/** A function definition the runtime cannot run as declared; names every wrong field. */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  constructor(
    fn: string,
    readonly problems: readonly string[],
  ) {
    super(`function '${fn}' is not valid: ${problems.join('; ')}`);
  }
}

function wholeNumber(problems: string[], field: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    problems.push(`${field}: expected a whole number of at least ${min}, got ${value}`);
  }
}

/**
 * Checks what the types cannot: numbers in range, non-empty names, one handler per route. Without it a
 * `concurrency: 0` never handles an event and says nothing, and a `timeoutMs: 0` fails every event.
 */
export function checkDefinition<E extends EventSchemas, D>(definition: FunctionDefinition<E, D>): void {
  const problems: string[] = [];
  if (typeof definition.name !== 'string' || definition.name.trim() === '') problems.push('name: must not be empty');
  const subscription = definition.subscription;
  if (subscription) {
    if (typeof subscription.group !== 'string' || subscription.group.trim() === '') problems.push('subscription.group: must not be empty');
    wholeNumber(problems, 'subscription.concurrency', subscription.concurrency, 1);
    wholeNumber(problems, 'subscription.timeoutMs', subscription.timeoutMs, 1);
    problems.push(...retryPolicyProblems(subscription.retry ?? {}, 'subscription.retry.'));
    const s = subscription.settings ?? {};
    wholeNumber(problems, 'subscription.settings.maxRetryCount', s.maxRetryCount, 0);
    wholeNumber(problems, 'subscription.settings.messageTimeoutMs', s.messageTimeoutMs, 0);
    wholeNumber(problems, 'subscription.settings.maxSubscriberCount', s.maxSubscriberCount, 0);
    wholeNumber(problems, 'subscription.settings.checkPointAfterMs', s.checkPointAfterMs, 0);
    wholeNumber(problems, 'subscription.settings.checkPointLowerBound', s.checkPointLowerBound, 1);
    wholeNumber(problems, 'subscription.settings.checkPointUpperBound', s.checkPointUpperBound, 1);
    if (s.checkPointLowerBound !== undefined && s.checkPointUpperBound !== undefined && s.checkPointLowerBound > s.checkPointUpperBound) {
      problems.push('subscription.settings.checkPointLowerBound: must not exceed checkPointUpperBound');
    }
  }
  const readModel = definition.readModel;
  if (readModel) {
    if (!subscription) problems.push('readModel: needs a subscription to build it');
    wholeNumber(problems, 'readModel.version', readModel.version, 1);
    wholeNumber(problems, 'readModel.switchLagThreshold', readModel.switchLagThreshold, 0);
    if (!Array.isArray(readModel.migrations)) problems.push('readModel.migrations: must be a list');
  }
  const seen = new Set<string>();
  for (const route of definition.routes ?? []) {
    const key = `${route.method} ${route.path}`;
    if (typeof route.path !== 'string' || !route.path.startsWith('/')) problems.push(`routes: path of ${key} must start with '/'`);
    // Express would run the first and never the second: a duplicate is always a mistake.
    if (seen.has(key)) problems.push(`routes: ${key} is declared twice`);
    seen.add(key);
  }
  if (problems.length > 0) throw new DefinitionError(String(definition.name), problems);
}
