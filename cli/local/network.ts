import { connect, createServer } from 'node:net';

/** How long an address may take to accept a connection before it counts as silent. */
const PROBE_MS = 1_000;

/**
 * Whether anything accepts a TCP connection at the URL's host and port. Only that: a
 * server that answers but refuses us is the normal path's error to report, not a reason
 * to start another one.
 */
export function answers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(u.port) || defaultPort;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A loopback port nothing listens on: `preferred` when it is free, else one the system picks. */
export async function freePort(preferred?: number): Promise<number> {
  if (preferred) {
    const port = await listenOn(preferred);
    if (port) return port;
  }
  const port = await listenOn(0);
  if (!port) throw new Error('no free port on 127.0.0.1');
  return port;
}
