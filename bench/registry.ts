import type { Benchmark } from './harness.js';

/** Every benchmark, by name, loaded on demand (each runs in a process of its own). */
export const BENCHMARKS: Record<string, () => Promise<Benchmark<never>>> = {
  clear: async () => (await import('./clear.js')).clear as Benchmark<never>,
  'clear-pool': async () => (await import('./clear-pool.js')).clearPool as Benchmark<never>,
  ingest: async () => (await import('./ingest.js')).ingest as Benchmark<never>,
  'find-asof': async () => (await import('./find-asof.js')).findAsof as Benchmark<never>,
  interval: async () => (await import('./interval.js')).interval as Benchmark<never>,
  'http-price': async () => (await import('./http-price.js')).httpPrice as Benchmark<never>,
  'http-order': async () => (await import('./http-order.js')).httpOrder as Benchmark<never>,
  'http-asof': async () => (await import('./http-asof.js')).httpAsof as Benchmark<never>,
  history: async () => (await import('./history.js')).history as Benchmark<never>,
  list: async () => (await import('./list.js')).list as Benchmark<never>,
  'gateway-logs': async () => (await import('./gateway-logs.js')).gatewayLogs as Benchmark<never>,
  'gateway-alerts': async () => (await import('./gateway-alerts.js')).gatewayAlerts as Benchmark<never>,
  'dataset-import': async () => (await import('./dataset-import.js')).datasetImport as Benchmark<never>,
};
