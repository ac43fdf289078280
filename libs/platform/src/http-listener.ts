import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export type RequestHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DrainResult {
  /** Requests still running when the deadline came; they were cut off. */
  readonly cutOff: number;
}

export interface HttpListener {
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, lets accepted requests finish until the deadline, then destroys what is left. */
  close(deadlineMs: number, onDeadline?: () => void): Promise<DrainResult>;
  /** Requests accepted and not yet answered. */
  readonly inFlight: number;
}

// Node's `allowHTTP1` only works with TLS (ALPN picks the protocol). In cleartext, gRPC clients speak
// HTTP/2 with prior knowledge, so one port serves both by looking at the first bytes: HTTP/2 opens
// with the "PRI * HTTP/2.0" preface, which no HTTP/1.1 request can start with.
const h2Preface = Buffer.from('PRI ');
const sniffTimeoutMs = 10_000;
const deadlineGraceMs = 250;

/** One TCP port serving HTTP/2 cleartext (gRPC, Connect, gRPC-Web) and HTTP/1.1 (curl, browsers). */
export function createHttpListener(handler: RequestHandler): HttpListener {
  const tcp = net.createServer();
  const h2 = http2.createServer();
  const h1 = http.createServer();
  // An idle HTTP/1.1 connection is closed by its client first: Node's default 5 s races fetch (undici), which
  // keeps a socket about 4 s and may send a request on it just as the server closes it ("other side closed").
  // Envoy speaks HTTP/2 to the services, so this concerns direct HTTP/1.1 clients (tests, curl, development).
  h1.keepAliveTimeout = 65_000;
  const sessions = new Set<http2.ServerHttp2Session>();
  const sniffing = new Set<net.Socket>();
  const h1Active = new Map<net.Socket, number>(); // requests running on each HTTP/1.1 connection
  let inFlight = 0;
  let draining = false;

  const track: RequestHandler = (req, res) => {
    inFlight += 1;
    const h1Socket = req.httpVersionMajor === 1 ? req.socket : undefined;
    if (h1Socket !== undefined) {
      h1Active.set(h1Socket, (h1Active.get(h1Socket) ?? 0) + 1);
      // While draining, Node's HTTP/1.1 server closes the connection after this response.
      if (draining && !res.headersSent) res.setHeader('connection', 'close');
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
      if (h1Socket === undefined) return;
      if (h1Socket.destroyed) return void h1Active.delete(h1Socket);
      const left = (h1Active.get(h1Socket) ?? 1) - 1;
      h1Active.set(h1Socket, left);
      // A keep-alive connection whose response began before the drain: close it once it is idle.
      if (draining && left === 0) setImmediate(() => closeIfIdle(h1Socket));
    };
    res.once('finish', finish);
    res.once('close', finish);
    handler(req, res);
  };
  h2.on('request', track);
  h1.on('request', track);
  // Requests Node's HTTP/1.1 parser refuses before any handler sees them (a malformed request line or
  // Content-Length, headers too large, a header timeout) get the same JSON error envelope as every other
  // refusal, instead of Node's bare status line.
  h1.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) return void socket.destroy();
    const [status, code] = clientErrorStatus(error.code);
    const body = JSON.stringify({ error: { code, message: 'the request could not be parsed', details: [] } });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });

  const closeIfIdle = (socket: net.Socket) => {
    if ((h1Active.get(socket) ?? 0) === 0) socket.destroy();
  };

  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    if (draining) session.close();
  });

  tcp.on('connection', (socket) => {
    socket.on('error', () => {}); // the protocol servers report their own errors; a reset socket must not crash the process
    if (draining) return void socket.destroy();
    sniffing.add(socket);
    socket.setTimeout(sniffTimeoutMs, () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length < h2Preface.length) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(head);
      sniffing.delete(socket);
      if (head.subarray(0, h2Preface.length).equals(h2Preface)) {
        h2.emit('connection', socket);
      } else {
        h1Active.set(socket, 0);
        socket.once('close', () => h1Active.delete(socket));
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => sniffing.delete(socket));
  });

  return {
    get inFlight() {
      return inFlight;
    },

    listen(port, host) {
      return new Promise((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve((tcp.address() as net.AddressInfo).port);
        });
      });
    },

    async close(deadlineMs, onDeadline) {
      draining = true;
      // net.Server#close calls back once every accepted connection has ended: that is "drained".
      const allClosed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of sniffing) socket.destroy(); // no request seen yet: nothing accepted
      for (const session of sessions) session.close(); // GOAWAY: running streams finish, no new ones
      for (const [socket, active] of h1Active) if (active === 0) socket.destroy();

      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
      const outcome = await Promise.race([allClosed.then(() => 'drained' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'drained') return { cutOff: 0 };

      const cutOff = inFlight;
      onDeadline?.(); // lets handlers see their signal abort and answer before the connections go
      await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, deadlineGraceMs))]);
      for (const session of sessions) session.destroy();
      for (const socket of h1Active.keys()) socket.destroy();
      await allClosed;
      return { cutOff };
    },
  };
}

function clientErrorStatus(code: string | undefined): [number, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout'];
  return [400, 'invalid_request'];
}
