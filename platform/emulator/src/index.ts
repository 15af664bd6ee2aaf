export type { EmulatorUser } from './server/auth';
export { checkCredentials, requireCredentials } from './server/auth';
export type { RpcError } from './server/errors';
export { errors, isRpcError, replyError, rpcError, sendError } from './server/errors';
export type { Emulator, EmulatorOptions } from './server/start-emulator';
export { DEFAULT_PORT, startEmulator } from './server/start-emulator';
export type { ServiceModule, SupportedMethod } from './service-module';
export { LOG_FILE, LogDamagedError } from './store/log-check';
export type { LogRepair, LogVerdict } from './store/log-repair';
export { repairLog, verifyLog } from './store/log-repair';
export { createMemoryStore } from './store/memory-store';
export type {
  AppendOutcome,
  DeleteOutcome,
  ExpectedState,
  ProposedEvent,
  RecordedEvent,
  Store,
  StreamState,
} from './store/store';
// Test support for TLS set-ups in other packages' tests.
export { writeSelfSignedCert } from './testing/self-signed-cert';
