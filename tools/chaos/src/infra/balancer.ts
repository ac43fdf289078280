import net from 'node:net';

export interface Balancer {
  /** The balancer's port on 127.0.0.1: what clients are pointed at instead of a replica. */
  port: number;
  /** Connections handed to each target so far, by target port. */
  connections(): Record<number, number>;
  close(): Promise<void>;
}

/**
 * A kube-proxy Service in small: each new TCP connection goes to the next target in turn, skipping targets
 * that refuse it (a replica that died), and is then piped both ways as it is. Balancing is per connection,
 * so a client's HTTP/2 session stays on one replica until that replica goes away and the client reconnects.
 * When no target accepts, the client's connection is reset, as a Service with no ready endpoint would.
 */
export async function startBalancer(targetPorts: readonly number[], host = '127.0.0.1'): Promise<Balancer> {
  let next = 0;
  const open = new Set<net.Socket>();
  const handed: Record<number, number> = Object.fromEntries(targetPorts.map((p) => [p, 0]));

  const connectAny = (attempt: number, onConnected: (upstream: net.Socket) => void, onNone: () => void): void => {
    if (attempt >= targetPorts.length) return onNone();
    const port = targetPorts[next++ % targetPorts.length]!;
    const upstream = net.connect(port, host);
    const refused = () => connectAny(attempt + 1, onConnected, onNone);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      handed[port]! += 1;
      onConnected(upstream);
    });
  };

  const server = net.createServer((client) => {
    open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => open.delete(client));
    // Until a target accepts, what the client sends waits in its socket: nothing reads it yet.
    connectAny(
      0,
      (upstream) => {
        if (client.destroyed) return void upstream.destroy();
        open.add(upstream);
        upstream.on('error', () => undefined);
        // Transparent, as kube-proxy's NAT is: an end is passed on as an end (pipe), a reset as a reset.
        upstream.once('close', (hadError) => {
          open.delete(upstream);
          if (client.destroyed) return;
          if (hadError) client.resetAndDestroy();
          else client.end();
        });
        client.once('close', (hadError) => {
          if (upstream.destroyed) return;
          if (hadError) upstream.resetAndDestroy();
          else upstream.end();
        });
        client.pipe(upstream).pipe(client);
      },
      () => client.resetAndDestroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => ({ ...handed }),
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
