import t from 'tap';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { EventBus } from '../../gateway/core/event-bus.ts';
import { FloorState } from '../../dashboard/floor-state.ts';
import { FloorEventStream } from '../../dashboard/floor-event-stream.ts';
import { alert, testLayout } from './floor-fixture.ts';

/** A response that records writes and lets the test pretend the socket stopped draining. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  write(c: string): boolean {
    this.chunks.push(c);
    return true;
  }
  end(): void {
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function setup(maxBufferedBytes = 1000) {
  const bus = new EventBus();
  const floor = new FloorState({ layout: testLayout(), bus });
  const res = new FakeResponse();
  const stream = new FloorEventStream(floor, res as unknown as ServerResponse, { heartbeatMs: 60_000, coalesceMs: 60_000, maxBufferedBytes });
  return { bus, floor, res, stream };
}

t.test('each message is one event line followed by one data line of JSON', async (t) => {
  const { bus, res, stream } = setup();
  t.teardown(() => stream.close());
  bus.emit('alert', alert('a1', 0, 'active', { kind: 'multi\nline' }));
  t.equal(res.chunks[0], 'retry: 2000\n\n');
  t.match(res.chunks[1], /^event: snapshot\ndata: \{.*\}\n\n$/s);
  const last = res.chunks.at(-1)!;
  t.match(last, /^event: alert\ndata: [^\n]+\n\n$/, 'a newline inside a value cannot split the message');
  t.equal(JSON.parse(last.split('\n')[1]!.slice(6)).kind, 'multi\nline');
});

t.test('a client that stops draining is dropped instead of buffering without bound', async (t) => {
  const { bus, floor, res, stream } = setup();
  let closed = 0;
  stream.onClose(() => closed++);
  res.writableLength = 5000;
  bus.emit('alert', alert('a1', 0, 'active'));
  t.ok(res.destroyed, 'socket destroyed');
  t.equal(closed, 1);
  t.equal((floor as unknown as { listeners: Set<unknown> }).listeners.size, 0, 'unsubscribed from the floor');
  const n = res.chunks.length;
  bus.emit('alert', alert('a2', 0, 'active'));
  t.equal(res.chunks.length, n, 'nothing more written');
});

t.test('the socket closing ends the stream once', async (t) => {
  const { res, stream } = setup();
  let closed = 0;
  stream.onClose(() => closed++);
  res.emit('close');
  stream.close();
  t.equal(closed, 1);
  t.ok(res.writableEnded);
  t.throws(() => new FloorEventStream(new FloorState({ layout: testLayout(), bus: new EventBus() }), res as unknown as ServerResponse, { heartbeatMs: 0 }), /heartbeatMs/);
});
