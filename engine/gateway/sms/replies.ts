import { ErrorCode, invalid, TessError } from '../../errors.js';
import { isGsm7Basic } from './gsm7.js';
import { LANGS, type Lang } from './langs.js';
import { REPLY_TEMPLATES, type ReplyKey } from './reply-templates.js';
import { PLACEHOLDERS, type PlaceholderName, type PlaceholderValue } from './reply-values.js';
import { SMS_MAX } from './sms-limits.js';

/** The placeholder names of a template, read from its text by the type system. */
type NamesIn<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | NamesIn<Rest> : never;

/** What a reply needs: one value for each placeholder of its (English) template. */
export type ReplyValues<K extends ReplyKey> = {
  readonly [P in NamesIn<(typeof REPLY_TEMPLATES)[K]['en']> & PlaceholderName]: PlaceholderValue<P>;
};

/** A placeholder in a template. The tests hold every name against PLACEHOLDERS and the other language's template. */
const PLACEHOLDER = /\{([a-z]+)\}/g;

/**
 * A reply in `lang`: its template with each placeholder written from `values`. A value
 * outside its bounds is an INVALID error; a reply that still does not fit one SMS in the
 * GSM 7-bit alphabet is a bug in a template (INTERNAL), which the tests rule out.
 */
export function renderReply<K extends ReplyKey>(lang: Lang, key: K, values: ReplyValues<K>): string {
  if (!LANGS.includes(lang))
    throw invalid(`reply language ${JSON.stringify(lang)} is not one of ${LANGS.join(', ')}`);
  const template = REPLY_TEMPLATES[key]?.[lang];
  if (template === undefined) throw invalid(`reply ${JSON.stringify(key)} is not a reply`);
  const given = values as Readonly<Record<string, unknown>>;
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const placeholder = PLACEHOLDERS[name as PlaceholderName] as
      | { render(value: unknown, lang: Lang, name: string): string }
      | undefined;
    if (placeholder === undefined)
      throw new TessError(ErrorCode.INTERNAL, `reply ${key}: no placeholder {${name}}`);
    if (given[name] === undefined) throw invalid(`reply ${key}: value ${name} missing`);
    return placeholder.render(given[name], lang, name);
  });
  if (text.length > SMS_MAX || !isGsm7Basic(text)) {
    throw new TessError(
      ErrorCode.INTERNAL,
      `reply ${key} (${lang}) does not fit one GSM-7 SMS: ${text.length} characters`,
    );
  }
  return text;
}
