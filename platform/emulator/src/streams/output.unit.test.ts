import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { Output } from './output';

/** A server-streaming call whose client has stopped reading: every write reports a full queue. */
class StalledCall extends EventEmitter {
  cancelled = false;
  writableLength = 10_000;
  readonly written: unknown[] = [];
  ended = false;
  write(message: unknown): boolean {
    this.written.push(message);
    return false;
  }
  end(): void {
    this.ended = true;
  }
}

describe('Output', () => {
  test('a client cancel releases a writer waiting for drain, and nothing more is written', async () => {
    const call = new StalledCall();
    const output = new Output<string>(call as unknown as grpc.ServerWritableStream<unknown, string>);
    const closed = jest.fn();
    output.onClose(closed);
    const waiting = output.write('first');
    call.cancelled = true;
    call.emit('cancelled');
    await waiting;
    expect(output.open).toBe(false);
    expect(closed).toHaveBeenCalledTimes(1);
    await output.write('second');
    output.end();
    expect(call.written).toEqual(['first']);
    expect(call.ended).toBe(false);
  });
});
