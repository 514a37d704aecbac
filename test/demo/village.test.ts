import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../cli/demo/run-demo.js';
import { readSettings } from '../../cli/settings.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const redis = redisPrefix();
afterAll(() => redis.clean());

const VILLAGE_LINE =
  /^village +5 circuits +\d+ off {2}logs +\d+ {2}LowCredit \d+ {2}NoCredit \d+ {2}TurnOff \d+ {2}TurnOn \d+ {2}top-ups \d+/;

describe('tess demo --village', () => {
  it('runs a prepaid village over HTTP: a mill runs out, is cut off, buys a card and is switched on again, and the ledger adds up', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      settings: readSettings({
        DATABASE_URL: t.test.url,
        REDIS_URL: redisUrl(),
        PORT: '0',
        QUEUE_PREFIX: redis.prefix,
        LOG_LEVEL: 'error',
      }),
      devices: 12,
      intervalSeconds: 1,
      durationSeconds: 22,
      system: 'village-test',
      village: 5,
      out: (line) => lines.push(line),
    });
    expect(summary.rejected).toBe(0);
    const village = summary.village!;
    expect(village).toMatchObject({ circuits: 5, refused: 0 });
    const villageLines = lines.filter((l) => VILLAGE_LINE.test(l));
    expect(villageLines.length).toBeGreaterThanOrEqual(15);
    expect(village.logs).toBe(5 * villageLines.length);
    expect(village.turnOff).toBeGreaterThanOrEqual(1);
    expect(village.turnOn).toBeGreaterThanOrEqual(1);
    expect(village.topUps).toBeGreaterThanOrEqual(1);
    expect(lines.find((l) => l.startsWith('done: '))).toMatch(
      /; village: 5 circuits, \d+ logs, .*TurnOff \d+, TurnOn \d+, \d+ top-ups, \d+ off at the end$/,
    );

    const systemId = await t.db.systemIdByName('village-test');
    const { rows: meters } = await t.db.sql.query(
      "SELECT field_meter_id FROM gateway.field_meter WHERE system_id = $1 AND name LIKE 'village-%'",
      [systemId],
    );
    expect(meters).toHaveLength(1);
    const meterId = meters[0].field_meter_id as number;
    const { rows: circuits } = await t.db.sql.query(
      `SELECT c.circuit_id, c.pin, d.user_id FROM gateway.circuit c JOIN device d ON d.device_id = c.device_id
       WHERE c.field_meter_id = $1 ORDER BY c.circuit_id`,
      [meterId],
    );
    expect(circuits).toHaveLength(5);

    // A customer went from LowCredit to NoCredit, was cut off (the meter acknowledged it),
    // bought a card, and was switched on again (acknowledged too); the NoCredit episode ended.
    const cycled: string[] = [];
    const ms = (d: Date) => d.getTime();
    for (const c of circuits as { circuit_id: number; pin: string; user_id: number }[]) {
      const { rows: alerts } = await t.db.sql.query(
        `SELECT DISTINCT ON (unique_id) type, began, ended FROM gateway.alert
         WHERE circuit_id = $1 ORDER BY unique_id, created DESC, alert_id DESC`,
        [c.circuit_id],
      );
      const { rows: jobs } = await t.db.sql.query(
        `SELECT j.type, j.state, j.reported, j.created AS changed,
                (SELECT min(created) FROM gateway.job f WHERE f.unique_id = j.unique_id) AS made
         FROM (SELECT DISTINCT ON (unique_id) * FROM gateway.job WHERE circuit_id = $1
               ORDER BY unique_id, created DESC, job_id DESC) j ORDER BY made`,
        [c.circuit_id],
      );
      // The cards after the first, the one the customer started with.
      const { rows: cards } = await t.db.sql.query(
        'SELECT created FROM gateway.redemption WHERE circuit_id = $1 ORDER BY created OFFSET 1',
        [c.circuit_id],
      );
      const topUp = cards[0]?.created as Date | undefined;
      if (!topUp) continue;
      // The cut-off the card ended: the last TurnOff acknowledged before it, and the TurnOn after it.
      const off = jobs.findLast((j) => j.type === 'TurnOff' && ms(j.changed) < ms(topUp));
      const on = jobs.find((j) => j.type === 'TurnOn' && ms(j.made) > ms(topUp));
      const none = alerts.find(
        (a) => a.type === 'NoCredit' && off && ms(a.began) <= ms(off.made) && a.ended !== null,
      );
      const low = alerts.find((a) => a.type === 'LowCredit' && none && ms(a.began) <= ms(none.began));
      if (!(off && on && none && low)) continue;
      cycled.push(c.pin);
      expect(off).toMatchObject({ state: 'acknowledged', reported: 'ok' });
      expect(on).toMatchObject({ state: 'acknowledged', reported: 'ok' });
      expect(ms(none.ended)).toBeGreaterThan(ms(topUp));
      // While its switch was off, the meter posted no consumption for it.
      const { rows: dark } = await t.db.sql.query(
        `SELECT count(*)::int AS logs, coalesce(sum(watthours), 0)::float AS wh FROM gateway.primary_log
         WHERE circuit_id = $1 AND created > $2 AND created < $3`,
        [c.circuit_id, off.changed, on.changed],
      );
      expect(dark[0].logs).toBeGreaterThan(0);
      expect(dark[0].wh).toBe(0);
    }
    expect(cycled.length).toBeGreaterThanOrEqual(1);

    // Each customer's ledger is their cards less their consumption, charged at the market's
    // price of each log's interval; nothing else was booked to them.
    const resourceId = await t.db.resourceIdByName(systemId!, 'capacity');
    const { rows: books } = await t.db.sql.query(
      `SELECT c.user_id,
         (SELECT coalesce(sum(amount), 0)::float FROM transaction t WHERE t.user_id = c.user_id) AS ledger,
         (SELECT count(*)::int FROM transaction t
          WHERE t.user_id = c.user_id AND t.redemption_id IS NULL AND t.primary_log_id IS NULL) AS other,
         (SELECT coalesce(sum(k.value), 0)::float FROM gateway.redemption r
          JOIN gateway.credit_token k USING (credit_token_id) WHERE r.circuit_id = c.circuit_id) AS cards,
         (SELECT coalesce(sum(l.watthours * coalesce(
             (SELECT p.price FROM price p WHERE p.resource_id = $2 AND p.interval_start = l.period_start
                AND p.type <> 'FAILURE' ORDER BY p.price_id LIMIT 1), 0) / 1e6), 0)::float
          FROM gateway.primary_log l WHERE l.circuit_id = c.circuit_id
            AND EXISTS (SELECT 1 FROM transaction t WHERE t.primary_log_id = l.primary_log_id)) AS consumed,
         (SELECT count(*)::int FROM gateway.primary_log l WHERE l.circuit_id = c.circuit_id) AS logs,
         (SELECT count(*)::int FROM gateway.primary_log l WHERE l.circuit_id = c.circuit_id
            AND EXISTS (SELECT 1 FROM transaction t WHERE t.primary_log_id = l.primary_log_id)) AS charged
       FROM (SELECT c.circuit_id, d.user_id FROM gateway.circuit c JOIN device d ON d.device_id = c.device_id
             WHERE c.field_meter_id = $1) c`,
      [meterId, resourceId],
    );
    for (const b of books) {
      expect(b.other, `user ${b.user_id}`).toBe(0);
      expect(b.cards, `user ${b.user_id}`).toBeGreaterThanOrEqual(0.1);
      expect(b.ledger, `user ${b.user_id}`).toBeCloseTo(b.cards - b.consumed, 4);
      // The last logs may wait for a pass the demo did not outlive.
      expect(b.charged, `user ${b.user_id}`).toBeGreaterThanOrEqual(b.logs - 3);
    }
  }, 60_000);
});
