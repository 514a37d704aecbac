import { invalid } from '../../errors.js';
import { isPin } from '../pin.js';
import { normalisePhoneNumber } from './commands.js';
import { isGsm7Basic } from './gsm7.js';
import type { Lang } from './langs.js';
import { LOCAL_TIME_PATTERN } from './local-time.js';
import { CREDIT_MAX } from './meter-messages.js';

/**
 * The values replies show, as data: for each placeholder name, how a value is written in
 * each language and the values with the longest texts. Every value is checked against
 * the bounds its longest was chosen from, so a reply tested with the longest values of
 * its placeholders (the tests do, for every template) fits one SMS with any values.
 */
export interface Placeholder<V> {
  render(value: V, lang: Lang, name: string): string;
  readonly longest: readonly V[];
}

/** Decimal marks: French writes 12,50. */
const DECIMAL_MARK: Readonly<Record<Lang, string>> = { en: '.', fr: ',' };

/** `value` with two decimals in `lang`, computed on whole hundredths so -0.001 shows 0.00. */
function twoDecimals(value: number, lang: Lang): string {
  const hundredths = Math.round(Math.abs(value) * 100);
  const sign = value < 0 && hundredths > 0 ? '-' : '';
  const whole = Math.floor(hundredths / 100);
  return `${sign}${whole}${DECIMAL_MARK[lang]}${String(hundredths % 100).padStart(2, '0')}`;
}

/** A number of [min, max], shown with two decimals. */
function amount(min: number, max: number, scale = 1): Placeholder<number> {
  return {
    render(value, lang, name) {
      if (!Number.isFinite(value) || value < min || value > max) {
        throw invalid(`reply value ${name}: ${value} is not in ${min}..${max}`);
      }
      return twoDecimals(value / scale, lang);
    },
    longest: [min < 0 ? min : max],
  };
}

/** A money amount, currency units, either sign, as bounded as a meter's credit. */
const MONEY = amount(-CREDIT_MAX, CREDIT_MAX);

/** Energy given in Wh, shown in kWh: up to 1 GWh, beyond any customer's month. */
const ENERGY = amount(0, 1e9, 1000);

/** Text matching `ok`, shown as it is. */
function text(what: string, ok: (value: string) => boolean, longest: string): Placeholder<string> {
  return {
    render(value, _lang, name) {
      if (!ok(value)) throw invalid(`reply value ${name}: ${JSON.stringify(value)} is not ${what}`);
      return value;
    },
    longest: [longest],
  };
}

const TIME = text('a time YYYY-MM-DD HH:mm', (v) => LOCAL_TIME_PATTERN.test(v), '2024-12-31 23:59');
const PHONE = text(
  'a phone number (+ and 6 to 15 digits)',
  (v) => normalisePhoneNumber(v) === v,
  '+123456789012345',
);

/** A circuit switched on or off, in words of each language (French: the circuit is masculine). */
const STATE_WORDS = { on: { en: 'on', fr: 'allumé' }, off: { en: 'off', fr: 'éteint' } } as const;
const STATE: Placeholder<keyof typeof STATE_WORDS> = {
  render(value, lang, name) {
    const words = STATE_WORDS[value];
    if (words === undefined) throw invalid(`reply value ${name}: ${JSON.stringify(value)} is not on or off`);
    return words[lang];
  },
  longest: ['on', 'off'],
};

export const PLACEHOLDERS = {
  /** The account's PIN. */
  pin: text('a PIN', isPin, '234567'),
  balance: MONEY,
  /** A token's value. */
  value: MONEY,
  spent: MONEY,
  /** The system's currency as customers know it ("XOF", "FCFA", "$"): 1 to 4 GSM-7 characters, no space. */
  currency: text('a currency of 1 to 4 characters', (v) => /^\S{1,4}$/u.test(v) && isGsm7Basic(v), 'FCFA'),
  /** When the balance was last computed. */
  updated: TIME,
  /** When the meter acknowledged the job. */
  at: TIME,
  energy: ENERGY,
  old: PHONE,
  new: PHONE,
  state: STATE,
} as const satisfies Record<
  string,
  { render(value: never, lang: Lang, name: string): string; readonly longest: readonly unknown[] }
>;

export type PlaceholderName = keyof typeof PLACEHOLDERS;
export type PlaceholderValue<P extends PlaceholderName> = Parameters<(typeof PLACEHOLDERS)[P]['render']>[0];
