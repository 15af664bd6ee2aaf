import { type EventStoreDBClient, PersistentSubscriptionDoesNotExistError, PersistentSubscriptionExistsError } from '@eventstore/db-client';
import type { Logger } from 'pino';
import { differingSettings, type GroupSettings } from './group-settings';

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

// Create and delete can race with other replicas and operators; a few rounds settle it.
const ENSURE_ATTEMPTS = 3;

async function create(client: EventStoreDBClient, group: string, declared: GroupSettings): Promise<void> {
  if (declared.kind === 'stream') await client.createPersistentSubscriptionToStream(declared.stream, group, declared.settings);
  else await client.createPersistentSubscriptionToAll(group, declared.settings, declared.filter ? { filter: declared.filter } : {});
}

async function info(client: EventStoreDBClient, group: string, declared: GroupSettings) {
  return declared.kind === 'stream'
    ? client.getPersistentSubscriptionToStreamInfo(declared.stream, group)
    : client.getPersistentSubscriptionToAllInfo(group);
}

async function update(client: EventStoreDBClient, group: string, declared: GroupSettings): Promise<void> {
  if (declared.kind === 'stream') await client.updatePersistentSubscriptionToStream(declared.stream, group, declared.settings);
  else await client.updatePersistentSubscriptionToAll(group, declared.settings);
}

/**
 * Makes the group exist with the declared settings: creates it, or updates it when its settings differ.
 * Replicas starting together all try to create; the losers see "already exists" and compare instead.
 */
export async function ensureGroup(client: EventStoreDBClient, group: string, declared: GroupSettings, log: Logger): Promise<EnsureOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await create(client, group, declared);
      log.info('created subscription group');
      return 'created';
    } catch (err) {
      if (!(err instanceof PersistentSubscriptionExistsError)) throw new Error(`creating subscription group '${group}'`, { cause: err });
    }
    try {
      const current = await info(client, group, declared);
      const differing = differingSettings(declared.settings, current.settings);
      if (differing.length === 0) return 'unchanged';
      await update(client, group, declared);
      log.info({ differing }, 'updated subscription group settings');
      return 'updated';
    } catch (err) {
      // Deleted between our create and our read: go round and create it again.
      if (err instanceof PersistentSubscriptionDoesNotExistError && attempt < ENSURE_ATTEMPTS) continue;
      throw new Error(`updating subscription group '${group}'`, { cause: err });
    }
  }
}
