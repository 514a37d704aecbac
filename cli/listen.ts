import type { FastifyInstance } from 'fastify';
import { ErrorCode, TessError } from '../engine/errors.js';
import type { Settings } from './settings.js';

/**
 * Starts serving on PORT and HOST. An address the process cannot have is the user's to
 * change, so it is one line naming the setting (a second `npm start` is the usual cause),
 * not the socket's stack trace.
 */
export async function listen(
  app: FastifyInstance,
  settings: Pick<Settings, 'port' | 'host'>,
): Promise<string> {
  const { port, host } = settings;
  try {
    return await app.listen({ port, host });
  } catch (err) {
    const code = (err as { code?: string } | null)?.code;
    const because = (text: string) => new TessError(ErrorCode.UNAVAILABLE, text, { cause: err });
    if (code === 'EADDRINUSE') {
      throw because(
        `port ${port} on ${host} is in use (EADDRINUSE), probably by another TESS; stop it, or set PORT to a free port`,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw because(
        `HOST ${host} is not an address of this machine (${code}); set HOST to one, or to 0.0.0.0`,
      );
    }
    throw err;
  }
}
