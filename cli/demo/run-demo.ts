import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ErrorCode, TessError } from '../../engine/errors.js';
import pino from 'pino';
import { intervalStart } from '../../engine/intervals.js';
import { createdNotice } from '../../storage/index.js';
import { type Database, openDatabase } from '../../storage/index.js';
import { connectRedis } from '../../workers/redis.js';
import { prepareDatabase } from '../../storage/index.js';
import { Runtime } from '../../workers/runtime.js';
import { issueToken } from '../../storage/index.js';
import { buildServer } from '../../http/server.js';
import type { Settings } from '../settings.js';
import { type Agent, type Bid, population, type Signal } from './agents.js';
import { openDemoDatasets } from './demo-datasets.js';
import { each } from './each.js';
import { type PhoneNetwork, startPhoneNetwork } from './phone-network.js';
import { SMS_CIRCUITS_MAX, Village, type VillageTotals } from './village.js';

export interface DemoOptions {
  readonly settings: Settings;
  /** @defaultValue 200 */
  readonly devices: number;
  /** @defaultValue 5 s */
  readonly intervalSeconds: number;
  /** @defaultValue 60 s */
  readonly durationSeconds: number;
  /** @defaultValue demo */
  readonly system: string;
  /** Circuits of a prepaid village on the demo's system (cli/demo/village.ts); 0: none. @defaultValue 0 */
  readonly village?: number;
  /** The village's meter and customers speak SMS through a phone network of the demo's own (cli/demo/village.ts). @defaultValue false */
  readonly sms?: boolean;
  /** Where the demo's lines go. */
  readonly out: (line: string) => void;
  /** Ends the demo early (Ctrl-C), as its duration would. */
  readonly stop?: AbortSignal;
}

export interface DemoSummary {
  readonly intervals: number;
  readonly orders: number;
  readonly meters: number;
  readonly rejected: number;
  readonly meanPrice: number;
  /** What the village did; null without one. */
  readonly village: VillageTotals | null;
}

interface Device {
  readonly agent: Agent;
  readonly token: string;
}

const PRICE_CAP = 9999;
/** The variable naming the secret of the village's SMS interface: the demo's own, made at each run. */
const VILLAGE_SECRET_ENV = 'SMS_SECRET_DEMO_VILLAGE';
/** Each interval of the demo stands for half an hour of a simulated day starting at 6:00. */
const SIMULATED_HOURS_PER_INTERVAL = 0.5;
const FIRST_HOUR = 6;
/** Waits `ms`, or until `stop` is aborted. */
const sleep = (ms: number, stop?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (stop?.aborted) return resolve();
    const abort = () => {
      clearTimeout(timer);
      resolve();
    };
    // Removed when the time is up, so that a long demo does not pile listeners on `stop`.
    const timer = setTimeout(
      () => {
        stop?.removeEventListener('abort', abort);
        resolve();
      },
      Math.max(0, ms),
    );
    stop?.addEventListener('abort', abort, { once: true });
  });
const clock = (d: Date) => d.toISOString().slice(11, 19);
/** The simulated hour of day of the demo's `step`th interval. */
const hourOf = (step: number) => (((FIRST_HOUR + step * SIMULATED_HOURS_PER_INTERVAL) % 24) + 24) % 24;

async function setUp(db: Database, options: DemoOptions): Promise<{ systemId: number; devices: Device[] }> {
  const systemId = await db.systemId();
  const setConfig = async (name: string, value: string) => {
    if (await db.config.find({ name })) await db.config.set({ name, value });
    else await db.config.add({ name, value });
  };
  await setConfig('interval', String(options.intervalSeconds));
  await setConfig('mechanism', 'AUCTION');
  const run = Date.now().toString(36);
  const devices: Device[] = [];
  for (const agent of population(options.devices)) {
    const user = await db.user.add({
      system_id: systemId,
      name: agent.name,
      role: 'CUSTOMER',
      email: `${agent.name}.${run}@demo.example`,
    });
    const device = await db.device.add({ user_id: user.user_id, name: agent.name });
    const { token } = await issueToken(db, { deviceId: device.device_id });
    devices.push({ agent, token });
  }
  return { systemId, devices };
}

/**
 * A live market in one process: the HTTP API, the scheduler and the clearing threads,
 * and simulated devices that bid every interval and post meter readings over HTTP.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { out } = options;
  if (options.sms && !options.village) {
    throw new TessError(
      ErrorCode.INVALID,
      '--sms: the village speaks SMS, so it needs a village (--village N)',
    );
  }
  if (options.sms && (options.village ?? 0) > SMS_CIRCUITS_MAX) {
    throw new TessError(
      ErrorCode.INVALID,
      `--village: over SMS a village has at most ${SMS_CIRCUITS_MAX} circuits (a field meter's compressed logs name ${SMS_CIRCUITS_MAX}); got ${options.village}`,
    );
  }
  const overSms = Boolean(options.sms && options.village);
  // The phone network's secret, known to the API (inbound) and the SMS worker (outbound).
  const secret = overSms ? randomBytes(24).toString('base64url') : '';
  const settings = overSms
    ? { ...options.settings, smsSecrets: { ...options.settings.smsSecrets, [VILLAGE_SECRET_ENV]: secret } }
    : options.settings;
  const log = pino({ level: 'error' });
  const redis = await connectRedis(settings.redisUrl);
  const subscriber = await connectRedis(settings.redisUrl);
  const { created } = await prepareDatabase(settings.databaseUrl, settings);
  if (created) out(createdNotice(settings.databaseUrl));
  const db = await openDatabase(settings.databaseUrl, {
    system: options.system,
    adminEmail: settings.adminEmail,
  });
  let app: FastifyInstance | undefined;
  let runtime: Runtime | undefined;
  let village: Village | undefined;
  let network: PhoneNetwork | undefined;
  const summary = { intervals: 0, orders: 0, meters: 0, rejected: 0, priceSum: 0 };
  try {
    out(
      `setting up system "${options.system}": ${options.devices} devices, ${options.intervalSeconds} s intervals`,
    );
    const { systemId, devices } = await setUp(db, options);
    const deps = {
      settings: { ...settings, logLevel: 'warn' },
      db,
      redis,
      subscriber,
      priceRateLimit: { max: 100_000, timeWindowMs: 60_000 },
      // The village's operator sets up every customer with one token.
      routeRateLimit: {
        token: { max: Math.max(settings.tokenRateLimit, 1_000_000), timeWindowMs: 60_000 },
        address: { max: settings.addressRateLimit, timeWindowMs: 60_000 },
      },
    };
    app = await buildServer(deps);
    let address: string;
    try {
      address = await app.listen({ port: settings.port, host: '127.0.0.1' });
    } catch {
      address = await app.listen({ port: 0, host: '127.0.0.1' });
    }
    out(
      `API on ${address}/api/v1 — try ${address}/api/v1/prices/current?resource=capacity&system=${encodeURIComponent(options.system)}`,
    );
    if (options.village) {
      if (overSms) {
        network = await startPhoneNetwork(secret, (err) => out(`village: a phone failed: ${err.message}`));
      }
      village = await Village.open({
        ...(network ? { sms: { network, secretEnv: VILLAGE_SECRET_ENV } } : {}),
        db,
        address,
        circuits: options.village,
        intervalSeconds: options.intervalSeconds,
        hours: SIMULATED_HOURS_PER_INTERVAL,
        out,
      });
      // Its setup ran across a boundary: the gateway starts after the next one.
      await sleep(village.readyAt - Date.now(), options.stop);
    }

    // The datasets that drive the agents and the prices' carbon intensity, one row an
    // interval from the one before the first the devices bid for.
    const seconds = options.intervalSeconds;
    let start = intervalStart(Date.now(), seconds).getTime() + seconds * 1000;
    const data = await openDemoDatasets(db, {
      system: options.system,
      from: start - seconds * 1000,
      rows: Math.ceil(options.durationSeconds / seconds) + 4,
      intervalSeconds: seconds,
      startHour: hourOf(-1),
      hoursPerInterval: SIMULATED_HOURS_PER_INTERVAL,
    });
    out(
      `datasets of site ${data.siteId}: ${Object.entries(data.ids)
        .map(([name, id]) => `${name} ${id}`)
        .join(', ')}`,
    );
    /** The tariff's import price of each interval the devices bid for, for its line. */
    const tariffs = new Map<number, number | null>();

    // Expected price and spread from the last clearings, as home agents compute them.
    const recent: number[] = [];
    const cleared = new Map<number, number>();
    runtime = await Runtime.start({
      db,
      redisUrl: settings.redisUrl,
      log,
      prefix: settings.queuePrefix,
      syncMs: 500,
      graceMs: 100,
      horizonSeconds: options.intervalSeconds * 2,
      // Over SMS the runtime texts the meter its jobs: swept twice an interval, so a job
      // the gateway's pass queued goes out within the interval.
      ...(overSms
        ? {
            sms: {
              secrets: settings.smsSecrets,
              creditTokenKey: settings.creditTokenKey,
              sweepMs: Math.max(250, options.intervalSeconds * 500),
            },
          }
        : {}),
    });
    runtime.onCleared((o, market) => {
      if (market.systemId !== systemId || !o.price) return;
      cleared.set(o.from.getTime(), o.price.price);
      recent.push(o.price.price);
      if (recent.length > 12) recent.shift();
      summary.intervals++;
      summary.priceSum += o.price.price;
      const p = o.price;
      const tariff = tariffs.get(o.from.getTime());
      out(
        `${clock(o.end)}  interval ${clock(o.from)}  price ${p.price.toFixed(2).padStart(8)} $/MWh  ${p.type.padEnd(7)} ` +
          `cleared ${p.quantity.toFixed(3).padStart(7)} MW  orders ${String(o.orders).padStart(4)}  ` +
          `tariff ${tariff == null ? '     -' : tariff.toFixed(2).padStart(6)}  ` +
          `CI ${p.g_co2_per_kwh == null ? '  -' : p.g_co2_per_kwh.toFixed(0).padStart(3)} g/kWh  ` +
          `(read ${o.ms.read.toFixed(0)} ms, clear ${o.ms.clear.toFixed(0)} ms, write ${o.ms.write.toFixed(0)} ms)`,
      );
    });

    const post = async (token: string, path: string, body: unknown): Promise<boolean> => {
      const response = await fetch(`${address}/api/v1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      if (!response.ok) summary.rejected++;
      return response.ok;
    };

    const stopAt = Date.now() + options.durationSeconds * 1000;
    let step = 0;
    let previous: { start: number; signal: Signal; bids: (Bid | null)[] } | undefined;
    const stop = options.stop;
    while (start < stopAt && !stop?.aborted) {
      // Bid a fifth into the interval, then settle the one before once its price is out.
      await sleep(start + seconds * 200 - Date.now(), stop);
      if (stop?.aborted) break;
      const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 50;
      const spread =
        recent.length > 1 ? Math.sqrt(recent.reduce((a, b) => a + (b - mean) ** 2, 0) / recent.length) : 5;
      const given = await data.at(new Date(start));
      tariffs.set(start, given.wholesale);
      const signal: Signal = {
        pexp: mean,
        pdev: Math.max(spread, 1),
        priceCap: PRICE_CAP,
        hour: hourOf(step),
        hours: seconds / 3600,
        outdoor: given.outdoor,
        wholesale: given.wholesale,
        sun: given.sun,
      };
      const bids = devices.map((d) => d.agent.bid(signal));
      await each(devices, 32, async (d, i) => {
        const bid = bids[i];
        if (bid && (await post(d.token, 'orders', { resource: 'capacity', ...bid }))) summary.orders++;
      });
      // On a busy machine the clearing may still be writing: wait for it up to mid-interval.
      const ended = start - seconds * 1000;
      const waitUntil = start + seconds * 500;
      if (previous || village) while (!cleared.has(ended) && Date.now() < waitUntil) await sleep(20);
      if (previous) {
        const price = cleared.get(previous.start);
        if (price !== undefined) {
          const { signal: s, bids: b, start: at } = previous;
          await each(devices, 32, async (d, i) => {
            const energy = d.agent.settle(s, b[i]!, price);
            if (d.agent.kind === 'feeder') return;
            const reading = {
              resource: 'capacity',
              interval_start: new Date(at).toISOString(),
              quantity: energy,
            };
            if (await post(d.token, 'meters', reading)) summary.meters++;
          });
        }
      }
      // The village's meter reports the interval just ended, after its market line.
      if (village) out(await village.tick(new Date(ended), new Date(start), hourOf(step - 1)));
      previous = { start, signal, bids };
      start += seconds * 1000;
      step++;
    }
    // Let the last interval clear before stopping.
    if (!stop?.aborted) await sleep(start + 500 - Date.now(), stop);
    // Off the market: a later `tess start` on this database leaves the demo system alone.
    await db.config.set({ name: 'mechanism', value: 'NONE' });
    out(
      `done: ${summary.intervals} intervals, ${summary.orders} orders, ${summary.meters} meter readings` +
        (summary.rejected ? `, ${summary.rejected} requests refused` : '') +
        `, mean price ${(summary.priceSum / Math.max(summary.intervals, 1)).toFixed(2)} $/MWh` +
        (village ? `; ${village.summary()}` : ''),
    );
  } finally {
    await app?.close();
    await runtime?.stop();
    await network?.close();
    await db.close();
    subscriber.disconnect();
    redis.disconnect();
  }
  return {
    intervals: summary.intervals,
    orders: summary.orders,
    meters: summary.meters,
    rejected: summary.rejected,
    meanPrice: summary.priceSum / Math.max(summary.intervals, 1),
    village: village?.totals() ?? null,
  };
}
