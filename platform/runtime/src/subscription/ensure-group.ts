import {
  AccessDeniedError,
  type EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionExistsError,
} from '@eventstore/db-client';
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
    // A least-privilege function user may not create or update groups (the server gives that to
    // $ops and $admins): then the group must exist already, created by an operator.
    let mayManage = true;
    try {
      await create(client, group, declared);
      log.info('created subscription group');
      return 'created';
    } catch (err) {
      if (err instanceof AccessDeniedError) mayManage = false;
      else if (!(err instanceof PersistentSubscriptionExistsError))
        throw new Error(`creating subscription group '${group}'`, { cause: err });
    }
    let differing: string[];
    try {
      differing = differingSettings(declared.settings, (await info(client, group, declared)).settings);
    } catch (err) {
      if (err instanceof PersistentSubscriptionDoesNotExistError && !mayManage) {
        throw new Error(
          `subscription group '${group}' does not exist and this function's user may not create it: create it as a member of $ops or $admins first`,
          { cause: err },
        );
      }
      // Deleted between our create and our read: go round and create it again.
      if (err instanceof PersistentSubscriptionDoesNotExistError && attempt < ENSURE_ATTEMPTS) continue;
      throw new Error(`reading subscription group '${group}'`, { cause: err });
    }
    if (differing.length === 0) return 'unchanged';
    if (!mayManage) {
      log.warn({ differing }, 'subscription group settings differ from the declared ones; this user may not update them');
      return 'unchanged';
    }
    try {
      await update(client, group, declared);
      log.info({ differing }, 'updated subscription group settings');
      return 'updated';
    } catch (err) {
      if (err instanceof PersistentSubscriptionDoesNotExistError && attempt < ENSURE_ATTEMPTS) continue;
      throw new Error(`updating subscription group '${group}'`, { cause: err });
    }
  }
}
