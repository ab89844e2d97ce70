// What SOCKLAB_TRACE says keeps a finished command alive (util/open-handles.ts): a labelled
// engine stream by the call it serves, a request under way by its method and path.
import { request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeOpenHandles, labelHandle } from '../../src/util/open-handles.js';

const socketPath = join(mkdtempSync(join(tmpdir(), 'socklab-handles-')), 'engine.sock');
let server: Server | undefined;
const accepted: Socket[] = [];
afterEach(async () => {
  for (const socket of accepted.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A stand-in engine that accepts connections and never answers. */
const silentEngine = () =>
  new Promise<void>((resolve) => {
    server = createServer((socket) => accepted.push(socket)).listen(socketPath, resolve);
  });

describe('describeOpenHandles', () => {
  it('names a labelled stream by the call it serves', async () => {
    await silentEngine();
    const stream = labelHandle(connect(socketPath), "running 'tail' in sl-demo-a-abc123");
    await new Promise((resolve) => stream.once('connect', resolve));
    expect(describeOpenHandles()).toContain("engine stream (running 'tail' in sl-demo-a-abc123)");
    await new Promise((resolve) => stream.once('close', resolve).destroy());
    expect(describeOpenHandles()).not.toContain('sl-demo-a-abc123');
  });

  it('names a request under way by its method and path', async () => {
    await silentEngine();
    const pending = request({ socketPath, path: '/containers/sl-demo-a-abc123/wait', method: 'POST' });
    pending.on('error', () => undefined);
    pending.end();
    await new Promise((resolve) => pending.once('socket', (socket) => socket.once('connect', resolve)));
    expect(describeOpenHandles()).toContain('engine request POST /containers/sl-demo-a-abc123/wait');
    pending.destroy();
  });
});
