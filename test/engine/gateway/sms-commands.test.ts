import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTessError } from '../../../engine/errors.js';
import {
  COMMANDS,
  type Command,
  type CommandFailure,
  formatLocalTime,
  isGsm7Basic,
  LANGS,
  type Lang,
  PLACEHOLDERS,
  parseCommand,
  REPLY_TEMPLATES,
  type ReplyKey,
  renderReply,
} from '../../../engine/gateway/index.js';

const PIN = '234567';
const TOKEN = '12345678901';

const ok = (text: string): Command => {
  const read = parseCommand(text);
  if (!read.ok) throw new Error(`${JSON.stringify(text)} was refused: ${read.failure.reply}`);
  return read.command;
};
const failure = (text: string): CommandFailure => {
  const read = parseCommand(text);
  if (read.ok) throw new Error(`${JSON.stringify(text)} was read as ${read.command.command}`);
  return read.failure;
};

describe('customer commands', () => {
  const forms: [string, Command][] = [
    [`bal.${PIN}`, { command: 'balance', pin: PIN, lang: 'en' }],
    [`BAL.${PIN}`, { command: 'balance', pin: PIN, lang: 'en' }],
    [`solde.${PIN}`, { command: 'balance', pin: PIN, lang: 'fr' }],
    [`Solde ${PIN}`, { command: 'balance', pin: PIN, lang: 'fr' }],
    [`2.${PIN}`, { command: 'balance', pin: PIN, lang: null }],
    [`  2 .. ${PIN}\n`, { command: 'balance', pin: PIN, lang: null }],
    [`add.${PIN}.${TOKEN}`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'en' }],
    [`Add ${PIN} 1234 5678 901`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'en' }],
    [`add.${PIN}.1234-5678-901`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'en' }],
    [`add.${PIN}.1234.5678.901`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'en' }],
    [`recharge.${PIN}.${TOKEN}`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'fr' }],
    [`RECHARGE . ${PIN} . ${TOKEN}`, { command: 'redeem', pin: PIN, token: TOKEN, lang: 'fr' }],
    [`9.${PIN}.${TOKEN}`, { command: 'redeem', pin: PIN, token: TOKEN, lang: null }],
    [`9 ${PIN} ${TOKEN}00000`, { command: 'redeem', pin: PIN, token: `${TOKEN}00000`, lang: null }],
    [`on.${PIN}`, { command: 'on', pin: PIN, lang: null }],
    [`ON ${PIN}`, { command: 'on', pin: PIN, lang: null }],
    [`1.${PIN}`, { command: 'on', pin: PIN, lang: null }],
    [`off.${PIN}`, { command: 'off', pin: PIN, lang: null }],
    [`Off\t${PIN}`, { command: 'off', pin: PIN, lang: null }],
    [`0.${PIN}`, { command: 'off', pin: PIN, lang: null }],
    [`use.${PIN}`, { command: 'usage', pin: PIN, lang: 'en' }],
    [`USE. ${PIN}.`, { command: 'usage', pin: PIN, lang: 'en' }],
    [`3.${PIN}`, { command: 'usage', pin: PIN, lang: null }],
    [`tel.${PIN}.+22376123456`, { command: 'phone', pin: PIN, number: '+22376123456', lang: null }],
    [`Tel ${PIN} +223 76 12 34 56`, { command: 'phone', pin: PIN, number: '+22376123456', lang: null }],
    [`prim.${PIN}.076-123-456`, { command: 'phone', pin: PIN, number: '076123456', lang: null }],
    [`PRIM ${PIN} 123456`, { command: 'phone', pin: PIN, number: '123456', lang: null }],
    [`4.${PIN}.123456789012345`, { command: 'phone', pin: PIN, number: '123456789012345', lang: null }],
    [`.bal.${PIN}.`, { command: 'balance', pin: PIN, lang: 'en' }],
  ];
  for (const [text, command] of forms) {
    it(`reads ${JSON.stringify(text)}`, () => {
      const read = ok(text);
      expect(read).toEqual(command);
      expect(Object.isFrozen(read)).toBe(true);
    });
  }

  const refused: [string, CommandFailure][] = [
    ['', { reply: 'unknown-command', command: null, lang: null }],
    ['   ', { reply: 'unknown-command', command: null, lang: null }],
    ['hello', { reply: 'unknown-command', command: null, lang: null }],
    [`balance.${PIN}`, { reply: 'unknown-command', command: null, lang: null }],
    [`5.${PIN}`, { reply: 'unknown-command', command: null, lang: null }],
    [`bal${PIN}`, { reply: 'unknown-command', command: null, lang: null }],
    [`bal,${PIN}`, { reply: 'unknown-command', command: null, lang: null }],
    ['x'.repeat(1601), { reply: 'unknown-command', command: null, lang: null }],
    ['bal', { reply: 'malformed-pin', command: 'balance', lang: 'en' }],
    ['solde.23456', { reply: 'malformed-pin', command: 'balance', lang: 'fr' }],
    ['bal.234561', { reply: 'malformed-pin', command: 'balance', lang: 'en' }],
    ['bal.223456', { reply: 'malformed-pin', command: 'balance', lang: 'en' }],
    ['on.234 567', { reply: 'malformed-pin', command: 'on', lang: null }],
    [`add.${TOKEN}`, { reply: 'malformed-pin', command: 'redeem', lang: 'en' }],
    [`add.${PIN}`, { reply: 'malformed-token', command: 'redeem', lang: 'en' }],
    [`recharge.${PIN}.1234567890`, { reply: 'malformed-token', command: 'redeem', lang: 'fr' }],
    [`9.${PIN}.1234567890a`, { reply: 'malformed-token', command: 'redeem', lang: null }],
    [`9.${PIN}.${'1'.repeat(33)}`, { reply: 'malformed-token', command: 'redeem', lang: null }],
    [`tel.${PIN}`, { reply: 'malformed-number', command: 'phone', lang: null }],
    [`tel.${PIN}.12345`, { reply: 'malformed-number', command: 'phone', lang: null }],
    [`tel.${PIN}.1234567890123456`, { reply: 'malformed-number', command: 'phone', lang: null }],
    [`prim.${PIN}.22+376123456`, { reply: 'malformed-number', command: 'phone', lang: null }],
    [`4.${PIN}.-123456`, { reply: 'malformed-number', command: 'phone', lang: null }],
    [`bal.${PIN}.please`, { reply: 'malformed-extra', command: 'balance', lang: 'en' }],
    [`off ${PIN} 345678`, { reply: 'malformed-extra', command: 'off', lang: null }],
    [`use.${PIN}.30`, { reply: 'malformed-extra', command: 'usage', lang: 'en' }],
  ];
  for (const [text, expected] of refused) {
    it(`refuses ${JSON.stringify(text.length > 40 ? `${text.slice(0, 20)}…` : text)} with ${expected.reply}`, () =>
      expect(failure(text)).toEqual(expected));
  }

  it('has no keyword twice', () => {
    const words = Object.values(COMMANDS).flatMap((c) => c.words);
    expect(new Set(words).size).toBe(words.length);
  });

  it('reads any command whatever its case and separators, and never throws', () => {
    const sep = fc.stringMatching(/^[. \t\n]{1,3}$/);
    const caseOf = (word: string, upper: boolean[]) =>
      [...word].map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch)).join('');
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])),
        fc.nat(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.array(sep, { minLength: 3, maxLength: 3 }),
        fc.stringMatching(/^[0-9]{11,20}$/),
        fc.stringMatching(/^\+?[0-9]{6,15}$/),
        (name, pick, upper, [s1, s2, s3], token, number) => {
          const words = COMMANDS[name].words;
          const word = caseOf(words[pick % words.length]!, upper);
          const last = COMMANDS[name].last;
          const tail = last === 'token' ? `${s3}${token}` : last === 'number' ? `${s3}${number}` : '';
          const read = ok(`${s1}${word}${s2}${PIN}${tail}`);
          expect(read.command).toBe(name);
          expect(read.pin).toBe(PIN);
          if (last === 'token') expect(read).toHaveProperty('token', token);
          if (last === 'number') expect(read).toHaveProperty('number', number);
        },
      ),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const read = parseCommand(text);
        expect(typeof read.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

/** A sample of values for every placeholder, as the word-for-word table uses them. */
const SAMPLE = {
  pin: PIN,
  balance: 1250.5,
  value: 1000,
  spent: 3.456,
  currency: 'XOF',
  updated: '2024-05-01 18:30',
  at: '2024-05-01 18:42',
  energy: 12_345,
  old: '+22376123456',
  new: '0612345678',
} as const;

describe('replies', () => {
  const expected: [ReplyKey, Record<string, unknown>, string, string][] = [
    [
      'balance',
      SAMPLE,
      'Account 234567: your balance is 1250.50 XOF (updated 2024-05-01 18:30).',
      'Compte 234567 : votre solde est de 1250,50 XOF (mis à jour le 2024-05-01 18:30).',
    ],
    [
      'balance',
      { ...SAMPLE, balance: -0.004 },
      'Account 234567: your balance is 0.00 XOF (updated 2024-05-01 18:30).',
      'Compte 234567 : votre solde est de 0,00 XOF (mis à jour le 2024-05-01 18:30).',
    ],
    [
      'balance',
      { ...SAMPLE, balance: -12.5, currency: '$' },
      'Account 234567: your balance is -12.50 $ (updated 2024-05-01 18:30).',
      'Compte 234567 : votre solde est de -12,50 $ (mis à jour le 2024-05-01 18:30).',
    ],
    [
      'topped-up',
      SAMPLE,
      'Account 234567: 1000.00 XOF added. Your new balance is 1250.50 XOF.',
      'Compte 234567 : 1000,00 XOF ajoutés. Votre nouveau solde est de 1250,50 XOF.',
    ],
    [
      'token-used',
      {},
      'This token has already been used: each token adds credit once. Check the number on your card.',
      "Ce code a déjà été utilisé : chaque code ne sert qu'une fois. Vérifiez le numéro sur votre carte.",
    ],
    [
      'token-unknown',
      {},
      'This token is not valid. Check the number on your card and send ADD.PIN.TOKEN again.',
      "Ce code n'est pas valide. Vérifiez le numéro sur votre carte et renvoyez RECHARGE.PIN.CODE.",
    ],
    [
      'pin-unknown',
      SAMPLE,
      'We found no account 234567 for this phone. Check the PIN on your card and try again.',
      'Nous ne trouvons pas de compte 234567 pour ce téléphone. Vérifiez le PIN sur votre carte et réessayez.',
    ],
    [
      'switch-queued',
      { ...SAMPLE, state: 'on' },
      'Account 234567: your circuit will be turned on shortly. You will get a message when it is done.',
      'Compte 234567 : votre circuit sera allumé sous peu. Vous recevrez un message quand ce sera fait.',
    ],
    [
      'switch-queued',
      { ...SAMPLE, state: 'off' },
      'Account 234567: your circuit will be turned off shortly. You will get a message when it is done.',
      'Compte 234567 : votre circuit sera éteint sous peu. Vous recevrez un message quand ce sera fait.',
    ],
    [
      'switch-done',
      { ...SAMPLE, state: 'off' },
      'Account 234567: your circuit was turned off at 2024-05-01 18:42.',
      'Compte 234567 : votre circuit a été éteint le 2024-05-01 18:42.',
    ],
    [
      'switch-done',
      { ...SAMPLE, state: 'on' },
      'Account 234567: your circuit was turned on at 2024-05-01 18:42.',
      'Compte 234567 : votre circuit a été allumé le 2024-05-01 18:42.',
    ],
    [
      'usage',
      SAMPLE,
      'Account 234567, last 30 days: 12.35 kWh used, 3.46 XOF spent.',
      'Compte 234567, 30 derniers jours : 12,35 kWh consommés, 3,46 XOF dépensés.',
    ],
    [
      'phone-changed',
      SAMPLE,
      'Account 234567: its phone number changed from +22376123456 to 0612345678. Messages now go to 0612345678.',
      'Compte 234567 : son numéro de téléphone passe du +22376123456 au 0612345678. Les messages iront au 0612345678.',
    ],
    [
      'unknown-command',
      {},
      'Unknown command. Send BAL.PIN (balance), ADD.PIN.TOKEN (credit), ON.PIN, OFF.PIN, USE.PIN (30 days) or TEL.PIN.NUMBER (phone).',
      'Commande inconnue. Envoyez SOLDE.PIN (solde), RECHARGE.PIN.CODE (crédit), ON.PIN, OFF.PIN, USE.PIN (30 jours) ou TEL.PIN.NUMERO.',
    ],
    [
      'malformed-pin',
      {},
      'Your PIN is the 6 different digits from 2 to 9 on your card. Example: BAL.234567',
      'Votre PIN est fait des 6 chiffres différents de 2 à 9 de votre carte. Exemple : SOLDE.234567',
    ],
    [
      'malformed-token',
      {},
      'The token is the number of 11 or more digits on your card. Send ADD.PIN.TOKEN, for example ADD.234567.12345678901',
      "Le code est le nombre d'au moins 11 chiffres de votre carte. Envoyez RECHARGE.PIN.CODE, par exemple RECHARGE.234567.12345678901",
    ],
    [
      'malformed-number',
      {},
      'A phone number is 6 to 15 digits, with + in front if you like. Send TEL.PIN.NUMBER, for example TEL.234567.+22376123456',
      'Un numéro de téléphone a 6 à 15 chiffres, avec + devant si besoin. Envoyez TEL.PIN.NUMERO, par exemple TEL.234567.+22376123456',
    ],
    [
      'malformed-extra',
      {},
      'Too many parts in your message: send the command and your PIN only, for example BAL.234567 or OFF.234567',
      "Trop d'éléments dans votre message : envoyez la commande et votre PIN seulement, par exemple SOLDE.234567 ou OFF.234567",
    ],
  ];
  for (const [key, values, en, fr] of expected) {
    it(`${key} reads word for word in English and French`, () => {
      expect(renderReply('en', key, values as never)).toBe(en);
      expect(renderReply('fr', key, values as never)).toBe(fr);
    });
  }

  it('has a reply for every key, and every failure of a command names one', () => {
    const tested = new Set(expected.map(([k]) => k));
    expect([...tested].sort()).toEqual(Object.keys(REPLY_TEMPLATES).sort());
    for (const text of ['x', 'bal', 'add.234567', 'tel.234567', 'bal.234567.x']) {
      expect(Object.keys(REPLY_TEMPLATES)).toContain(failure(text).reply);
    }
  });

  const names = (t: string) => [...t.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!).sort();

  it('uses in both languages the same declared placeholders, and nothing outside the GSM-7 basic set', () => {
    for (const [key, t] of Object.entries(REPLY_TEMPLATES)) {
      expect(names(t.fr), key).toEqual(names(t.en));
      for (const name of names(t.en)) expect(Object.keys(PLACEHOLDERS), key).toContain(name);
      // Braces are the extension table's; they mark placeholders and never reach a customer.
      for (const lang of LANGS)
        expect(isGsm7Basic(t[lang].replace(/\{[a-z]+\}/g, '')), `${key} ${lang}`).toBe(true);
    }
  });

  /** Every combination of the longest values of a template's placeholders. */
  function longestValues(template: string): Record<string, unknown>[] {
    let out: Record<string, unknown>[] = [{}];
    for (const name of new Set(names(template))) {
      const longest = PLACEHOLDERS[name as keyof typeof PLACEHOLDERS].longest as readonly unknown[];
      out = out.flatMap((v) => longest.map((l) => ({ ...v, [name]: l })));
    }
    return out;
  }

  it('fits one SMS in GSM-7 for the longest values of every placeholder', () => {
    for (const [key, t] of Object.entries(REPLY_TEMPLATES) as [ReplyKey, Record<Lang, string>][]) {
      for (const lang of LANGS) {
        for (const values of longestValues(t[lang])) {
          const text = renderReply(lang, key, values as never);
          expect(text.length, `${key} ${lang}: ${text}`).toBeLessThanOrEqual(160);
          expect(isGsm7Basic(text), `${key} ${lang}: ${text}`).toBe(true);
        }
      }
    }
  });

  it('the longest values are the longest: any values in bounds give a text no longer', () => {
    const money = fc.double({ min: -1e9, max: 1e9, noNaN: true });
    fc.assert(
      fc.property(
        fc.constantFrom(...LANGS),
        fc.record({
          pin: fc.constantFrom('234567', '987654', '592837'),
          balance: money,
          value: money,
          spent: money,
          currency: fc.stringMatching(/^[A-Z$£¥]{1,4}$/),
          updated: fc.constant('2024-02-29 00:00'),
          at: fc.constant('1999-12-31 23:59'),
          energy: fc.double({ min: 0, max: 1e9, noNaN: true }),
          old: fc.stringMatching(/^\+?[0-9]{6,15}$/),
          new: fc.stringMatching(/^\+?[0-9]{6,15}$/),
          state: fc.constantFrom('on' as const, 'off' as const),
        }),
        (lang, values) => {
          for (const key of Object.keys(REPLY_TEMPLATES) as ReplyKey[]) {
            const text = renderReply(lang, key, values as never);
            expect(text.length).toBeLessThanOrEqual(160);
            expect(isGsm7Basic(text)).toBe(true);
          }
        },
      ),
    );
  });

  const refusals: [string, () => unknown, string][] = [
    [
      'a balance beyond the bound',
      () => renderReply('en', 'balance', { ...SAMPLE, balance: 2e9 }),
      'reply value balance: 2000000000 is not in -1000000000..1000000000',
    ],
    [
      'a NaN',
      () => renderReply('en', 'usage', { ...SAMPLE, energy: Number.NaN }),
      'reply value energy: NaN is not in 0..1000000000',
    ],
    [
      'negative energy',
      () => renderReply('en', 'usage', { ...SAMPLE, energy: -1 }),
      'reply value energy: -1 is not in 0..1000000000',
    ],
    [
      'a currency too long',
      () => renderReply('en', 'balance', { ...SAMPLE, currency: 'DOLLAR' }),
      'reply value currency: "DOLLAR" is not a currency of 1 to 4 characters',
    ],
    [
      'a currency outside GSM-7',
      () => renderReply('en', 'balance', { ...SAMPLE, currency: '€' }),
      'reply value currency: "€" is not a currency of 1 to 4 characters',
    ],
    [
      'a time in another shape',
      () => renderReply('en', 'balance', { ...SAMPLE, updated: '2024-05-01T18:30Z' }),
      'reply value updated: "2024-05-01T18:30Z" is not a time YYYY-MM-DD HH:mm',
    ],
    [
      'a malformed PIN',
      () => renderReply('en', 'pin-unknown', { pin: '123456' }),
      'reply value pin: "123456" is not a PIN',
    ],
    [
      'a phone with spaces',
      () => renderReply('en', 'phone-changed', { ...SAMPLE, new: '06 12 34 56 78' }),
      'reply value new: "06 12 34 56 78" is not a phone number (+ and 6 to 15 digits)',
    ],
    [
      'a state other than on or off',
      () => renderReply('fr', 'switch-done', { ...SAMPLE, state: 'dim' as never }),
      'reply value state: "dim" is not on or off',
    ],
    [
      'a missing value',
      () => renderReply('en', 'balance', { pin: PIN } as never),
      'reply balance: value balance missing',
    ],
    [
      'an unknown language',
      () => renderReply('de' as never, 'balance', SAMPLE),
      'reply language "de" is not one of en, fr',
    ],
    [
      'an unknown reply',
      () => renderReply('en', 'hello' as never, {} as never),
      'reply "hello" is not a reply',
    ],
  ];
  for (const [name, f, message] of refusals) {
    it(`refuses ${name}`, () => {
      try {
        f();
      } catch (e) {
        expect(isTessError(e) && e.code === ErrorCode.INVALID).toBe(true);
        expect((e as Error).message).toBe(message);
        return;
      }
      throw new Error('expected an INVALID error');
    });
  }

  it('asks, at compile time too, for every value of its template', () => {
    const needsCurrency = () =>
      // @ts-expect-error the balance reply needs a currency
      renderReply('en', 'balance', { pin: PIN, balance: 1, updated: '2024-01-01 00:00' });
    expect(needsCurrency).toThrow('reply balance: value currency missing');
  });

  it('shows a time in the system’s zone as YYYY-MM-DD HH:mm', () => {
    const t = Date.UTC(2024, 4, 1, 18, 30, 59);
    expect(formatLocalTime(t, 'Africa/Bamako')).toBe('2024-05-01 18:30');
    expect(formatLocalTime(t, 'Africa/Nairobi')).toBe('2024-05-01 21:30');
    expect(formatLocalTime(t, 'America/New_York')).toBe('2024-05-01 14:30');
    expect(
      renderReply('en', 'switch-done', { pin: PIN, state: 'on', at: formatLocalTime(t, 'Africa/Dakar') }),
    ).toBe('Account 234567: your circuit was turned on at 2024-05-01 18:30.');
  });
});
