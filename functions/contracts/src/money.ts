import { z } from 'zod';

// The ISO 4217 codes this Node build knows (full ICU ships with Node), so "known
// currency" means one list maintained upstream rather than a hand-kept copy.
const knownCurrencies: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Largest unit price accepted; keeps every total an exact integer number of cents. */
const MAX_UNIT_PRICE = 1_000_000;

export const CurrencyCode = z.string().refine((code) => knownCurrencies.has(code), 'must be a known ISO 4217 currency code, e.g. EUR');

/** A non-negative amount with at most two decimals. */
export const Price = z
  .number()
  .nonnegative('must not be negative')
  .max(MAX_UNIT_PRICE, `must be at most ${MAX_UNIT_PRICE}`)
  .refine(
    (value) => Number.isInteger(Math.round(value * 100)) && Math.abs(value * 100 - Math.round(value * 100)) < 1e-6,
    'at most 2 decimals',
  );

/** Amounts are summed in integer cents so that 0.1 + 0.2 is 0.30, not 0.30000000000000004. */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}
