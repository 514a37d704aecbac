import { beforeAll, describe, expect, it } from 'vitest';
import { compactCircuitNumber, formatCompressedLogs, meterTimeAt } from '../../engine/gateway/index.js';
import { chargePendingConsumption, issueTokenBatch } from '../../storage/index.js';
import { smsIgnored } from '../../workers/metrics.js';
import type { IgnoreReason } from '../../workers/sms/inbound-outcome.js';
import { waitFor } from '../helpers/market.js';
import { CID, CUSTOMER, METER, SMS_KEY, type Said, useSmsGateway } from './gateway-sms-fixture.js';

/**
 * Every command and meter message through the webhook and the SMS worker, the replies read
 * as the provider delivered them: word for word, in English and in French. Tests run in
 * order: balances carry from one to the next.
 */

const t = useSmsGateway({ name: 'commands' });
const api = t.api;

/** The English account (the gateway fixture's customer) and a French one on the same meter. */
const EN = { phone: CUSTOMER, pin: '234567' };
const FR = { phone: '+22300000002', pin: '345678', cid: '192.168.1.202' };
/** A number with no account: a vendor's. */
const VENDOR = '+22355555555';
const HOUR_MS = 3_600_000;
/** An hour as a primary log's ts (YYYYMMDDHH) by the meter's clock: Africa/Bamako is UTC all year. */
const hourStamp = (ms: number): string => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');

let frUser: number;
let systemId: number;
/** Token numbers by value, each redeemable once. */
const tokens: Record<number, string[]> = {};
const token = (value: number): string => {
  const number = tokens[value]?.shift();
  if (!number) throw new Error(`no token of ${value} left`);
  return number;
};

/** Ignored messages counted by the worker since the file began, by reason. */
const ignoredAtStart: Partial<Record<IgnoreReason, number>> = {};
const ignoredHere: Partial<Record<IgnoreReason, number>> = {};
const ignoredCounts = async (): Promise<Partial<Record<IgnoreReason, number>>> =>
  Object.fromEntries((await smsIgnored.get()).values.map((v) => [v.labels.reason as IgnoreReason, v.value]));

/** Sets a config value of the system, adding it when it is not there yet. */
async function setConfig(name: string, value: string): Promise<void> {
  if ((await api.db.config.find({ system_id: systemId, name })) === null) {
    await api.db.config.add({ system_id: systemId, name, value });
  } else {
    await api.db.config.set({ system_id: systemId, name, value });
  }
}

beforeAll(async () => {
  systemId = t.g.meter.system_id;
  const fatou = await api.db.user.add({
    system_id: systemId,
    name: 'Fatou',
    role: 'CUSTOMER',
    email: `fatou-${api.system}@example.org`,
  });
  frUser = fatou.user_id;
  const lamp = await api.db.device.add({ user_id: frUser, name: 'lamp' });
  await api.db.account.add({ user_id: frUser, phone: FR.phone, lang: 'fr' });
  await api.db.circuit.add({
    system_id: systemId,
    device_id: lamp.device_id,
    field_meter_id: t.g.meter.field_meter_id,
    pin: FR.pin,
    ip_address: FR.cid,
  });
  // No market here: consumption is charged at the tariff, 200 $/MWh day and night.
  for (const [name, value] of [
    ['mechanism', 'NONE'],
    ['day-tariff', '200'],
    ['night-tariff', '200'],
  ] as const) {
    await setConfig(name, value);
  }
  const issued = await issueTokenBatch(
    api.db,
    systemId,
    [
      { denomination: 5, count: 6 },
      { denomination: 2, count: 3 },
      { denomination: 1, count: 3 },
    ],
    SMS_KEY,
  );
  for (const { number, value } of issued.tokens) tokens[value] = [...(tokens[value] ?? []), number];
  Object.assign(ignoredAtStart, await ignoredCounts());
});

/** What a test expects of a reply: its number and its text, literal or (where a time stands) a pattern. */
type Expected = readonly [to: string, text: string | RegExp];

const TIME = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d`;
/** A reply that shows a time: `text` literal, but for {time}, which is any YYYY-MM-DD HH:mm. */
const timed = (text: string): RegExp =>
  new RegExp(
    `^${text
      .split('{time}')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join(TIME)}$`,
  );

function expectReplies(said: Said, expected: readonly Expected[]): void {
  expect(said.state, said.detail).toBe('handled');
  expect(said.replies).toEqual(
    expected.map(([to, text]) => ({
      to,
      text: typeof text === 'string' ? text : expect.stringMatching(text),
    })),
  );
}

/** Texts `body` from `from` and checks it was ignored for `reason` (as the metric counts it), answering nothing. */
async function expectIgnored(from: string, body: string, reason: IgnoreReason, detail: string | RegExp) {
  const said = await t.say(from, body);
  expect(said).toMatchObject({ state: 'ignored', replies: [] });
  expect(said.detail).toEqual(typeof detail === 'string' ? detail : expect.stringMatching(detail));
  ignoredHere[reason] = (ignoredHere[reason] ?? 0) + 1;
  // Counted under its reason (the worker counts it just after committing the message).
  const expected = (ignoredAtStart[reason] ?? 0) + ignoredHere[reason];
  await waitFor(
    `${reason} counted ${expected} times`,
    async () => (await ignoredCounts())[reason] === expected,
    5_000,
  );
  return said;
}

const balanceOf = async (userId: number): Promise<number> =>
  Number(
    (
      await api.db.sql.query(
        'SELECT balance::float8 AS b FROM transaction WHERE user_id = $1 ORDER BY created DESC, transaction_id DESC LIMIT 1',
        [userId],
      )
    ).rows[0]?.b ?? 0,
  );

/** Jobs of a circuit, by state. */
const jobsOf = async (pin: string) =>
  (
    await api.db.sql.query(
      `SELECT DISTINCT ON (j.unique_id) j.type, j.state FROM gateway.job j
       JOIN gateway.circuit c ON c.circuit_id = j.circuit_id WHERE c.pin = $1
       ORDER BY j.unique_id, j.created DESC`,
      [pin],
    )
  ).rows;

describe('on without credit', () => {
  it('is answered with the balance, in each language, and switches nothing', async () => {
    expectReplies(await t.say(EN.phone, 'on.234567'), [
      [EN.phone, timed('Account 234567: your balance is 0.00 $ (updated {time}).')],
    ]);
    expectReplies(await t.say(FR.phone, '1 345678'), [
      [FR.phone, timed('Compte 345678 : votre solde est de 0,00 $ (mis à jour le {time}).')],
    ]);
    expect(await jobsOf(EN.pin)).toEqual([]);
    expect(await jobsOf(FR.pin)).toEqual([]);
  });
});

describe('top-ups: add, recharge, 9', () => {
  const rows: readonly (readonly [string, string, () => string, Expected])[] = [
    [
      'add, dots',
      EN.phone,
      () => `add.234567.${token(5)}`,
      [EN.phone, 'Account 234567: 5.00 $ added. Your new balance is 5.00 $.'],
    ],
    [
      'RECHARGE, spaces, the token printed in groups',
      EN.phone,
      () => `RECHARGE 234567 ${token(2).replace(/^(\d{4})(\d{4})/, '$1 $2 ')}`,
      [EN.phone, 'Account 234567: 2.00 $ added. Your new balance is 7.00 $.'],
    ],
    [
      '9, dots and spaces mixed, the token with dashes',
      EN.phone,
      () => ` 9 .234567. ${token(1).replace(/^(\d{4})(\d{4})/, '$1-$2-')} `,
      [EN.phone, 'Account 234567: 1.00 $ added. Your new balance is 8.00 $.'],
    ],
    [
      'recharge, in French',
      FR.phone,
      () => `recharge.345678.${token(5)}`,
      [FR.phone, 'Compte 345678 : 5,00 $ ajoutés. Votre nouveau solde est de 5,00 $.'],
    ],
    [
      'Add, an English word from a French account: the account decides',
      FR.phone,
      () => `Add..345678..${token(2)}`,
      [FR.phone, 'Compte 345678 : 2,00 $ ajoutés. Votre nouveau solde est de 7,00 $.'],
    ],
    [
      '9, in French',
      FR.phone,
      () => `9 345678 ${token(1)}`,
      [FR.phone, 'Compte 345678 : 1,00 $ ajoutés. Votre nouveau solde est de 8,00 $.'],
    ],
  ];
  for (const [name, from, body, expected] of rows) {
    it(name, async () => {
      expectReplies(await t.say(from, body()), [expected]);
    });
  }

  it('a used token and an unknown one are told apart, in each language', async () => {
    const used = token(5);
    expectReplies(await t.say(EN.phone, `add.234567.${used}`), [
      [EN.phone, 'Account 234567: 5.00 $ added. Your new balance is 13.00 $.'],
    ]);
    expectReplies(await t.say(EN.phone, `add.234567.${used}`), [
      [
        EN.phone,
        'This token has already been used: each token adds credit once. Check the number on your card.',
      ],
    ]);
    expectReplies(await t.say(FR.phone, `recharge 345678 ${used}`), [
      [
        FR.phone,
        "Ce code a déjà été utilisé : chaque code ne sert qu'une fois. Vérifiez le numéro sur votre carte.",
      ],
    ]);
    expectReplies(await t.say(EN.phone, 'add.234567.00000000000'), [
      [EN.phone, 'This token is not valid. Check the number on your card and send ADD.PIN.TOKEN again.'],
    ]);
    expectReplies(await t.say(FR.phone, 'RECHARGE.345678.00000000000'), [
      [
        FR.phone,
        "Ce code n'est pas valide. Vérifiez le numéro sur votre carte et renvoyez RECHARGE.PIN.CODE.",
      ],
    ]);
    expect(await balanceOf(t.p.customer.user_id)).toBe(13);
    expect(await balanceOf(frUser)).toBe(8);
  });

  it('a token for a PIN that does not exist is refused and stays good', async () => {
    const kept = token(1);
    expectReplies(await t.say(EN.phone, `add.987654.${kept}`), [
      [EN.phone, 'We found no account 987654 for this phone. Check the PIN on your card and try again.'],
    ]);
    expectReplies(await t.say(EN.phone, `add.234567.${kept}`), [
      [EN.phone, 'Account 234567: 1.00 $ added. Your new balance is 14.00 $.'],
    ]);
  });

  it('from a number with no account (a vendor topping up for a customer) is taken, its balance asks are not', async () => {
    // No account: the keyword's language.
    expectReplies(await t.say(VENDOR, `recharge.765432.${token(5)}`), [
      [VENDOR, 'Compte 765432 : 5,00 $ ajoutés. Votre nouveau solde est de 5,00 $.'],
    ]);
    expectReplies(await t.say(VENDOR, `add 765432 ${token(2)}`), [
      [VENDOR, 'Account 765432: 2.00 $ added. Your new balance is 7.00 $.'],
    ]);
    expect(await balanceOf(t.p.other.user_id)).toBe(7);
    for (const body of ['bal.765432', 'solde 765432', 'off.765432', 'hello']) {
      await expectIgnored(VENDOR, body, 'unknown-number', 'no account or field meter has this number');
    }
  });
});

describe('balance: bal, solde, 2', () => {
  const en = timed('Account 234567: your balance is 14.00 $ (updated {time}).');
  const fr = timed('Compte 345678 : votre solde est de 8,00 $ (mis à jour le {time}).');
  const rows: readonly (readonly [string, string, RegExp])[] = [
    [EN.phone, 'bal.234567', en],
    [EN.phone, 'BAL.234567', en],
    [EN.phone, 'Solde 234567', en],
    [EN.phone, '2.234567', en],
    [EN.phone, '  bAl . . 234567\n', en],
    [FR.phone, 'solde.345678', fr],
    [FR.phone, 'SOLDE 345678', fr],
    [FR.phone, 'bal.345678', fr],
    [FR.phone, '2 345678', fr],
    [FR.phone, '\tsolde..  345678 ', fr],
  ];
  for (const [from, body, expected] of rows) {
    it(`${JSON.stringify(body)} from the ${from === EN.phone ? 'English' : 'French'} account`, async () => {
      expectReplies(await t.say(from, body), [[from, expected]]);
    });
  }
  it('shows the local time the ledger last changed', async () => {
    await setConfig('time-zone', 'Asia/Kolkata');
    const { rows } = await api.db.sql.query(
      `SELECT to_char(max(created) AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD HH24:MI') AS at
       FROM transaction WHERE user_id = $1`,
      [t.p.customer.user_id],
    );
    expectReplies(await t.say(EN.phone, 'bal.234567'), [
      [EN.phone, `Account 234567: your balance is 14.00 $ (updated ${rows[0].at}).`],
    ]);
    await setConfig('time-zone', 'UTC');
  });
});

describe('usage: use, 3', () => {
  it('is the energy logged over 30 days and what it was charged, in each language', async () => {
    // Yesterday's 10:00 by the meter's clock (Africa/Bamako, UTC all year).
    const hour = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 14 * HOUR_MS;
    const stamp = hourStamp(hour);
    for (const [cid, wh] of [
      [CID, 2000],
      [FR.cid, 1500],
    ] as const) {
      const log = `(job=pp&status=1&ts=${stamp}&cid=${cid}&tu=3600&wh=${wh}&ct=CIRCUIT)`;
      expect(await t.say(METER, log)).toMatchObject({
        state: 'handled',
        detail: 'logs: 1 added, 0 repeated',
      });
    }
    // A log older than 30 days is charged but not counted.
    const oldStamp = hourStamp(hour - 40 * 24 * HOUR_MS);
    await t.say(METER, `(job=pp&status=1&ts=${oldStamp}&cid=${CID}&tu=3600&wh=500&ct=CIRCUIT)`);
    expect(await chargePendingConsumption(api.db, systemId, new Date())).toMatchObject({ charged: 3 });

    const en = 'Account 234567, last 30 days: 2.00 kWh used, 0.40 $ spent.';
    const fr = 'Compte 345678, 30 derniers jours : 1,50 kWh consommés, 0,30 $ dépensés.';
    for (const [from, body, text] of [
      [EN.phone, 'use.234567', en],
      [EN.phone, 'USE 234567', en],
      [EN.phone, '3.234567', en],
      [FR.phone, 'use.345678', fr],
      [FR.phone, ' 3 345678', fr],
    ] as const) {
      expectReplies(await t.say(from, body), [[from, text]]);
    }
    // 14.00 less 0.40 and the old log's 0.10.
    expectReplies(await t.say(EN.phone, 'bal.234567'), [
      [EN.phone, timed('Account 234567: your balance is 13.50 $ (updated {time}).')],
    ]);
  });
});

describe('on and off: on, 1, off, 0', () => {
  const rows: readonly (readonly [string, string, string, Expected, 'con' | 'coff', string, Expected])[] = [
    [
      EN.phone,
      'OFF.234567',
      CID,
      [
        EN.phone,
        'Account 234567: your circuit will be turned off shortly. You will get a message when it is done.',
      ],
      'coff',
      '0',
      [EN.phone, timed('Account 234567: your circuit was turned off at {time}.')],
    ],
    [
      EN.phone,
      'On 234567',
      CID,
      [
        EN.phone,
        'Account 234567: your circuit will be turned on shortly. You will get a message when it is done.',
      ],
      'con',
      '1',
      [EN.phone, timed('Account 234567: your circuit was turned on at {time}.')],
    ],
    [
      FR.phone,
      '0.345678',
      FR.cid,
      [
        FR.phone,
        'Compte 345678 : votre circuit sera éteint sous peu. Vous recevrez un message quand ce sera fait.',
      ],
      'coff',
      '0',
      [FR.phone, timed('Compte 345678 : votre circuit a été éteint le {time}.')],
    ],
    [
      FR.phone,
      '1 345678',
      FR.cid,
      [
        FR.phone,
        'Compte 345678 : votre circuit sera allumé sous peu. Vous recevrez un message quand ce sera fait.',
      ],
      'con',
      '1',
      [FR.phone, timed('Compte 345678 : votre circuit a été allumé le {time}.')],
    ],
  ];
  for (const [from, body, cid, queued, tag, status, done] of rows) {
    it(`${body}: queued, pushed to the meter, done when the meter acknowledges it`, async () => {
      const start = t.provider.deliveries.length;
      expectReplies(await t.say(from, body), [queued]);
      const [job] = await t.textsTo(METER, 1, start);
      const match = new RegExp(`^\\(job=${tag}&jobid=(\\d+)&cid=${cid.replace(/\./g, '\\.')}\\)$`).exec(job!);
      expect(match, job).not.toBeNull();
      const ack = `(job=delete&jobid=${match![1]}&status=${status})`;
      const acked = await t.say(METER, ack);
      expectReplies(acked, [done]);
      expect(acked.detail).toBe(`job ${match![1]} acknowledged (${status === '1' ? 'on' : 'off'})`);
      // A meter that says it again (it heard no answer) does not tell the customer twice.
      const again = await t.say(METER, ack);
      expect(again).toMatchObject({
        state: 'handled',
        detail: `job ${match![1]} already acknowledged`,
        replies: [],
      });
    });
  }
});

describe('phone: tel, prim, 4', () => {
  const phoneOf = async (userId: number) =>
    (
      await api.db.sql.query(
        'SELECT phone FROM gateway.account WHERE user_id = $1 ORDER BY created DESC, account_id DESC LIMIT 1',
        [userId],
      )
    ).rows[0].phone;

  it('tells the old and the new number, and the account answers at the new one', async () => {
    const changed =
      'Account 234567: its phone number changed from +22300000001 to +22376123456. Messages now go to +22376123456.';
    expectReplies(await t.say(EN.phone, 'tel.234567.+22376123456'), [
      [EN.phone, changed],
      ['+22376123456', changed],
    ]);
    expect(await phoneOf(t.p.customer.user_id)).toBe('+22376123456');
    await expectIgnored(
      EN.phone,
      'bal.234567',
      'unknown-number',
      'no account or field meter has this number',
    );
    const back =
      'Account 234567: its phone number changed from +22376123456 to +22300000001. Messages now go to +22300000001.';
    expectReplies(await t.say('+22376123456', 'PRIM 234567 +223 00 00 00 01'), [
      ['+22376123456', back],
      [EN.phone, back],
    ]);
    expect(await phoneOf(t.p.customer.user_id)).toBe(EN.phone);
  });

  it('in French', async () => {
    const changed =
      'Compte 345678 : son numéro de téléphone passe du +22300000002 au 0022376000002. Les messages iront au 0022376000002.';
    expectReplies(await t.say(FR.phone, '4.345678.00223-7600-0002'), [
      [FR.phone, changed],
      ['0022376000002', changed],
    ]);
    expect(await phoneOf(frUser)).toBe('0022376000002');
    const back =
      'Compte 345678 : son numéro de téléphone passe du 0022376000002 au +22300000002. Les messages iront au +22300000002.';
    expectReplies(await t.say('0022376000002', 'Tel 345678 +22300000002'), [
      ['0022376000002', back],
      [FR.phone, back],
    ]);
    expect(await phoneOf(frUser)).toBe(FR.phone);
  });
});

describe('what is no command', () => {
  const unknown = {
    en: 'Unknown command. Send BAL.PIN (balance), ADD.PIN.TOKEN (credit), ON.PIN, OFF.PIN, USE.PIN (30 days) or TEL.PIN.NUMBER (phone).',
    fr: 'Commande inconnue. Envoyez SOLDE.PIN (solde), RECHARGE.PIN.CODE (crédit), ON.PIN, OFF.PIN, USE.PIN (30 jours) ou TEL.PIN.NUMERO.',
  };
  const pin = {
    en: 'Your PIN is the 6 different digits from 2 to 9 on your card. Example: BAL.234567',
    fr: 'Votre PIN est fait des 6 chiffres différents de 2 à 9 de votre carte. Exemple : SOLDE.234567',
  };
  const tokenText = {
    en: 'The token is the number of 11 or more digits on your card. Send ADD.PIN.TOKEN, for example ADD.234567.12345678901',
    fr: "Le code est le nombre d'au moins 11 chiffres de votre carte. Envoyez RECHARGE.PIN.CODE, par exemple RECHARGE.234567.12345678901",
  };
  const number = {
    en: 'A phone number is 6 to 15 digits, with + in front if you like. Send TEL.PIN.NUMBER, for example TEL.234567.+22376123456',
    fr: 'Un numéro de téléphone a 6 à 15 chiffres, avec + devant si besoin. Envoyez TEL.PIN.NUMERO, par exemple TEL.234567.+22376123456',
  };
  const extra = {
    en: 'Too many parts in your message: send the command and your PIN only, for example BAL.234567 or OFF.234567',
    fr: "Trop d'éléments dans votre message : envoyez la commande et votre PIN seulement, par exemple SOLDE.234567 ou OFF.234567",
  };
  const rows: readonly (readonly [string, string, Record<'en' | 'fr', string>])[] = [
    ['hello', 'unknown-command', unknown],
    ['', 'unknown-command', unknown],
    ['balance.234567', 'unknown-command', unknown],
    ['5.234567', 'unknown-command', unknown],
    ['bal', 'malformed-pin', pin],
    ['solde.123456', 'malformed-pin', pin],
    ['BAL 223456', 'malformed-pin', pin],
    ['on.2345678', 'malformed-pin', pin],
    ['add.234567', 'malformed-token', tokenText],
    ['recharge.234567.1234', 'malformed-token', tokenText],
    ['9.234567.1234567890a', 'malformed-token', tokenText],
    ['tel.234567', 'malformed-number', number],
    ['prim.234567.12345', 'malformed-number', number],
    ['4 234567 +22 37 61 23 45 61 23 45', 'malformed-number', number],
    ['bal.234567.9', 'malformed-extra', extra],
    ['off 234567 now', 'malformed-extra', extra],
    ['USE.234567.234567', 'malformed-extra', extra],
  ];
  for (const [body, key, texts] of rows) {
    it(`${JSON.stringify(body)}: ${key}, in each language`, async () => {
      expectReplies(await t.say(EN.phone, body), [[EN.phone, texts.en]]);
      expectReplies(await t.say(FR.phone, body), [[FR.phone, texts.fr]]);
    });
  }
});

describe('a PIN not the sender’s own', () => {
  it('is answered alike whether it is another customer’s or no one’s, in each language', async () => {
    const en = (p: string) =>
      `We found no account ${p} for this phone. Check the PIN on your card and try again.`;
    const fr = (p: string) =>
      `Nous ne trouvons pas de compte ${p} pour ce téléphone. Vérifiez le PIN sur votre carte et réessayez.`;
    // 876543 is no circuit's yet; then it becomes the other customer's: the answer does not change.
    const before = await t.say(EN.phone, 'bal.876543');
    expectReplies(before, [[EN.phone, en('876543')]]);
    const frBefore = await t.say(FR.phone, 'solde.876543');
    expectReplies(frBefore, [[FR.phone, fr('876543')]]);
    await api.db.circuit.add({
      system_id: systemId,
      device_id: t.p.otherDevice.device_id,
      field_meter_id: t.g.meter.field_meter_id,
      pin: '876543',
    });
    expect((await t.say(EN.phone, 'bal.876543')).replies).toEqual(before.replies);
    expect((await t.say(FR.phone, 'solde.876543')).replies).toEqual(frBefore.replies);
    for (const body of ['use.765432', 'off.765432', 'tel.765432.+22300000009']) {
      expectReplies(await t.say(EN.phone, body), [[EN.phone, en('765432')]]);
    }
    // The French customer's PIN from the English customer's phone, and the other way round.
    expectReplies(await t.say(EN.phone, 'bal.345678'), [[EN.phone, en('345678')]]);
    expectReplies(await t.say(FR.phone, 'on.234567'), [[FR.phone, fr('234567')]]);
    expect(await jobsOf('765432')).toEqual([]);
    expect(
      await api.db.sql.query('SELECT phone FROM gateway.account WHERE phone = $1', ['+22300000009']),
    ).toMatchObject({ rows: [] });
  });
});

describe('field meters', () => {
  const name = () => t.g.meter.name;
  /** Two hours of two days ago, by the meter's clock, as a primary log writes them. */
  const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
  const stamp = (h: number) => hourStamp(day + h * HOUR_MS);
  const logsAt = async (h: number) =>
    (
      await api.db.sql.query(
        `SELECT c.pin, l.watthours, l.reported_credit::float8 AS credit FROM gateway.primary_log l
         JOIN gateway.circuit c ON c.circuit_id = l.circuit_id WHERE l.period_start = $1 ORDER BY c.pin`,
        [new Date(day + h * HOUR_MS)],
      )
    ).rows;

  it('store a primary log once, counting it repeated when sent again', async () => {
    const log = `(job=pp&status=1&ts=${stamp(8)}&cid=${CID}&tu=3600&wh=42.5&cr=10&ct=CIRCUIT)`;
    expect(await t.say(METER, log)).toMatchObject({
      state: 'handled',
      detail: 'logs: 1 added, 0 repeated',
      replies: [],
    });
    expect(await t.say(METER, log)).toMatchObject({ state: 'handled', detail: 'logs: 0 added, 1 repeated' });
    expect(await logsAt(8)).toEqual([{ pin: EN.pin, watthours: 42.5, credit: 10 }]);
  });

  it('store a compressed log, each circuit found by the number its cid ends in, once', async () => {
    const [text, ...more] = formatCompressedLogs({
      kind: 'compressed-log',
      hour: meterTimeAt(day + 9 * HOUR_MS, 'UTC'),
      mainsWh: 300,
      on: [{ circuit: compactCircuitNumber(CID), useSeconds: 3600, wh: 120.5, credit: 7.25 }],
      off: [{ circuit: compactCircuitNumber(FR.cid), useSeconds: 0, wh: 0, credit: -1.5 }],
    });
    expect(more).toEqual([]);
    expect(await t.say(METER, text!)).toMatchObject({
      state: 'handled',
      detail: 'logs: 2 added, 0 repeated',
      replies: [],
    });
    expect(await t.say(METER, text!)).toMatchObject({
      state: 'handled',
      detail: 'logs: 0 added, 2 repeated',
    });
    expect(await logsAt(9)).toEqual([
      { pin: EN.pin, watthours: 120.5, credit: 7.25 },
      { pin: FR.pin, watthours: 0, credit: -1.5 },
    ]);
  });

  it('ignore a log of a cid, or a compressed log of a circuit number, that is none of their circuits', async () => {
    await expectIgnored(
      METER,
      `(job=pp&status=1&ts=${stamp(10)}&cid=10.0.0.9&tu=1&wh=1&ct=CIRCUIT)`,
      'unknown-circuit',
      `cid 10.0.0.9: no circuit of field meter ${name()}`,
    );
    const [unknown] = formatCompressedLogs({
      kind: 'compressed-log',
      hour: meterTimeAt(day + 10 * HOUR_MS, 'UTC'),
      mainsWh: null,
      on: [
        { circuit: compactCircuitNumber(CID), useSeconds: 60, wh: 1, credit: 1 },
        { circuit: 7, useSeconds: 60, wh: 1, credit: 1 },
      ],
      off: [],
    });
    await expectIgnored(METER, unknown!, 'unknown-circuit', 'circuit 7: no circuit of the meter ends in it');
    expect(await logsAt(10)).toEqual([]);
  });

  it('keep alerts and "online" on the message, answering nothing', async () => {
    expect(await t.say(METER, `(job=alert&mid=${name()}&cid=${CID}&alert=lcw&cr=1.5)`)).toMatchObject({
      state: 'handled',
      detail: `meter alert lcw for cid ${CID} (credit 1.5)`,
      replies: [],
    });
    expect(await t.say(METER, `(job=alert&cid=${FR.cid}&alert=nocw)`)).toMatchObject({
      state: 'handled',
      detail: `meter alert nocw for cid ${FR.cid}`,
      replies: [],
    });
    expect(await t.say(METER, `${name()} online`)).toMatchObject({
      state: 'handled',
      detail: `meter ${name()} online`,
      replies: [],
    });
  });

  it('answer a ping with both clocks', async () => {
    const before = new Date();
    const said = await t.say(METER, '(job=gateway-ping&meter-time=20261205120000)');
    const after = new Date();
    expect(said).toMatchObject({ state: 'handled', detail: 'ping answered' });
    expect(said.replies).toHaveLength(1);
    const [reply] = said.replies;
    const m = /^\(ack&gateway-time=(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)&meter-time=20261205120000\)$/.exec(
      reply!.text,
    );
    expect(m, reply!.text).not.toBeNull();
    expect(reply!.to).toBe(METER);
    const [y, mo, d, h, mi, s] = m!.slice(1).map(Number) as [number, number, number, number, number, number];
    const at = Date.UTC(y, mo - 1, d, h, mi, s);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(after.getTime());
  });

  it('ignore what they cannot have sent, answering nothing', async () => {
    await expectIgnored(METER, 'garbage (((', 'malformed', /^unreadable meter message: /);
    await expectIgnored(METER, '(job=pp&status=1)', 'malformed', /^unreadable meter message: /);
    await expectIgnored(METER, 'bal.234567', 'malformed', /^unreadable meter message: /);
    await expectIgnored(METER, '(job=delete&jobid=999999999)', 'unknown-job', 'job 999999999 not found');
  });
});

describe('failed top-ups', () => {
  it('are throttled per number, even behind a thousand other messages from it', async () => {
    const guesser = '+22344444444';
    // A thousand messages already handled from the number in the last minutes.
    await api.db.message.addMany(
      Array.from({ length: 1000 }, () => ({
        system_id: systemId,
        communication_interface_id: t.iface,
        kind: 'incoming' as const,
        phone: guesser,
        body: 'add.234567.1',
        state: 'handled' as const,
        detail: 'not a command (malformed-token)',
      })),
    );
    for (let i = 1; i <= 5; i++) {
      expectReplies(await t.say(guesser, `add.234567.0000000000${i}`), [
        [guesser, 'This token is not valid. Check the number on your card and send ADD.PIN.TOKEN again.'],
      ]);
    }
    const kept = token(5);
    await expectIgnored(
      guesser,
      `add.234567.${kept}`,
      'refused',
      '5 failed redemptions from this number in 10 minutes',
    );
    // The token was not spent: its owner's number redeems it.
    expectReplies(await t.say(EN.phone, `add 234567 ${kept}`), [
      [EN.phone, 'Account 234567: 5.00 $ added. Your new balance is 18.50 $.'],
    ]);
  });
});

describe('what was ignored', () => {
  it('is counted in tess_sms_ignored_total by reason', async () => {
    const expected = Object.fromEntries(
      Object.entries(ignoredHere).map(([reason, n]) => [
        reason,
        (ignoredAtStart[reason as IgnoreReason] ?? 0) + n,
      ]),
    );
    expect(Object.keys(expected).sort()).toEqual([
      'malformed',
      'refused',
      'unknown-circuit',
      'unknown-job',
      'unknown-number',
    ]);
    // The worker counts a message just after committing it.
    await waitFor('the ignored counted', async () => {
      const now = await ignoredCounts();
      return Object.entries(expected).every(([reason, n]) => now[reason as IgnoreReason] === n);
    });
  });
});
