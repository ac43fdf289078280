import net from 'node:net';

export interface TcpProxy {
  /** The proxy's own port on 127.0.0.1: point the client here instead of at the server. */
  port: number;
  /** Cuts every open connection (RST) and resets every new one until `restore()`: the server "went away". */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real server, for outages that touch only one test's connections: a test file
 * takes "its" PostgreSQL away without restarting the server every other test file shares. While cut, the
 * proxy resets connections the way a server that restarts does (clients see ECONNRESET / "Connection
 * terminated unexpectedly"), and connects are reset at once.
 */
export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.resetAndDestroy();
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    open.add(client).add(upstream);
    const end = (socket: net.Socket) => () => {
      open.delete(socket);
      if (!socket.destroyed) socket.resetAndDestroy();
    };
    client.on('error', () => undefined).on('close', end(upstream));
    upstream.on('error', () => undefined).on('close', end(client));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    down = true;
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    restore() {
      down = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same PostgreSQL URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: Pick<TcpProxy, 'port'>): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
