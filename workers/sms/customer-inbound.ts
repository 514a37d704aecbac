import { ErrorCode, isTessError } from '../../engine/errors.js';
import {
  type Command,
  formatLocalTime,
  LANGS,
  type Lang,
  PERSON_JOB_PREFIX,
  parseCommand,
  type ReplyKey,
  type ReplyValues,
  renderReply,
  switchedBy,
} from '../../engine/gateway/index.js';
import {
  type AccountRow,
  type CircuitRow,
  customerUsage,
  type Database,
  type JobRow,
  type MessageRow,
  redeemToken,
  type Savepoint,
} from '../../storage/index.js';
import type { InboundOutcome, Reply } from './inbound-outcome.js';

export interface CustomerDeps {
  /** The credit tokens' HMAC key (cli/settings.ts). */
  readonly creditTokenKey: string;
}

const DAY_MS = 86_400_000;
/** Failed redemptions by SMS from one number in TOKEN_WINDOW_MS before its texts are ignored. */
const TOKEN_FAILURES_MAX = 5;
const TOKEN_WINDOW_MS = 10 * 60_000;
/** How a refused redemption is noted on its message: what the throttle counts. */
const REDEEM_REFUSED = 'redeem refused';

/** The system's customer-facing words: its currency and time zone (config `currency-unit`, `time-zone`). */
async function systemWords(db: Database, systemId: number): Promise<{ currency: string; zone: string }> {
  const [currency, zone] = await Promise.all([
    db.configValue(systemId, 'currency-unit'),
    db.configValue(systemId, 'time-zone'),
  ]);
  return { currency: currency && /^\S{1,4}$/u.test(currency) ? currency : '$', zone: zone || 'UTC' };
}

/** The account of the system whose phone this is, if one is. */
async function accountByPhone(db: Database, systemId: number, phone: string): Promise<AccountRow | null> {
  for (const account of await db.account.list({ where: { phone }, limit: 20 })) {
    if ((await db.current('user', account.user_id))?.system_id === systemId) return account;
  }
  return null;
}

/** The circuit with `pin` if `account` owns it now (its device is the account's user's). */
async function ownedCircuit(db: Database, systemId: number, pin: string, account: AccountRow) {
  const id = await db.circuit.find({ system_id: systemId, pin });
  const circuit = id === null ? null : await db.circuit.get(id);
  if (!circuit) return null;
  const device = await db.current('device', circuit.device_id);
  return device && (await db.entryId('user', device.user_id)) === account.user_id ? circuit : null;
}

/**
 * Failed redemptions texted from `phone` lately, counted up to TOKEN_FAILURES_MAX (a
 * guesser of token numbers is slowed down as over HTTP). Every page of the window is
 * read: failures behind a thousand other messages from the number count all the same.
 */
async function recentFailures(db: Database, message: MessageRow, now: Date): Promise<number> {
  const since = new Date(now.getTime() - TOKEN_WINDOW_MS);
  let failures = 0;
  for (let after = 0; ; ) {
    const page = await db.message.list({
      where: { system_id: message.system_id, phone: message.phone, kind: 'incoming', state: 'handled' },
      after,
      limit: 1000,
      begunWithin: [{ from: since, to: null }],
    });
    failures += page.filter((m) => m.detail?.startsWith(REDEEM_REFUSED)).length;
    const last = page.at(-1);
    if (failures >= TOKEN_FAILURES_MAX || !last || page.length < 1000) return failures;
    after = last.message_id;
  }
}

/**
 * What a customer's SMS does: its command (engine/gateway/sms/commands.ts) acted on and
 * answered in the account's language. Anyone may redeem a token for a PIN (a vendor tops
 * up for a customer); every other command only from the phone of the account that owns
 * the circuit, and a PIN that is not theirs is answered exactly as one that does not
 * exist. A number that is no account's gets nothing but a redemption's answer.
 */
export async function onCustomerMessage(
  db: Database,
  message: MessageRow,
  deps: CustomerDeps,
  now: Date,
  savepoint: Savepoint,
): Promise<InboundOutcome> {
  const systemId = message.system_id;
  const parsed = parseCommand(message.body);
  const account = await accountByPhone(db, systemId, message.phone);
  const keywordLang = parsed.ok ? parsed.command.lang : parsed.failure.lang;
  const lang: Lang =
    account && (LANGS as readonly string[]).includes(account.lang)
      ? (account.lang as Lang)
      : (keywordLang ?? 'en');
  const reply = <K extends ReplyKey>(key: K, values: ReplyValues<K>, phone = message.phone): Reply => ({
    phone,
    body: renderReply(lang, key, values),
  });
  const handled = (detail: string, replies: Reply[], circuit?: CircuitRow): InboundOutcome => ({
    state: 'handled',
    detail,
    replies,
    ...(circuit ? { circuitId: circuit.circuit_id } : {}),
  });
  const redeeming = parsed.ok ? parsed.command.command === 'redeem' : parsed.failure.command === 'redeem';
  if (!account && !redeeming) {
    return {
      state: 'ignored',
      detail: 'no account or field meter has this number',
      reason: 'unknown-number',
    };
  }
  if (!parsed.ok) {
    const key = parsed.failure.reply;
    return handled(`not a command (${key})`, [reply(key, {} as ReplyValues<typeof key>)]);
  }
  const command: Command = parsed.command;
  const { pin } = command;
  const words = await systemWords(db, systemId);

  if (command.command === 'redeem') {
    if ((await recentFailures(db, message, now)) >= TOKEN_FAILURES_MAX) {
      return {
        state: 'ignored',
        detail: `${TOKEN_FAILURES_MAX} failed redemptions from this number in 10 minutes`,
        reason: 'refused',
      };
    }
    try {
      const redeemed = await savepoint(() =>
        redeemToken(db, systemId, pin, command.token, deps.creditTokenKey),
      );
      const values = { pin, value: redeemed.value, balance: redeemed.balance, currency: words.currency };
      return handled(`redeemed ${redeemed.value} for ${pin}`, [reply('topped-up', values)]);
    } catch (err) {
      if (!isTessError(err)) throw err;
      const key: ReplyKey =
        err.code === ErrorCode.EXISTS
          ? 'token-used'
          : err.code === ErrorCode.INVALID
            ? 'malformed-token'
            : err.message.startsWith('circuit')
              ? 'pin-unknown'
              : 'token-unknown';
      if (
        err.code !== ErrorCode.EXISTS &&
        err.code !== ErrorCode.NOT_FOUND &&
        err.code !== ErrorCode.INVALID
      ) {
        throw err;
      }
      const replyOf =
        key === 'pin-unknown' ? reply('pin-unknown', { pin }) : reply(key, {} as ReplyValues<typeof key>);
      return handled(`${REDEEM_REFUSED}: ${err.message}`, [replyOf]);
    }
  }

  const circuit = account ? await ownedCircuit(db, systemId, pin, account) : null;
  if (!account || !circuit)
    return handled(`no circuit ${pin} of this number's account`, [reply('pin-unknown', { pin })]);
  const circuitEntry = (await db.entryId('circuit', circuit.circuit_id)) ?? circuit.circuit_id;
  const usage = await customerUsage(db, account.user_id, circuitEntry, new Date(now.getTime() - 30 * DAY_MS));
  const balance = {
    pin,
    balance: usage.balance,
    currency: words.currency,
    updated: formatLocalTime((usage.updated ?? now).getTime(), words.zone),
  };

  switch (command.command) {
    case 'balance':
      return handled('balance', [reply('balance', balance)], circuit);
    case 'usage':
      return handled(
        'usage',
        [reply('usage', { pin, energy: usage.wh, spent: usage.spent, currency: words.currency })],
        circuit,
      );
    case 'on':
    case 'off': {
      // Credit decides the switch: a circuit without credit is not turned on by asking.
      if (command.command === 'on' && usage.balance <= 0) {
        return handled('switch on refused: no credit', [reply('balance', balance)], circuit);
      }
      await db.job.add({
        unique_id: `${PERSON_JOB_PREFIX}${message.unique_id}`,
        circuit_id: circuitEntry,
        type: command.command === 'on' ? 'TurnOn' : 'TurnOff',
      });
      return {
        ...handled(
          `switch ${command.command} queued`,
          [reply('switch-queued', { pin, state: command.command })],
          circuit,
        ),
        queuedJobsOfMeter: circuit.field_meter_id,
      } as InboundOutcome;
    }
    case 'phone': {
      const old = account.phone ?? message.phone;
      await db.account.set({ user_id: account.user_id, phone: command.number });
      const values = { pin, old, new: command.number };
      return handled(
        `phone changed to ${command.number}`,
        [reply('phone-changed', values), reply('phone-changed', values, command.number)],
        circuit,
      );
    }
  }
}

/**
 * The text telling a customer that the switch they asked for by SMS was done, when the
 * meter acknowledged `job` (its unique id names the command's message), or null for a
 * job no customer asked for by SMS.
 */
export async function switchDone(db: Database, job: JobRow, now: Date): Promise<Reply | null> {
  if (switchedBy(job.unique_id) !== 'person' || (job.type !== 'TurnOn' && job.type !== 'TurnOff'))
    return null;
  const id = await db.message.find({ unique_id: job.unique_id.slice(PERSON_JOB_PREFIX.length) });
  const asked = id === null ? null : await db.message.get(id);
  const circuit = await db.current('circuit', job.circuit_id);
  if (!asked || !circuit) return null;
  const account = await accountByPhone(db, asked.system_id, asked.phone);
  const lang: Lang =
    account && (LANGS as readonly string[]).includes(account.lang) ? (account.lang as Lang) : 'en';
  const { zone } = await systemWords(db, asked.system_id);
  return {
    phone: asked.phone,
    body: renderReply(lang, 'switch-done', {
      pin: circuit.pin,
      state: job.type === 'TurnOn' ? 'on' : 'off',
      at: formatLocalTime(now.getTime(), zone),
    }),
  };
}
