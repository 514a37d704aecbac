import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COMMANDS,
  compactCircuitNumber,
  formatCompressedLogs,
  formatMeterMessage,
  METER_ALERTS,
  meterTimeAt,
} from '../../engine/gateway/index.js';
import { chargePendingConsumption, issueTokenBatch } from '../../storage/index.js';
import { handleIncoming } from '../../workers/sms/inbound.js';
import { CID, CUSTOMER, METER, SMS_KEY, useSmsGateway } from './gateway-sms-fixture.js';

/**
 * Fuzzed SMS through the webhook and the inbound handler: whatever a provider posts, the
 * webhook answers 200 (or 400 for what it refuses: a sender that is no number, a text over
 * 1,600 characters or holding a NUL, which PostgreSQL cannot store), never a server
 * error; and whatever was stored is acted on without an exception, each message ending
 * handled or ignored, replies of one SMS, the ledger whole, and nothing written for a
 * message that ended ignored. The handler is called directly (as the worker calls it) so
 * that ten thousand messages take about a minute, without the queue's round trips.
 */

// Thousands of posts a minute from one address: above the per-address limit, which route-limits tests.
const t = useSmsGateway({ name: 'fuzz', worker: false, env: { ADDRESS_RATE_LIMIT: '1000000' } });
const api = t.api;

/** Bodies per run, and runs: BODIES in all (about a minute on two cores). */
const BATCH = 500;
const RUNS = 20;
const BODIES = BATCH * RUNS;
/** Posts in flight at once. */
const PARALLEL = 16;

/** The customer's numbers: where it starts, and the numbers tel may move it to. */
const CUSTOMER_NUMBERS = [CUSTOMER, '+22376100001', '+22376100002'];
const UNKNOWN_NUMBERS = ['+22311111111', '0022370000000', 'Orange', '3630'];
const OTHER_CID = '192.168.1.202';
const HOUR_MS = 3_600_000;

let systemId: number;
let tokens: string[] = [];

beforeAll(async () => {
  systemId = t.g.meter.system_id;
  // The other customer's circuit has an address too, and consumption priced by a tariff, so logs are charged.
  await api.db.circuit.set({ system_id: systemId, pin: '765432', ip_address: OTHER_CID });
  for (const [name, value] of [
    ['day-tariff', '150'],
    ['night-tariff', '90'],
  ] as const) {
    await api.db.config.add({ system_id: systemId, name, value });
  }
  await api.db.config.set({ system_id: systemId, name: 'mechanism', value: 'NONE' });
  const issued = await issueTokenBatch(
    api.db,
    systemId,
    [
      { denomination: 5, count: 200 },
      { denomination: 0.25, count: 100 },
    ],
    SMS_KEY,
  );
  tokens = issued.tokens.map((k) => k.number);
});

const NOW_HOUR = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;

/** What a customer might text: a keyword in any case, a PIN, a last value, any separators. */
function commandArb(): fc.Arbitrary<string> {
  const pin = fc.oneof(
    { weight: 6, arbitrary: fc.constant('234567') },
    { weight: 2, arbitrary: fc.constantFrom('765432', '876543') },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{5,7}$/) },
  );
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tokens) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{11}$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9 -]{0,24}$/) },
  );
  // Mostly the number the account has: a customer moved to another number is no longer heard at this one.
  const number = fc.oneof(
    { weight: 6, arbitrary: fc.constant(CUSTOMER) },
    { weight: 1, arbitrary: fc.constantFrom(...CUSTOMER_NUMBERS, METER) },
    { weight: 1, arbitrary: fc.stringMatching(/^\+?[0-9]{4,17}$/) },
  );
  const sep = fc.constantFrom('.', ' ', '..', ' . ', '\t', '\n', '. ');
  const names = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];
  const name = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...names.filter((n) => n !== 'phone')) },
    { weight: 1, arbitrary: fc.constant('phone' as const) },
  );
  return name.chain((name) => {
    const { words, last } = COMMANDS[name];
    const value = last === 'token' ? token : last === 'number' ? number : fc.constant('');
    return fc
      .tuple(
        fc.constantFrom('', ' '),
        fc.mixedCase(fc.constantFrom(...words)),
        sep,
        pin,
        last === null ? fc.constant('') : sep,
        value,
        fc.constantFrom('', ' ', '.'),
      )
      .map((parts) => parts.join(''));
  });
}

/** What a field meter might send: every kind, well formed, with values drawn across their ranges. */
function meterArb(): fc.Arbitrary<string> {
  const cid = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(CID, OTHER_CID) },
    { weight: 1, arbitrary: fc.ipV4() },
  );
  // Hours of the last two months, and a few anywhere a meter's clock can be.
  const hour = fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: -60 * 24, max: 2 }).map((h) => NOW_HOUR + h * HOUR_MS) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: Date.UTC(2000, 0, 1) / HOUR_MS, max: Date.UTC(2099, 11, 31) / HOUR_MS })
        .map((h) => h * HOUR_MS),
    },
  );
  const wh = fc.integer({ min: 0, max: 1e10 }).map((x) => x / 1000);
  const tu = fc.integer({ min: 0, max: 31 * 86_400 });
  const credit = fc.integer({ min: -1e11, max: 1e11 }).map((x) => x / 100);
  const primary = fc
    .record({ on: fc.boolean(), hour, cid, tu, wh, credit: fc.option(credit), mains: fc.boolean() })
    .map((r) =>
      formatMeterMessage({
        kind: 'primary-log',
        on: r.on,
        hour: meterTimeAt(r.hour, 'UTC'),
        cid: r.cid,
        useSeconds: r.tu,
        wh: r.wh,
        credit: r.credit,
        circuitType: r.mains ? 'MAINS' : 'CIRCUIT',
        meter: null,
      }),
    );
  const circuit = fc.record({
    circuit: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(compactCircuitNumber(CID), compactCircuitNumber(OTHER_CID)) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }) },
    ),
    useSeconds: tu,
    wh: fc.integer({ min: 0, max: 1e8 }).map((x) => x / 10),
    credit: fc.integer({ min: -1e11, max: 1e11 }).map((x) => x / 100),
  });
  const compressed = fc
    .record({
      hour,
      mains: fc.option(fc.integer({ min: 0, max: 1e8 }).map((x) => x / 10)),
      on: fc.array(circuit, { maxLength: 3 }),
      off: fc.array(circuit, { maxLength: 3 }),
      part: fc.nat(),
    })
    .map((r) => {
      const parts = formatCompressedLogs({
        kind: 'compressed-log',
        hour: meterTimeAt(r.hour, 'UTC'),
        mainsWh: r.mains,
        on: r.on,
        off: r.off,
      });
      return parts[r.part % parts.length]!;
    });
  const alert = fc
    .record({ cid, alert: fc.constantFrom(...METER_ALERTS), credit: fc.option(credit), named: fc.boolean() })
    .map((r) =>
      formatMeterMessage({
        kind: 'meter-alert',
        meter: r.named ? t.g.meter.name : null,
        cid: r.cid,
        alert: r.alert,
        credit: r.credit,
      }),
    );
  const ping = hour.map((ms) =>
    formatMeterMessage({ kind: 'gateway-ping', meterTime: meterTimeAt(ms, 'UTC') }),
  );
  // Job ids from the first ones (the jobs on and off create) to any.
  const ack = fc
    .tuple(
      fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
      fc.option(fc.boolean()),
    )
    .map(([id, on]) => `(job=delete&jobid=${id}${on === null ? '' : `&status=${on ? 1 : 0}`})`);
  const online = fc.constant(null).map(() => `${t.g.meter.name} online`);
  return fc.oneof(primary, compressed, alert, ping, ack, online);
}

type Mutation =
  | { readonly op: 'insert' | 'replace'; readonly at: number; readonly text: string }
  | { readonly op: 'delete' | 'duplicate'; readonly at: number; readonly n: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'swap-case' };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('insert' as const, 'replace' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ minLength: 1, maxLength: 3 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }),
      fc.constantFrom('.', ' ', '(', ')', '&', '=', '#', '|', ';', ',', '-', '\0', '\uD800', '\u00e9'),
    ),
  }),
  fc.record({
    op: fc.constantFrom('delete' as const, 'duplicate' as const),
    at: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap-case' as const) }),
);

function mutate(text: string, m: Mutation): string {
  if (m.op === 'swap-case') {
    return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
  }
  const at = m.at % (text.length + 1);
  switch (m.op) {
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + m.text.length);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.n);
    case 'duplicate':
      return text.slice(0, at + m.n) + text.slice(at, at + m.n) + text.slice(at + m.n);
    case 'truncate':
      return text.slice(0, at);
  }
}

const mutated = (arb: fc.Arbitrary<string>) =>
  fc
    .tuple(arb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
    .map(([text, ms]) => ms.reduce(mutate, text));

/** Any text at all: random, long, and what JSON carries but UTF-8 and PostgreSQL do not. */
const junkArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 1600, size: 'max' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
        fc.constantFrom('\uFFFE', '\uFEFF', 'é', '€'),
      ),
      maxLength: 40,
    }),
  },
  // Either side of the longest text taken.
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1590, max: 1610 }).map((n) => 'bal.234567 '.repeat(160).slice(0, n)),
  },
);

/** Senders: the customer's numbers, the meter's, numbers of no one, and what is no number at all. */
const VALID_SENDERS = new Set([...CUSTOMER_NUMBERS, METER, ...UNKNOWN_NUMBERS]);
const customerSenderArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(CUSTOMER) },
  { weight: 2, arbitrary: fc.constantFrom(...CUSTOMER_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...UNKNOWN_NUMBERS) },
  // A vendor's number, new each time: top-ups from it are not throttled by earlier failures.
  { weight: 1, arbitrary: fc.stringMatching(/^\+[1-9][0-9]{7,14}$/) },
);
const anySenderArb: fc.Arbitrary<string> = fc.oneof(
  customerSenderArb,
  fc.constant(METER),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 70 }),
);

/** One SMS: mostly what each sender would send, well formed or mutated, and the rest anything from anyone. */
function smsArb(): fc.Arbitrary<readonly [string, string]> {
  const command = commandArb();
  const meter = meterArb();
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(customerSenderArb, fc.oneof(command, command, mutated(command))) },
    { weight: 4, arbitrary: fc.tuple(fc.constant(METER), fc.oneof(meter, meter, mutated(meter))) },
    {
      weight: 3,
      arbitrary: fc.tuple(anySenderArb, fc.oneof(junkArb, command, mutated(command), meter, mutated(meter))),
    },
  );
}

/** Runs `fn` on every item, `n` at a time, in order of starting. */
async function eachParallel<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

const one = async (sql: string, values: unknown[] = []) => (await api.db.sql.query(sql, values)).rows;
const logCount = async (): Promise<number> =>
  (await one('SELECT count(*)::int AS n FROM gateway.primary_log'))[0].n;

/** The ledger whole: each user's sum of amounts is their latest balance. */
async function expectLedgerWhole(): Promise<void> {
  const rows = await one(
    `SELECT u.user_id, u.total, (SELECT balance::text FROM transaction t WHERE t.user_id = u.user_id
                                 ORDER BY created DESC, transaction_id DESC LIMIT 1) AS last
     FROM (SELECT user_id, sum(amount)::text AS total FROM transaction GROUP BY user_id) u`,
  );
  for (const r of rows) expect(Number(r.last), `user ${r.user_id}`).toBe(Number(r.total));
}

describe('fuzzed inbound SMS', () => {
  it(`${BODIES} bodies: no server error, every message acted on, nothing half-written`, {
    timeout: 300_000,
  }, async () => {
    const sms = smsArb();
    const deps = { creditTokenKey: SMS_KEY, now: () => new Date() };
    const tally = { posted: 0, refused: 0, handled: 0, ignored: 0, logs: 0 };
    // A message is acted on by its own job or, first, by the job of a later one from the
    // same number (one number's messages take effect in order): each exactly once.
    // A message is acted on by its own job or, first, by the job of a later one from the
    // same number (one number's messages take effect in order): each exactly once, which is
    // checked once the jobs of a group have all returned (a job may see a message done by
    // another whose answer has not come back yet).
    const actedOn = new Map<number, number>();
    const act = async (id: number) => {
      const { outcome, earlier } = await handleIncoming(api.db, id, deps);
      const done = [...earlier, ...(outcome ? [{ messageId: id, outcome }] : [])];
      for (const e of done) {
        actedOn.set(e.messageId, (actedOn.get(e.messageId) ?? 0) + 1);
        tally[e.outcome.state]++;
      }
      return done.map((e) => e.outcome);
    };
    const expectActedOnOnce = (ids: readonly number[]) => {
      for (const id of ids) expect(actedOn.get(id), `message ${id} acted on once`).toBe(1);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(sms, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const stored: { id: number; from: string }[] = [];
        await eachParallel(batch, PARALLEL, async ([from, text]) => {
          const res = await t.post(from, text);
          tally.posted++;
          const refusable = text.length > 1600 || text.includes('\0');
          expect([200, 400], res.body).toContain(res.statusCode);
          if (res.statusCode === 200) {
            expect(refusable, JSON.stringify(text.slice(0, 80))).toBe(false);
            stored.push({ id: res.json().message_id, from });
            return;
          }
          tally.refused++;
          const message: string = res.json().error.message;
          if (message.startsWith("body.from must be the sender's number")) {
            expect(VALID_SENDERS.has(from), from).toBe(false);
          } else {
            expect(message).toBe('body.text must be text of at most 1600 characters');
            expect(refusable).toBe(true);
          }
        });

        // Customers' messages eight at a time, as the worker takes them: none of them writes a
        // log. Every hundred, the customer is given back their number (tel moves it away).
        const logsBefore = await logCount();
        const customers = stored.filter((m) => m.from !== METER);
        for (let i = 0; i < customers.length; i += 100) {
          await api.db.account.set({ user_id: t.p.customer.user_id, phone: CUSTOMER });
          await eachParallel(customers.slice(i, i + 100), 8, async (m) => {
            await act(m.id);
          });
        }
        expectActedOnOnce(customers.map((m) => m.id));
        expect(await logCount()).toBe(logsBefore);
        // The meter's one at a time: a log row that appears while one is handled is that message's.
        let logs = logsBefore;
        for (const m of stored.filter((m) => m.from === METER)) {
          const outcomes = await act(m.id);
          const added = (await logCount()) - logs;
          logs += added;
          if (outcomes.every((o) => o.state === 'ignored')) {
            expect(added, `ignored message ${m.id}: ${outcomes.map((o) => o.detail).join('; ')}`).toBe(0);
          }
          tally.logs += added;
        }
        expectActedOnOnce(stored.map((m) => m.id));

        const left = await one(
          `SELECT m.message_id, m.state FROM (SELECT DISTINCT ON (unique_id) message_id, kind, state
                                               FROM gateway.message ORDER BY unique_id, created DESC, message_id DESC) m
           WHERE m.kind = 'incoming' AND m.state NOT IN ('handled', 'ignored')`,
        );
        expect(left).toEqual([]);
        const replies = await one(
          `SELECT m.state, m.body FROM (SELECT DISTINCT ON (unique_id) kind, state, body
                                         FROM gateway.message ORDER BY unique_id, created DESC, message_id DESC) m
           WHERE m.kind = 'outgoing' AND (m.state <> 'queued' OR char_length(m.body) > 160)`,
        );
        expect(replies).toEqual([]);
        await expectLedgerWhole();
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // What was logged, charged: the ledger stays whole.
    await chargePendingConsumption(api.db, systemId, new Date());
    await expectLedgerWhole();

    // Every outcome was reached: the bodies were not all turned away at the door.
    expect(tally.posted).toBe(BODIES);
    for (const n of [tally.refused, tally.handled, tally.ignored, tally.logs]) expect(n).toBeGreaterThan(0);
    const [reached] = await one(
      `SELECT (SELECT count(*)::int FROM gateway.redemption) AS redemptions,
              (SELECT count(*)::int FROM gateway.job) AS jobs,
              (SELECT count(*)::int FROM transaction WHERE primary_log_id IS NOT NULL) AS charges,
              (SELECT count(*)::int FROM gateway.message WHERE kind = 'outgoing') AS replies,
              (SELECT count(*)::int FROM gateway.message WHERE kind = 'incoming' AND detail LIKE 'phone changed%') AS moves`,
    );
    for (const [what, n] of Object.entries(reached as Record<string, number>)) {
      expect(n, what).toBeGreaterThan(0);
    }
  });
});
