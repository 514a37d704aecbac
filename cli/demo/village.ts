import type { AlertType } from '../../engine/gateway/index.js';
import { intervalStart } from '../../engine/intervals.js';
import { LOG_ROWS_MAX } from '../../http/gateway/log-input.js';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { type Database, issueToken } from '../../storage/index.js';
import { type ApiClient, apiClient, Refused } from './api-client.js';
import { each } from './each.js';
import type { PhoneNetwork } from './phone-network.js';
import { SmsMeter } from './sms-meter.js';
import { draw, type Villager, villagers } from './villagers.js';

/**
 * A prepaid village for `tess demo --village N`, after SharedSolar's microgrids: one field
 * meter and N customers with a circuit each, set up and run over the HTTP API the way its
 * operator, its credit vendor and its meter would. The operator adds the customers, their
 * accounts, devices and circuits (TESS draws each PIN) and prints a card for each; the
 * vendor redeems the cards; every interval the meter acknowledges the control jobs it
 * pulls (switching circuits off and on), then posts each circuit's consumption of the
 * interval just ended. The runtime charges it, at the market's price, and raises the
 * alerts and jobs; the village only reports what came back.
 *
 * Time lapse: an interval stands for half an hour of the simulated day the market's agents
 * live in, and a log carries the energy of that half hour (villagers.ts), so that credit
 * runs out within a demo. The market's prices are tens of $/MWh, a few cents a kWh: a
 * card of START_CREDIT lasts a mill a few intervals and a home the whole demo.
 *
 * Over SMS (`--sms`), the meter and the customers speak the SharedSolar protocol through
 * a phone network of the demo's own (phone-network.ts) behind an `http` interface: TESS
 * texts the meter its jobs and the meter acknowledges each by text (sms-meter.ts); the
 * meter texts each hour's compressed log (hourly, as the protocol's logs are, so it draws
 * in real time, not in time lapse: a mill's card lasts about an hour); customers text
 * `bal` in turn, millers `off` over lunch and `on` after it, and customers who ran out
 * text `add` with the card they bought. Replies arrive on their phones, counted.
 */

/** Requests in flight at once. */
const CONCURRENCY = 8;
/** Value of the card each customer starts with, in the market's currency. */
const START_CREDIT = 0.1;
/** Value of the card a customer who ran out buys. */
const TOP_UP = 0.5;
/** The `low-credit` config the village gives its system: LowCredit a little before a mill runs out. */
const LOW_CREDIT = 0.05;
/** Intervals a customer who buys cards stays cut off before buying one. */
const TOP_UP_AFTER = 2;
/** Circuits one meter can log in compressed SMS: a circuit's number is its address's last octet modulo 100. */
export const SMS_CIRCUITS_MAX = 100;
/** The meter's clock: the village's field meter is in Mali. */
const ZONE = 'Africa/Bamako';
/** Over SMS, the field meter's number. */
const METER_PHONE = '+22399000000';

/** What the village counts: per interval for its line, and in total for the demo's summary. */
export interface VillageCounts {
  /** Logs the meter posted. */
  readonly logs: number;
  /** Alerts of the village's circuits first seen, by type. */
  readonly alerts: Readonly<Partial<Record<AlertType, number>>>;
  /** Jobs the meter pulled, by type (each job once, however often sent). */
  readonly turnOff: number;
  readonly turnOn: number;
  /** Cards bought again by customers who ran out. */
  readonly topUps: number;
  /** The village's requests the API refused. */
  readonly refused: number;
  /** Over SMS: texts the meter and the customers sent TESS, and TESS's texts they received. */
  readonly textsIn: number;
  readonly textsOut: number;
}

export interface VillageTotals extends VillageCounts {
  readonly circuits: number;
  /** Circuits switched off at the end. */
  readonly off: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const noCounts = (): Mutable<VillageCounts> & { alerts: Partial<Record<AlertType, number>> } => ({
  logs: 0,
  alerts: {},
  turnOff: 0,
  turnOn: 0,
  topUps: 0,
  refused: 0,
  textsIn: 0,
  textsOut: 0,
});

/** One customer as the meter knows them: their circuit and its switch. */
interface Circuit {
  readonly villager: Villager;
  readonly pin: string;
  /** The circuit's address on its meter (over SMS: how jobs and logs name it). */
  readonly cid: string;
  /** Over SMS: the customer's phone and language. */
  readonly phone: string;
  readonly lang: 'en' | 'fr';
  on: boolean;
  /** The interval the meter switched the circuit off in, until the customer buys a card. */
  offSince: number | null;
  /** Over SMS: a miller who texted `off` for lunch, until they text `on`. */
  resting: boolean;
}

interface PulledJob {
  readonly job_id: number;
  readonly unique_id: string;
  readonly pin: string;
  readonly type: string;
}

export interface VillageOptions {
  readonly db: Database;
  /** The API's address (http://host:port). */
  readonly address: string;
  readonly circuits: number;
  /** The market's interval, s. */
  readonly intervalSeconds: number;
  /** Simulated hours an interval stands for: a log carries their energy. */
  readonly hours: number;
  /** Where the village's lines go: what it set up, and a request refused (once per kind). */
  readonly out: (line: string) => void;
  /**
   * Over SMS: the demo's phone network, and the SMS_SECRET_ variable holding its secret
   * (the API and the runtime's SMS worker know it). Without it, over HTTP.
   */
  readonly sms?: { readonly network: PhoneNetwork; readonly secretEnv: string };
}

export class Village {
  private step = 0;
  private alertCursor = 0;
  private readonly seenAlerts = new Set<string>();
  private readonly seenJobs = new Set<string>();
  private readonly told = new Set<string>();
  private readonly total = noCounts();
  /** Over SMS: the meter's jobs carried out since the last tick (they arrive by text, at any time). */
  private readonly texted = noCounts();
  private smsMeter: SmsMeter | undefined;
  private textsSeen = { in: 0, out: 0 };

  private constructor(
    private readonly options: VillageOptions,
    private readonly operator: ApiClient,
    private readonly vendor: ApiClient,
    private readonly meter: ApiClient,
    /** The field meter's entry id. */
    readonly meterId: number,
    readonly name: string,
    private readonly circuits: readonly Circuit[],
    /**
     * When every circuit has had its card at every boundary since (ms): the runtime's first
     * gateway pass judges the boundary before it, and a circuit added before that boundary
     * whose card came after would be found without credit and cut off.
     */
    readonly readyAt: number,
  ) {}

  /**
   * Sets the village up in the handle's system. The one step outside the API is the
   * operator itself: an ADMINISTRATOR and its token, as `tess token create --admin` makes.
   */
  static async open(options: VillageOptions): Promise<Village> {
    const { db, address, sms } = options;
    if (sms && options.circuits > SMS_CIRCUITS_MAX) {
      throw new TessError(
        ErrorCode.INVALID,
        `a village over SMS has at most ${SMS_CIRCUITS_MAX} circuits (one field meter's compressed logs name ${SMS_CIRCUITS_MAX}); got ${options.circuits}`,
      );
    }
    const run = Date.now().toString(36);
    const name = `village-${run}`;
    const admin = await db.user.add({
      system_id: await db.systemId(),
      name: `${name} operator`,
      role: 'ADMINISTRATOR',
      email: `operator.${name}@demo.example`,
    });
    const operator = apiClient(address, (await issueToken(db, { userId: admin.user_id })).token);
    await setConfig(operator, 'low-credit', String(LOW_CREDIT));

    type Row = Record<string, unknown>;
    const vendorUser = await operator<Row>('POST', 'users', {
      name: `${name} kiosk`,
      role: 'VENDOR',
      email: `kiosk.${name}@demo.example`,
    });
    const vendor = apiClient(address, await tokenFor(operator, { user_id: vendorUser['user_id'] }));
    const meterDevice = await operator<Row>('POST', 'devices', { user_id: admin.user_id, name });
    const meter = apiClient(address, await tokenFor(operator, { device_id: meterDevice['device_id'] }));
    let interfaceName: string | undefined;
    if (sms) {
      interfaceName = `${name}-phones`;
      const iface = await operator<Row>('POST', 'gateway/interfaces', {
        name: interfaceName,
        kind: 'http',
        base_url: sms.network.url,
        secret_env: sms.secretEnv,
      });
      sms.network.connect(`${address}/api/v1/gateway/sms/${iface['communication_interface_id']}`);
    }
    const fieldMeter = await operator<Row>('POST', 'gateway/meters', {
      name,
      device_id: meterDevice['device_id'],
      location: 'demo village',
      time_zone: ZONE,
      panel_capacity: 20_000,
      battery_capacity: 40_000,
      ...(interfaceName ? { phone: METER_PHONE, communication_interface: interfaceName } : {}),
    });
    const meterId = fieldMeter['field_meter_id'] as number;

    const people = villagers(options.circuits);
    const circuits: Circuit[] = new Array(people.length);
    const began = Date.now();
    await each(people, CONCURRENCY, async (v, i) => {
      const user = await operator<Row>('POST', 'users', {
        name: v.name,
        role: 'CUSTOMER',
        email: `${v.name}.${name}@demo.example`,
      });
      const phone = `+2237${String(i).padStart(7, '0')}`;
      const lang = i % 3 === 0 ? 'fr' : 'en';
      await operator('POST', 'gateway/accounts', { user_id: user['user_id'], phone, lang });
      const device = await operator<Row>('POST', 'devices', { user_id: user['user_id'], name: v.name });
      // Over SMS a circuit's number in a compressed log is its last octet modulo 100: 100 + i names i.
      const cid = `192.168.1.${100 + (i % SMS_CIRCUITS_MAX)}`;
      const circuit = await operator<Row>('POST', 'gateway/circuits', {
        device_id: device['device_id'],
        field_meter_id: meterId,
        ...(sms ? { ip_address: cid } : {}),
      });
      circuits[i] = {
        villager: v,
        pin: circuit['pin'] as string,
        cid,
        phone,
        lang,
        on: true,
        offSince: null,
        resting: false,
      };
    });
    // The kiosk sells every customer a starting card when their circuit is installed.
    const cards = await buyCards(operator, START_CREDIT, circuits.length);
    await each(circuits, CONCURRENCY, async (c, i) => {
      await vendor('POST', `gateway/circuits/${c.pin}/credit`, { token: cards[i] });
    });
    const boundary = (t: number) => intervalStart(t, options.intervalSeconds).getTime();
    const end = boundary(Date.now());
    const readyAt = end > boundary(began) ? end + options.intervalSeconds * 1000 : 0;
    options.out(
      `village "${name}": ${circuits.length} circuits on field meter ${meterId}` +
        (sms ? `, over SMS (meter ${METER_PHONE}, customers +2237…)` : ''),
    );
    const village = new Village(options, operator, vendor, meter, meterId, name, circuits, readyAt);
    if (sms) await village.connectPhones(sms.network);
    return village;
  }

  /** Over SMS: the meter's and the customers' phones on the network; the meter pings the gateway. */
  private async connectPhones(network: PhoneNetwork): Promise<void> {
    const relays = new Map(this.circuits.map((c) => [c.cid, c]));
    const smsMeter = new SmsMeter({
      zone: ZONE,
      relays,
      send: (text) => network.text(METER_PHONE, text),
      onJob: (job, relay) => {
        const circuit = relay as Circuit | undefined;
        if (job.type === 'TurnOff') {
          this.texted.turnOff++;
          if (circuit && !circuit.resting && circuit.offSince === null) circuit.offSince = this.step;
        } else if (job.type === 'TurnOn') {
          this.texted.turnOn++;
          if (circuit) circuit.offSince = null;
        }
      },
    });
    network.attach(METER_PHONE, (text) => smsMeter.receive(text));
    // Customers read their replies; the network counts them.
    for (const c of this.circuits) network.attach(c.phone, () => {});
    this.smsMeter = smsMeter;
    await smsMeter.ping(Date.now());
  }

  /** What the village did so far. */
  totals(): VillageTotals {
    return {
      ...this.total,
      alerts: { ...this.total.alerts },
      circuits: this.circuits.length,
      off: this.circuits.filter((c) => !c.on).length,
    };
  }

  /** The village's part of the demo's `done:` line. */
  summary(): string {
    const v = this.totals();
    const alerts = Object.entries(v.alerts).map(([type, n]) => `${type} ${n}`);
    return (
      `village: ${v.circuits} circuits, ${v.logs} logs, ` +
      [...alerts, `TurnOff ${v.turnOff}`, `TurnOn ${v.turnOn}`].join(', ') +
      `, ${v.topUps} top-ups, ${v.off} off at the end` +
      (this.smsMeter ? `, ${v.textsIn} texts to TESS, ${v.textsOut} from it` : '') +
      (v.refused ? `, ${v.refused} requests refused` : '')
    );
  }

  /**
   * One interval of the meter, after the interval [from, to) ended at the simulated `hour`:
   * its jobs, its logs, the customers who buy cards, and the alerts raised since. Answers
   * the village's line.
   */
  async tick(from: Date, to: Date, hour: number): Promise<string> {
    this.step++;
    const counts = noCounts();
    if (this.smsMeter) {
      await this.attempt(counts, 'logs', () => this.textLogs(this.smsMeter!, from, to, hour, counts));
      await this.attempt(counts, 'texts', () => this.textCommands(hour));
      // The jobs the meter carried out since the last tick, as their texts came.
      counts.turnOff = this.texted.turnOff;
      counts.turnOn = this.texted.turnOn;
      this.texted.turnOff = this.texted.turnOn = 0;
    } else {
      await this.attempt(counts, 'jobs', () => this.runJobs(counts));
      await this.attempt(counts, 'logs', () => this.postLogs(from, to, hour, counts));
    }
    await this.attempt(counts, 'cards', () => this.buyAgain(counts));
    await this.attempt(counts, 'alerts', () => this.readAlerts(counts));
    if (this.options.sms) {
      const n = this.options.sms.network.counts();
      counts.textsIn = n.toTess - this.textsSeen.in;
      counts.textsOut = n.fromTess - this.textsSeen.out;
      this.textsSeen = { in: n.toTess, out: n.fromTess };
    }
    for (const key of ['logs', 'turnOff', 'turnOn', 'topUps', 'refused', 'textsIn', 'textsOut'] as const) {
      this.total[key] += counts[key];
    }
    for (const [type, n] of Object.entries(counts.alerts) as [AlertType, number][]) {
      this.total.alerts[type] = (this.total.alerts[type] ?? 0) + n;
    }
    const off = this.circuits.filter((c) => !c.on).length;
    const { LowCredit = 0, NoCredit = 0, ...others } = counts.alerts;
    return [
      `village ${String(this.circuits.length).padStart(4)} circuits ${String(off).padStart(3)} off`,
      `logs ${String(counts.logs).padStart(4)}`,
      `LowCredit ${LowCredit}`,
      `NoCredit ${NoCredit}`,
      `TurnOff ${counts.turnOff}`,
      `TurnOn ${counts.turnOn}`,
      `top-ups ${counts.topUps}`,
      ...Object.entries(others).map(([type, n]) => `${type} ${n}`),
      ...(this.smsMeter ? [`texts in ${counts.textsIn} out ${counts.textsOut}`] : []),
      ...(counts.refused ? [`refused ${counts.refused}`] : []),
    ].join('  ');
  }

  /** Runs one part of a tick; a refusal is counted, and told once per part, and the tick goes on. */
  private async attempt(counts: { refused: number }, part: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      counts.refused++;
      if (!this.told.has(part)) {
        this.told.add(part);
        this.options.out(`village: ${(err as Error).message}`);
      }
    }
  }

  /** The meter pulls its jobs, switches its circuits and acknowledges each job. */
  private async runJobs(counts: Mutable<VillageCounts>): Promise<void> {
    const { items } = await this.meter<{ items: PulledJob[] }>('GET', `gateway/meters/${this.meterId}/jobs`);
    const byPin = new Map(this.circuits.map((c) => [c.pin, c]));
    await each(items, CONCURRENCY, async (job) => {
      await this.meter('POST', `gateway/jobs/${job.job_id}/ack`, { status: 'ok' });
      const circuit = byPin.get(job.pin);
      const first = !this.seenJobs.has(job.unique_id);
      this.seenJobs.add(job.unique_id);
      if (job.type === 'TurnOff') {
        if (circuit?.on) circuit.offSince = this.step;
        if (circuit) circuit.on = false;
        if (first) counts.turnOff++;
      } else if (job.type === 'TurnOn') {
        if (circuit) {
          circuit.on = true;
          circuit.offSince = null;
        }
        if (first) counts.turnOn++;
      }
    });
  }

  /** Each circuit's energy over [from, to): nothing while it is off. */
  private async postLogs(from: Date, to: Date, hour: number, counts: Mutable<VillageCounts>): Promise<void> {
    const { hours } = this.options;
    const rows = this.circuits.map((c) => ({
      pin: c.pin,
      period_start: from.toISOString(),
      period_end: to.toISOString(),
      watthours: c.on ? Math.round(draw(c.villager, hour) * hours * 1000) / 1000 : 0,
    }));
    for (let i = 0; i < rows.length; i += LOG_ROWS_MAX) {
      const primary = rows.slice(i, i + LOG_ROWS_MAX);
      await this.meter('POST', 'gateway/logs', { primary });
      counts.logs += primary.length;
    }
  }

  /**
   * Over SMS: the meter measures what each circuit drew over [from, to) (in real time: the
   * protocol's logs are hourly), and texts the compressed log of each hour that ended.
   */
  private async textLogs(
    meter: SmsMeter,
    from: Date,
    to: Date,
    hour: number,
    counts: Mutable<VillageCounts>,
  ): Promise<void> {
    for (const c of this.circuits) {
      meter.measure(c.cid, from.getTime(), to.getTime(), c.on ? draw(c.villager, hour) : 0);
    }
    counts.logs += (await meter.sendLogs(to.getTime())) * this.circuits.length;
  }

  /**
   * Over SMS, what customers text this interval: one asks their balance in turn (in their
   * language's words), and millers who have credit text `off` at noon and `on` at half
   * past one.
   */
  private async textCommands(hour: number): Promise<void> {
    const network = this.options.sms!.network;
    const asking = this.circuits[this.step % this.circuits.length]!;
    await network.text(asking.phone, `${asking.lang === 'fr' ? 'solde' : 'bal'}.${asking.pin}`);
    for (const c of this.circuits) {
      if (c.villager.kind !== 'mill') continue;
      if (!c.resting && c.on && hour >= 12 && hour < 13) {
        c.resting = true;
        await network.text(c.phone, `off.${c.pin}`);
      } else if (c.resting && hour >= 13.5) {
        c.resting = false;
        await network.text(c.phone, `on.${c.pin}`);
      }
    }
  }

  /**
   * Customers who buy cards and have been off TOP_UP_AFTER intervals: the operator prints
   * a card each, and the vendor redeems it (over SMS the customer texts `add` with it).
   */
  private async buyAgain(counts: Mutable<VillageCounts>): Promise<void> {
    const buying = this.circuits.filter(
      (c) =>
        c.villager.buysCards && !c.resting && c.offSince !== null && this.step - c.offSince >= TOP_UP_AFTER,
    );
    if (buying.length === 0) return;
    const cards = await buyCards(this.operator, TOP_UP, buying.length);
    await each(buying, CONCURRENCY, async (c, i) => {
      if (this.options.sms) {
        const word = c.lang === 'fr' ? 'recharge' : 'add';
        if (!(await this.options.sms.network.text(c.phone, `${word}.${c.pin}.${cards[i]}`))) return;
      } else {
        await this.vendor('POST', `gateway/circuits/${c.pin}/credit`, { token: cards[i] });
      }
      // On again once the meter is told to: the runtime sees the credit at its next pass.
      c.offSince = null;
      counts.topUps++;
    });
  }

  /**
   * The alerts of the village's meter first seen since the last tick, read through the
   * demo's handle: listed after a cursor of row ids, each alert counted once by its
   * unique_id (ending an alert adds a later version of it).
   */
  private async readAlerts(counts: { alerts: Partial<Record<AlertType, number>> }): Promise<void> {
    for (;;) {
      const page = await this.options.db.alert.list({
        where: { field_meter_id: this.meterId },
        after: this.alertCursor,
        limit: 1000,
      });
      for (const alert of page) {
        if (this.seenAlerts.has(alert.unique_id)) continue;
        this.seenAlerts.add(alert.unique_id);
        const type = alert.type as AlertType;
        counts.alerts[type] = (counts.alerts[type] ?? 0) + 1;
      }
      const last = page.at(-1);
      if (last) this.alertCursor = last.alert_id;
      if (page.length < 1000) return;
    }
  }
}

/** Sets a config variable of the operator's system, adding it when the system has none. */
async function setConfig(operator: ApiClient, name: string, value: string): Promise<void> {
  try {
    await operator('PUT', 'config', { name, value });
  } catch (err) {
    if (!(err instanceof Refused && err.status === 404)) throw err;
    await operator('POST', 'config', { name, value });
  }
}

/** A bearer token of a user or a device, issued by the operator. */
async function tokenFor(operator: ApiClient, owner: Record<string, unknown>): Promise<string> {
  return (await operator<{ token: string }>('POST', 'tokens', owner)).token;
}

/** The numbers of a batch of `count` cards of `value`, printed by the operator. */
async function buyCards(operator: ApiClient, value: number, count: number): Promise<string[]> {
  const batch = await operator<{ tokens: { number: string }[] }>('POST', 'gateway/token-batches', {
    tokens: [{ denomination: value, count }],
  });
  return batch.tokens.map((t) => t.number);
}
