import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createGossipModule } from '../gossip/module';
import { createOperationsModule } from '../operations/module';
import { createPersistentSubscriptionsModule } from '../persistent/module';
import { type RunProjections, startProjections } from '../projections/run-projections';
import type { ServiceModule, SupportedMethod } from '../service-module';
import { openStore } from '../store/open-store';
import { createStreamsModule } from '../streams/module';
import { createUsersModule } from '../users/grpc-service';
import { UserDirectory } from '../users/user-directory';
import { authenticationCheck, OPEN_ACCESS, userAccessControl } from './access-control';
import { type EmulatorUser, requireAuthentication, requireCredentials, rolesOf } from './auth';
import { CallTracker } from './call-tracker';
import { errors } from './errors';
import { createServerFeaturesModule } from './server-features';
import { writeStartEvents } from './start-events';

export interface EmulatorOptions {
  /** Interface to listen on; 127.0.0.1 by default. */
  readonly host?: string;
  /**
   * 0 (a free port, read it back from the result) by default, so that tests and embedded
   * uses never collide; `spillway emulator` uses EventStoreDB's 2113 (DEFAULT_PORT).
   */
  readonly port?: number;
  /** Folder of the durable log. Without it (or with `memory: true`) nothing outlives the process. */
  readonly dataDir?: string;
  readonly memory?: boolean;
  /** Serve TLS with this certificate and key (PEM) instead of plaintext. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Require Basic-auth credentials of one of these users on every call but ServerFeatures (needs `tls`). */
  readonly users?: readonly EmulatorUser[];
  /**
   * Run as a secure node (needs `tls`): users stored in `$user-<login>` streams (built-in `admin`
   * and `ops`, password `changeit`, plus `users`, created on first start), the Users service,
   * stream ACLs (`$acl` metadata and `$settings` defaults) and the server's roles enforced.
   */
  readonly auth?: boolean;
  /**
   * Hears what opening the durable log dropped (a torn tail, saved beside the log); stderr
   * by default. A damaged log is not dropped: startEmulator rejects with a LogDamagedError.
   */
  readonly warn?: (message: string) => void;
  /**
   * Which projections run, as the server's `--run-projections`: `system` (the default here) runs
   * the standard projections (`$by_category`, `$by_event_type`, `$streams`, `$stream_by_category`),
   * `none` runs nothing, `all` also allows user-defined projections.
   */
  readonly runProjections?: RunProjections;
  /**
   * The server's MaxAppendSize: bytes (event types, data and metadata) one append may carry;
   * 1,048,576 by default. A larger append fails with MaximumAppendSizeExceeded.
   */
  readonly maxAppendSize?: number;
}

export interface Emulator {
  /** e.g. `esdb://127.0.0.1:2113?tls=false`, ready for EventStoreDBClient.connectionString. */
  readonly connectionString: string;
  readonly port: number;
  /**
   * Stops: appends in flight are finished (durable and answered), then every open call ends
   * with UNAVAILABLE, then the log is flushed and closed.
   */
  close(): Promise<void>;
  /** Resolves once the emulator has stopped, by close() or by an Operations.Shutdown call. */
  readonly stopped: Promise<void>;
}

/** EventStoreDB's port, which `spillway emulator` listens on by default. */
export const DEFAULT_PORT = 2113;
/** Long enough for in-flight appends to be answered, short enough for a prompt exit. */
const SHUTDOWN_GRACE_MS = 2_000;
/** Above EventStoreDB's 1 MiB append limit, so an oversized append gets its proper error rather than a transport one. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Room for an append's framing (ids, names, options) around the events MaxAppendSize counts. */
const MESSAGE_OVERHEAD_BYTES = 1024 * 1024;

/**
 * The address Gossip tells clients to connect to: the listening host, or loopback when the
 * emulator listens on every interface (the server's advertise-host-to-client-as default is
 * the address it binds; a wildcard cannot be connected to).
 */
function advertisedHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Starts the EventStoreDB-compatible server. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  if (options.dataDir !== undefined && options.memory === true) {
    throw new TypeError('startEmulator: give either dataDir or memory: true, not both');
  }
  if (((options.users && options.users.length > 0) || options.auth) && !options.tls) {
    // EventStoreDB's insecure mode disables authentication, and @eventstore/db-client sends no
    // credentials without TLS: users without TLS would refuse every call.
    throw new TypeError('startEmulator: users need tls, and so does auth (without TLS the client sends no credentials)');
  }
  if (options.maxAppendSize !== undefined && (!Number.isSafeInteger(options.maxAppendSize) || options.maxAppendSize <= 0)) {
    throw new TypeError(`startEmulator: maxAppendSize must be a positive integer, got ${options.maxAppendSize}`);
  }
  const host = options.host ?? '127.0.0.1';
  const memory = options.memory === true || options.dataDir === undefined;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`emulator: ${message}\n`));
  const store = await openStore(memory ? { memory: true } : { dataDir: options.dataDir! }, { warn });
  /** This run's node identity (a real node's InstanceId): in the epoch record and in Gossip. */
  const instanceId = randomUUID();
  try {
    await writeStartEvents(store, instanceId);
  } catch (error) {
    await store.close();
    throw error;
  }
  let directory: UserDirectory | undefined;
  if (options.auth) {
    directory = new UserDirectory(store);
    try {
      await directory.load();
      for (const user of options.users ?? []) {
        if (!directory.list().some((u) => u.loginName === user.username))
          await directory.create(user.username, user.username, [], user.password);
      }
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  const access = directory ? userAccessControl(store, directory) : OPEN_ACCESS;
  const projections = startProjections(store, options.runProjections ?? 'system', access);

  const modules: ServiceModule[] = [];
  const calls = new CallTracker();
  let server: grpc.Server | undefined;
  let closing: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  const close = (): Promise<void> => {
    closing ??= shutdown(server!, modules, calls, async () => {
      await projections.close();
      await store.close();
    }).finally(resolveStopped);
    return closing;
  };
  try {
    const guard = (module: ServiceModule) =>
      calls.track(directory ? requireAuthentication(module, authenticationCheck(directory)) : requireCredentials(module, options.users));
    modules.push(guard(createStreamsModule(store, { maxAppendSize: options.maxAppendSize, access })));
    const persistent = await createPersistentSubscriptionsModule(store, { memory, access });
    if (directory) modules.push(guard(createUsersModule(directory, access)));
    if (persistent) modules.push(guard(persistent));
    modules.push(guard(projections.module));
    modules.push(
      guard(
        createOperationsModule({
          // Secure node: the caller's groups; users without auth: the built-in names; neither: open.
          authorize: (metadata, roles) =>
            access.enabled
              ? access.checkRole(metadata, roles) === undefined
              : !options.users?.length || roles.some((role) => rolesOf(metadata).includes(role)),
          shutdown: () => void close(),
          restartPersistentSubscriptions: async () => {
            await persistent?.restartSubsystem();
          },
        }),
      ),
    );
    let boundPort = 0;
    // Gossip and ServerFeatures answer anonymous callers, as on the server.
    modules.push(createGossipModule({ instanceId, address: () => ({ host: advertisedHost(host), port: boundPort }) }));
    const advertised = (): SupportedMethod[] => modules.flatMap((m) => m.methods);
    modules.push(createServerFeaturesModule(advertised));

    const messageBytes = Math.max(MAX_MESSAGE_BYTES, (options.maxAppendSize ?? 0) + MESSAGE_OVERHEAD_BYTES);
    server = new grpc.Server({
      'grpc.max_receive_message_length': messageBytes,
      'grpc.max_send_message_length': messageBytes,
    });
    for (const module of modules) server.addService(module.definition, module.implementation);
    const credentials = options.tls
      ? grpc.ServerCredentials.createSsl(
          null,
          [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
          false,
        )
      : grpc.ServerCredentials.createInsecure();
    const s = server;
    const port = await new Promise<number>((resolve, reject) => {
      s.bindAsync(`${hostForUrl(host)}:${options.port ?? 0}`, credentials, (error, bound) => {
        if (error) reject(new Error(`emulator: cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error }));
        else resolve(bound);
      });
    });
    boundPort = port;
    return {
      connectionString: `esdb://${hostForUrl(host)}:${port}?tls=${options.tls ? 'true' : 'false'}`,
      port,
      close,
      stopped,
    };
  } catch (error) {
    server?.forceShutdown();
    await Promise.allSettled(modules.map((m) => m.close()));
    await projections.close();
    await store.close();
    throw error;
  }
}

/**
 * Stops as the real server does: what was accepted is finished first (appends in flight become
 * durable and are answered), then every open call is aborted with UNAVAILABLE (clients reject
 * what is pending, or reconnect), then services release what they hold, the server stops
 * listening, and the log is flushed and closed.
 */
async function shutdown(
  server: grpc.Server,
  modules: readonly ServiceModule[],
  calls: CallTracker,
  closeStore: () => Promise<void>,
): Promise<void> {
  await Promise.allSettled(modules.map((m) => m.drain?.()));
  calls.abortAll(errors.unavailable('Server is shutting down.'));
  await Promise.allSettled(modules.map((m) => m.close()));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  await closeStore();
}
