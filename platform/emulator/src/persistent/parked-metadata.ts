const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * `DateTime.Now` as Newtonsoft's IsoDateFormat writes it: local wall-clock time, the fraction
 * with trailing zeros trimmed (gone when zero), and the local offset (`2024-05-01T10:00:00.12+00:00`).
 */
export function dotnetLocalTime(date: Date): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const fraction = pad(local.getUTCMilliseconds(), 3).replace(/0+$/, '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local.toISOString().slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The metadata of a parked link, as EventStoreDB's PersistentSubscriptionMessageParker writes its
 * ParkedMessageMetadata through `ToJson()` (EventStore.Common/Utils/Json.cs): indented, camelCase,
 * and with default values left out, so `subscriptionEventNumber` is absent for event number 0.
 */
export function parkedMessageMetadata(added: Date, reason: string, subscriptionEventNumber: bigint): string {
  const metadata: Record<string, unknown> = { added: dotnetLocalTime(added), reason };
  if (subscriptionEventNumber !== 0n) metadata.subscriptionEventNumber = Number(subscriptionEventNumber);
  return JSON.stringify(metadata, null, 2);
}
