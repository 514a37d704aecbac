import type { ApiContext, RateLimit } from '../context.js';
import type { TypedApp } from '../route-types.js';
import { registerAlerts } from './alerts.js';
import { registerCircuitState } from './circuit-state.js';
import { registerCredit } from './credit.js';
import { registerJobs } from './jobs.js';
import { registerLogs } from './logs.js';
import { registerSmsWebhook, type SmsWebhookOptions } from './sms-webhook.js';
import { registerGatewayTables } from './tables.js';
import { registerTokenBatches } from './token-batches.js';
import { TokenFailures } from './token-failures.js';

/** The prepaid gateway's routes, under /api/v1/gateway. */
export function registerGateway(
  app: TypedApp,
  ctx: ApiContext,
  options: {
    readonly creditTokenKey: string;
    readonly tokenFailureLimit?: RateLimit;
    readonly sms: SmsWebhookOptions;
  },
): void {
  registerGatewayTables(app, ctx);
  registerCircuitState(app, ctx);
  registerTokenBatches(app, ctx, options.creditTokenKey);
  registerCredit(app, ctx, options.creditTokenKey, new TokenFailures(options.tokenFailureLimit));
  registerLogs(app, ctx);
  registerAlerts(app, ctx);
  registerJobs(app, ctx);
  registerSmsWebhook(app, ctx.db, options.sms);
}
