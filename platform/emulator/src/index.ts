export type { ServiceModule, SupportedMethod } from './service-module';
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
