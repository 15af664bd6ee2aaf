import { BusinessRuleError, NotFoundError } from '../errors/errors';
import { deciderSpec } from './decider-spec';

type Command = { type: 'Add'; n: number } | { type: 'Reset' };
type Event = { type: 'Added'; n: number } | { type: 'WasReset' };

const counter = {
  initialState: () => 0,
  evolve: (state: number, event: Event) => (event.type === 'Added' ? state + event.n : 0),
  decide(command: Command, state: number): Event[] {
    if (command.type === 'Reset') {
      if (state === 0) throw new NotFoundError('nothing to reset');
      return [{ type: 'WasReset' }];
    }
    if (state + command.n > 10) throw new BusinessRuleError('TOO_MUCH', 'the counter stops at 10');
    return [{ type: 'Added', n: command.n }];
  },
};

const spec = deciderSpec(counter);

describe('deciderSpec', () => {
  test('then passes when the events match', () => {
    spec
      .given([{ type: 'Added', n: 2 }])
      .when({ type: 'Add', n: 3 })
      .then([{ type: 'Added', n: 3 }]);
  });

  test('then fails with a diff when they do not', () => {
    expect(() =>
      spec
        .given([])
        .when({ type: 'Add', n: 3 })
        .then([{ type: 'Added', n: 4 }]),
    ).toThrow(/Expected values to be strictly deep-equal/);
  });

  test('thenThrows passes on the right class and code, fails otherwise', () => {
    spec
      .given([{ type: 'Added', n: 9 }])
      .when({ type: 'Add', n: 2 })
      .thenThrows(BusinessRuleError, 'TOO_MUCH');
    expect(() =>
      spec
        .given([{ type: 'Added', n: 9 }])
        .when({ type: 'Add', n: 2 })
        .thenThrows(BusinessRuleError, 'OTHER'),
    ).toThrow('expected code OTHER, got TOO_MUCH');
    expect(() => spec.given([]).when({ type: 'Reset' }).thenThrows(BusinessRuleError)).toThrow('expected BusinessRuleError');
    expect(() => spec.given([]).when({ type: 'Add', n: 1 }).thenThrows(BusinessRuleError)).toThrow(
      'expected BusinessRuleError, but the command produced',
    );
  });
});
