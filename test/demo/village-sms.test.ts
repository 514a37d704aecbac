import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../cli/demo/run-demo.js';
import { readSettings } from '../../cli/settings.js';
import { useDatabase } from '../helpers/open.js';
import { redisPrefix } from '../helpers/redis.js';
import { redisUrl } from '../helpers/server-url.js';

const t = useDatabase();
const redis = redisPrefix();
afterAll(() => redis.clean());

const settings = () =>
  readSettings({
    DATABASE_URL: t.test.url,
    REDIS_URL: redisUrl(),
    PORT: '0',
    QUEUE_PREFIX: redis.prefix,
    LOG_LEVEL: 'error',
  });

/** The newest version of every message of the system, oldest first. */
async function messages(systemId: number) {
  const { rows } = await t.db.sql.query(
    `SELECT * FROM (SELECT DISTINCT ON (unique_id) kind, phone, body, state, detail, created,
                          (SELECT min(created) FROM gateway.message f WHERE f.unique_id = m.unique_id) AS made
                    FROM gateway.message m WHERE system_id = $1 ORDER BY unique_id, created DESC) v
     ORDER BY made`,
    [systemId],
  );
  return rows as { kind: string; phone: string; body: string; state: string; detail: string | null }[];
}

describe('tess demo --village --sms', () => {
  it('refuses --sms without a village, and a village larger than one meter can log', async () => {
    const base = {
      settings: settings(),
      devices: 4,
      intervalSeconds: 1,
      durationSeconds: 2,
      system: 'x',
      out: () => {},
    };
    await expect(runDemo({ ...base, sms: true })).rejects.toThrow(/--sms.*needs a village \(--village N\)/);
    await expect(runDemo({ ...base, sms: true, village: 101 })).rejects.toThrow(
      /over SMS a village has at most 100 circuits.*got 101/,
    );
  });

  it("speaks SMS end to end: the meter's ping, balances asked in English and French, a miller's off and on carried out by the meter and told", async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      settings: settings(),
      devices: 8,
      intervalSeconds: 1,
      durationSeconds: 24,
      system: 'village-sms',
      village: 5,
      sms: true,
      out: (line) => lines.push(line),
    });
    const village = summary.village!;
    expect(village).toMatchObject({ circuits: 5, refused: 0 });
    expect(lines.filter((l) => / texts in \d+ out \d+/.test(l)).length).toBeGreaterThanOrEqual(12);
    expect(lines.find((l) => l.startsWith('done: '))).toMatch(/, \d+ texts to TESS, \d+ from it$/);

    const systemId = (await t.db.systemIdByName('village-sms'))!;
    const all = await messages(systemId);
    const METER = '+22399000000';
    // The meter's ping, answered by text.
    expect(all.find((m) => m.phone === METER && m.body.startsWith('(job=gateway-ping'))).toMatchObject({
      kind: 'incoming',
      state: 'handled',
      detail: 'ping answered',
    });
    expect(all.find((m) => m.phone === METER && m.kind === 'outgoing')?.body).toMatch(
      /^\(ack&gateway-time=\d{14}&meter-time=\d{14}\)$/,
    );
    // Balances asked in turn, each answered in the account's language.
    const asked = all.filter((m) => m.kind === 'incoming' && /^(bal|solde)\./.test(m.body));
    expect(asked.length).toBeGreaterThanOrEqual(10);
    expect(asked.every((m) => m.state === 'handled' && m.detail === 'balance')).toBe(true);
    const replies = all.filter((m) => m.kind === 'outgoing' && m.phone.startsWith('+2237'));
    expect(replies.some((m) => /^Account \d{6}: your balance is \d+\.\d\d \$ \(updated /.test(m.body))).toBe(
      true,
    );
    expect(
      replies.some((m) => /^Compte \d{6} : votre solde est de \d+,\d\d \$ \(mis à jour le /.test(m.body)),
    ).toBe(true);
    // The miller texted off at noon and on after lunch; the meter got each job by SMS,
    // switched the circuit and acknowledged it by SMS, and the miller was told.
    const { rows: mill } = await t.db.sql.query(
      `SELECT c.pin, c.circuit_id FROM gateway.circuit c JOIN gateway.account a ON true
       JOIN device d ON d.device_id = c.device_id AND d.user_id = a.user_id
       WHERE c.system_id = $1 AND a.phone = '+22370000000' LIMIT 1`,
      [systemId],
    );
    const pin = mill[0].pin as string;
    expect(all.filter((m) => m.phone === '+22370000000' && m.kind === 'incoming').map((m) => m.body)).toEqual(
      expect.arrayContaining([`off.${pin}`, `on.${pin}`]),
    );
    const { rows: jobs } = await t.db.sql.query(
      `SELECT DISTINCT ON (unique_id) unique_id, type, state, reported,
              (SELECT array_agg(job_id) FROM gateway.job f WHERE f.unique_id = j.unique_id) AS versions
       FROM gateway.job j WHERE circuit_id = $1 ORDER BY unique_id, created DESC`,
      [mill[0].circuit_id],
    );
    // Only the miller's own switches: the gateway did not switch the mill back on over lunch.
    expect(jobs.map((j) => j.unique_id.startsWith('sms:'))).toEqual(jobs.map(() => true));
    expect(jobs.map((j) => [j.type, j.state, j.reported]).sort()).toEqual([
      ['TurnOff', 'acknowledged', 'off'],
      ['TurnOn', 'acknowledged', 'on'],
    ]);
    // A job's text names the version the meter was sent (it names the job whichever version).
    for (const j of jobs) {
      const code = j.type === 'TurnOff' ? 'coff' : 'con';
      const sent = all.filter((m) => m.kind === 'job' && m.body.startsWith(`(job=${code}&jobid=`));
      expect(sent).toHaveLength(1);
      const id = Number(/jobid=(\d+)/.exec(sent[0]!.body)?.[1]);
      expect(j.versions.map(Number)).toContain(id);
      expect(sent[0]).toMatchObject({ phone: METER, state: 'sent' });
      const ack = all.find((m) => m.phone === METER && m.body.startsWith(`(job=delete&jobid=${id}&`));
      expect(ack).toMatchObject({
        state: 'handled',
        detail: `job ${id} acknowledged (${j.type === 'TurnOff' ? 'off' : 'on'})`,
      });
    }
    const told = replies.filter((m) => m.phone === '+22370000000').map((m) => m.body);
    // The miller's account is French (every third customer's is): told word for word.
    const at = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d';
    const switches = told.filter((b) => b.includes('votre circuit'));
    expect(switches).toHaveLength(4);
    expect(switches[0]).toBe(
      `Compte ${pin} : votre circuit sera éteint sous peu. Vous recevrez un message quand ce sera fait.`,
    );
    expect(switches[1]).toMatch(new RegExp(`^Compte ${pin} : votre circuit a été éteint le ${at}\\.$`));
    expect(switches[2]).toBe(
      `Compte ${pin} : votre circuit sera allumé sous peu. Vous recevrez un message quand ce sera fait.`,
    );
    expect(switches[3]).toMatch(new RegExp(`^Compte ${pin} : votre circuit a été allumé le ${at}\\.$`));
    expect(village.turnOff).toBe(1);
    expect(village.turnOn).toBe(1);
  }, 60_000);
});
