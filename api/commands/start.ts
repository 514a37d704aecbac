import type { Command } from 'commander';
import { ensureDatabase } from '../../storage/connection.js';
import { migrate } from '../../storage/migrations.js';
import { connectRedis } from '../../workers/redis.js';
import { buildServer } from '../server.js';
import { readSettings } from '../settings.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('create the database if missing, apply migrations, and serve the HTTP API')
    .action(async () => {
      const settings = readSettings();
      const redis = await connectRedis(settings.redisUrl);
      await ensureDatabase(settings.databaseUrl);
      const { version } = await migrate(settings.databaseUrl, { kind: 'up' });
      const app = await buildServer({ settings, redis });
      const address = await app.listen({ port: settings.port, host: settings.host });
      app.log.info({ version }, `TESS listening on ${address} (schema version ${version})`);
      const stop = async () => {
        await app.close();
        redis.disconnect();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
