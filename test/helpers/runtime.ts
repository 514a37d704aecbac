import pino from 'pino';
import type { Database } from '../../storage/index.js';
import { Runtime, type RuntimeOptions } from '../../workers/runtime.js';
import { redisUrl } from './server-url.js';

/**
 * A market runtime for a test: one clearing thread, a short grace and a quick scheduler,
 * on the test's own queue prefix; quiet unless something goes wrong.
 */
export function startTestRuntime(
  db: Database,
  prefix: string,
  overrides: Partial<RuntimeOptions> = {},
): Promise<Runtime> {
  return Runtime.start({
    db,
    redisUrl: redisUrl(),
    log: pino({ level: 'warn' }),
    prefix,
    threads: 1,
    graceMs: 50,
    syncMs: 200,
    ...overrides,
  });
}
