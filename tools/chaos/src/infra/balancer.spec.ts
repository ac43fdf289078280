import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { findFreePort } from '@omtobe/testing';
import { startBalancer, type Balancer } from './balancer.ts';

/** A TCP server that answers every line with its own name. */
async function namedServer(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => socket.write(name));
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects through the balancer, sends one line and returns the answer, or the error code. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('who\n'));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('close', () => resolve('closed'));
  });
}

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

describe('startBalancer', () => {
  it('hands new connections to the targets in turn', async () => {
    const a = await namedServer('a');
    const b = await namedServer('b');
    const balancer: Balancer = await startBalancer([a.port, b.port]);
    closing.push(a.close, b.close, balancer.close);

    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(balancer.port));

    expect(answers).toEqual(['a', 'b', 'a', 'b']);
    expect(balancer.connections()).toEqual({ [a.port]: 2, [b.port]: 2 });
  });

  it('skips a target that refuses, and resets the client when none accepts', async () => {
    const a = await namedServer('a');
    const dead = await findFreePort();
    const balancer = await startBalancer([dead, a.port]);
    closing.push(a.close, balancer.close);

    expect([await ask(balancer.port), await ask(balancer.port)]).toEqual(['a', 'a']);

    await a.close();
    expect(await ask(balancer.port)).toBe('ECONNRESET');
  });
});
