import type { PolicyName } from '../annotations/annotations';
import { decideByDrainTime } from './drain-time-policy';
import { decideByLag } from './lag-policy';
import type { Policy } from './policy';

export function choosePolicy(name: PolicyName): Policy {
  switch (name) {
    case 'lag':
      return decideByLag;
    case 'drain-time':
      return decideByDrainTime;
    default: {
      const unknown: never = name;
      throw new Error(`unknown policy ${String(unknown)}`);
    }
  }
}
