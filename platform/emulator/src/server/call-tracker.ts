/**
 * Every open streaming call the emulator serves, so that shutdown can end each one as the real
 * server does when it stops: with UNAVAILABLE, which clients turn into a rejection of whatever
 * was pending (or a reconnect), never with a clean end that leaves them waiting for answers
 * that will not come (ClusterVNode shutdown aborts the gRPC host's calls).
 */
import type * as grpc from '@grpc/grpc-js';
import type { ServiceModule } from '../service-module';
import { type RpcError, sendError } from './errors';

type StreamingCall = grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;
type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | StreamingCall;

export class CallTracker {
  private readonly open = new Set<StreamingCall>();
  private aborted: RpcError | undefined;

  /** The module with every server-streaming and bidirectional handler registering its calls here. */
  track(module: ServiceModule): ServiceModule {
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [name, method] of Object.entries(module.definition)) {
      const handler = module.implementation[name];
      if (!handler) continue;
      if (!method.responseStream) {
        implementation[name] = handler;
        continue;
      }
      implementation[name] = ((call: StreamingCall) => {
        if (this.aborted) {
          sendError(call, this.aborted);
          return;
        }
        this.open.add(call);
        const forget = () => this.open.delete(call);
        call.on('finish', forget);
        call.on('close', forget);
        call.on('cancelled', forget);
        (handler as (call: AnyCall) => void)(call);
      }) as grpc.UntypedHandleCall;
    }
    return { ...module, implementation };
  }

  /** Ends every open call with `error`, and any call that starts from now on. */
  abortAll(error: RpcError): void {
    this.aborted = error;
    for (const call of [...this.open]) {
      this.open.delete(call);
      // A second status on a call is ignored by grpc-js (it counts as cancelled once one is sent).
      sendError(call, error);
    }
  }
}
