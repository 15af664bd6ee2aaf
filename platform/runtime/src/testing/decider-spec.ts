import { deepStrictEqual } from 'node:assert/strict';

/** A pure decider, as STYLE.md describes it: no I/O, no clock (the command carries `now`). */
export interface Decider<C, E, S> {
  decide(command: C, state: S): readonly E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

// biome-ignore lint/suspicious/noExplicitAny: any error class, whatever its constructor takes.
type ErrorClass = abstract new (...args: any[]) => Error;

export interface DeciderThen<E> {
  /** Asserts the command produced exactly these events, in order. */
  then(expected: readonly E[]): void;
  /** Asserts the command was refused with this error class (and, when given, this `code`). */
  thenThrows(errorClass: ErrorClass, code?: string): void;
}

/**
 * given / when / then for deciders: `deciderSpec(decider).given([events]).when(command).then([events])`.
 * A mismatch throws an AssertionError with a diff, so it works in any test runner.
 */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C): DeciderThen<E> {
          const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
          return {
            // biome-ignore lint/suspicious/noThenProperty: see DeciderThen.
            then(expected) {
              deepStrictEqual(run(), expected);
            },
            thenThrows(errorClass, code) {
              let caught: unknown;
              try {
                const events = run();
                caught = new Error(`expected ${errorClass.name}, but the command produced ${JSON.stringify(events)}`);
                throw caught;
              } catch (err) {
                if (err === caught) throw err;
                if (!(err instanceof errorClass)) throw new Error(`expected ${errorClass.name}, got ${String(err)}`, { cause: err });
                const actual = (err as { code?: unknown }).code;
                if (code !== undefined && actual !== code) throw new Error(`expected code ${code}, got ${String(actual)}`);
              }
            },
          };
        },
      };
    },
  };
}
