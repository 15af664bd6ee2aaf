// A second entry point (`@spillway/runtime/streams`): the names of the streams the runtime writes,
// for tools that read them (`spillway parked`) without loading express, pino and prom-client.
export { QUARANTINE_EVENT_TYPE, QUARANTINE_STREAM } from './event-store/tolerant-reader';
