import type * as grpc from '@grpc/grpc-js';
import { type RpcError, sendError } from '../server/errors';

/**
 * Messages queued on the call before a writer waits for it to drain. grpc-js streams have an
 * object high-water mark of 16, and waiting at each one makes a catch-up pay a socket round
 * per 16 events; a deeper queue keeps the socket busy while still bounding memory.
 */
const MAX_QUEUED_MESSAGES = 512;

/**
 * The sending side of a server-streaming call: writes that wait for the client to drain
 * (so a long catch-up never buffers the whole log), and one place that knows when the call
 * is over — cancelled by the client or stopped by the server closing.
 */
export class Output<T> {
  private finished = false;
  private readonly closeListeners = new Set<() => void>();

  constructor(private readonly call: grpc.ServerWritableStream<unknown, T>) {
    call.on('cancelled', () => this.finish());
    call.on('close', () => this.finish());
  }

  get open(): boolean {
    return !this.finished && !this.call.cancelled;
  }

  /** Registers a callback for when the call ends; returns its removal. */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async write(message: T): Promise<void> {
    if (!this.open) return;
    if (this.call.write(message) || this.call.writableLength < MAX_QUEUED_MESSAGES) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.call.off('drain', done);
        remove();
        resolve();
      };
      const remove = this.onClose(done);
      this.call.once('drain', done);
    });
  }

  end(): void {
    if (!this.open) return;
    this.finish();
    this.call.end();
  }

  fail(error: RpcError): void {
    if (!this.open) return;
    this.finish();
    sendError(this.call, error);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const listener of [...this.closeListeners]) listener();
    this.closeListeners.clear();
  }
}
