import { normaliseTokenNumber } from '../credit-token.js';
import { isPin } from '../pin.js';
import type { Lang } from './langs.js';
import { INBOUND_TEXT_MAX } from './sms-limits.js';

/**
 * What customers text the gateway: a keyword, their PIN, and for two commands one more
 * value. Fields are separated by dots or spaces (runs of either count as one), keywords
 * are read in any case, and whitespace around the text is ignored. Each command has an
 * English and a French keyword where they differ, and a digit for phones where letters
 * are slow to type.
 *
 * The PIN is always exactly one field. The last value (a token, a phone number) is
 * everything after the PIN, joined: a token printed as "1234 5678 901" or "1234-5678-901"
 * and a number written "+223 76 12 34 56" read whole. That keeps the grammar unambiguous,
 * because nothing follows the last value; the price is that a command with no last value
 * refuses anything after its PIN (malformed-extra), rather than guess what was meant.
 */
export const COMMANDS = {
  balance: { words: ['bal', 'solde', '2'], last: null },
  redeem: { words: ['add', 'recharge', '9'], last: 'token' },
  on: { words: ['on', '1'], last: null },
  off: { words: ['off', '0'], last: null },
  usage: { words: ['use', '3'], last: null },
  phone: { words: ['tel', 'prim', '4'], last: 'number' },
} as const;
export type CommandName = keyof typeof COMMANDS;

/**
 * The language a keyword shows. Only words of one language count: on, off and tel are
 * written alike in English and French, and digits in neither. Replies still go in the
 * account's language when it is known; this is for a sender without one.
 */
const WORD_LANG: Readonly<Record<string, Lang>> = {
  bal: 'en',
  add: 'en',
  use: 'en',
  solde: 'fr',
  recharge: 'fr',
};

type LastValue<C extends CommandName> = (typeof COMMANDS)[C]['last'];

/** A command read: its name, the PIN, its last value when it has one, and the language its keyword shows. */
export type Command = {
  [C in CommandName]: {
    readonly command: C;
    readonly pin: string;
    readonly lang: Lang | null;
  } & (LastValue<C> extends 'token'
    ? { readonly token: string }
    : LastValue<C> extends 'number'
      ? { readonly number: string }
      : unknown);
}[CommandName];

/** Why a text is no command, as the key of the reply that says so (reply-templates.ts). */
export type CommandProblem =
  | 'unknown-command'
  | 'malformed-pin'
  | 'malformed-token'
  | 'malformed-number'
  | 'malformed-extra';

export interface CommandFailure {
  readonly reply: CommandProblem;
  /** The command meant, when its keyword was read. */
  readonly command: CommandName | null;
  readonly lang: Lang | null;
}

export type ParsedCommand =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly failure: CommandFailure };

const BY_WORD: ReadonlyMap<string, CommandName> = new Map(
  (Object.keys(COMMANDS) as CommandName[]).flatMap((c) => COMMANDS[c].words.map((w) => [w, c] as const)),
);

/** A phone number, E.164-like: an optional +, then 6 to 15 digits; dashes between digits are dropped. */
export function normalisePhoneNumber(text: string): string | null {
  const compact = text.replace(/(?<=\d)-(?=\d)/g, '');
  return /^\+?[0-9]{6,15}$/.test(compact) ? compact : null;
}

/** A customer's text as a command, or the reply that says why it is none. */
export function parseCommand(text: string): ParsedCommand {
  const fail = (reply: CommandProblem, command: CommandName | null, lang: Lang | null): ParsedCommand =>
    Object.freeze({ ok: false, failure: Object.freeze({ reply, command, lang }) });
  const done = (read: Command): ParsedCommand => Object.freeze({ ok: true, command: Object.freeze(read) });
  if (text.length > INBOUND_TEXT_MAX) return fail('unknown-command', null, null);
  const [word = '', pin, ...rest] = text.split(/[.\s]+/u).filter((f) => f !== '');
  const keyword = word.toLowerCase();
  const command = BY_WORD.get(keyword);
  const lang = WORD_LANG[keyword] ?? null;
  if (command === undefined) return fail('unknown-command', null, lang);
  if (pin === undefined || !isPin(pin)) return fail('malformed-pin', command, lang);
  const last = COMMANDS[command].last;
  if (last === null) {
    if (rest.length > 0) return fail('malformed-extra', command, lang);
    return done({ command, pin, lang } as Command);
  }
  const joined = rest.join('');
  if (last === 'token') {
    const token = normaliseTokenNumber(joined);
    if (token === null) return fail('malformed-token', command, lang);
    return done({ command, pin, lang, token } as Command);
  }
  const number = normalisePhoneNumber(joined);
  if (number === null) return fail('malformed-number', command, lang);
  return done({ command, pin, lang, number } as Command);
}
