import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of the market runtime. One registry per process; the HTTP server
 * exposes it at /metrics next to its own request metrics.
 */
export const registry = new Registry();

export const clearingSeconds = new Histogram({
  name: 'tess_clearing_seconds',
  help: 'Time from reading an interval to committing its result, by phase',
  labelNames: ['phase'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const ordersPerInterval = new Histogram({
  name: 'tess_orders_per_interval',
  help: 'Orders cleared per market interval',
  buckets: [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
  registers: [registry],
});

export const intervalsCleared = new Counter({
  name: 'tess_intervals_cleared_total',
  help: 'Market intervals cleared by this process, by clearing type',
  labelNames: ['type'] as const,
  registers: [registry],
});

export const intervalsFailed = new Counter({
  name: 'tess_intervals_failed_total',
  help: 'Market intervals recorded as FAILURE (could not be cleared) by this process; each is logged with its reason',
  registers: [registry],
});

export const ordersLeftOut = new Counter({
  name: 'tess_orders_rejected_total',
  help: 'Orders left out of a book at clearing (beyond the order limits, or not representable by the engine)',
  registers: [registry],
});

export const meterReadingsUnsettled = new Counter({
  name: 'tess_meter_readings_unsettled_total',
  help: 'Meter reading versions settlement could not book (recorded in meter_failure and skipped)',
  registers: [registry],
});

export const smsReceived = new Counter({
  name: 'tess_sms_received_total',
  help: 'SMS messages stored from providers, by interface kind (a provider delivering one again is not counted)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const smsIgnored = new Counter({
  name: 'tess_sms_ignored_total',
  help: 'Incoming SMS messages stored but not acted on, by reason (unknown number, malformed body, …)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const smsSent = new Counter({
  name: 'tess_sms_sent_total',
  help: 'Outgoing SMS messages by outcome (sent, failed) after every attempt',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
