import { invalid } from '../../errors.js';
import type { Codec } from './field-codecs.js';
import { fitSms, quote } from './sms-limits.js';

/**
 * The key=value meter messages, one mechanism for every kind: `(job=pp&status=1&…)` or,
 * for the ping answer, a bare leading word `(ack&…)`. Each kind is data (a KvSchema):
 * its job name, what all its messages hold (kind, job type), and its fields, each with
 * its key on the wire and its codec. Fields may come in any order; keys are read in any
 * case and written in lower case; values are taken literally (nothing is URL-decoded:
 * no value a meter sends needs escaping).
 *
 * A field the kind does not list is refused, not ignored: a message carrying a key we do
 * not know is one we may be misreading (a firmware with other units or meanings), and a
 * misspelt optional key (cf= for cr=) would otherwise be dropped in silence. Refused, it
 * reaches an operator as an unparsed message. The optional keys real meters are known to
 * send (mid on a log; ts, tu, wh, ct on an acknowledgement) are listed, and kept.
 */

/** A field of message type M at property P: its key and codec; optional exactly when the property may be null. */
export type FieldSpec<T> = { readonly key: string; readonly codec: Codec<Exclude<T, null>> } & (null extends T
  ? { readonly optional: true }
  : { readonly optional?: false });

export interface KvSchema<M extends object, Fixed extends keyof M> {
  /** The job name: `job=<tag>`, or the leading bare word when `bare`. */
  readonly tag: string;
  readonly bare: boolean;
  /** What every message of the kind holds besides its fields. */
  readonly fixed: Readonly<Pick<M, Fixed>>;
  /** Every other property, in the order written on the wire. */
  readonly fields: { readonly [P in Exclude<keyof M, Fixed>]-?: FieldSpec<M[P]> };
}

/** A kind ready to use, without its schema's type parameters (so kinds can share a table). */
export interface KvKind<M> {
  readonly tag: string;
  readonly bare: boolean;
  read(pairs: ReadonlyMap<string, string>): M;
  write(message: M): string;
}

/** The parts of a key=value body: its tag (bare word or job=) and its other fields by key. */
export interface KvBody {
  readonly tag: string;
  readonly bare: boolean;
  readonly pairs: ReadonlyMap<string, string>;
}

interface AnySpec {
  readonly key: string;
  readonly codec: Codec<unknown>;
  readonly optional?: boolean;
}

/** Splits the text between the parentheses into its tag and fields; refuses repeated, empty or key-less fields. */
export function splitKv(body: string): KvBody {
  const pairs = new Map<string, string>();
  let bare: string | null = null;
  for (const [i, part] of body.split('&').entries()) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (i === 0 && /^[a-z][a-z-]*$/i.test(part)) {
        bare = part.toLowerCase();
        continue;
      }
      throw invalid(
        part === ''
          ? 'empty field (an & at an end or two in a row)'
          : `${quote(part)} is not a key=value field`,
      );
    }
    const key = part.slice(0, eq).toLowerCase();
    if (!/^[a-z][a-z0-9-]*$/.test(key)) throw invalid(`${quote(part)} is not a key=value field`);
    if (pairs.has(key)) throw invalid(`${key}: given twice`);
    pairs.set(key, part.slice(eq + 1));
  }
  if (bare !== null) {
    if (pairs.has('job')) throw invalid(`${quote(bare)} and job= both name the message`);
    return { tag: bare, bare: true, pairs };
  }
  const job = pairs.get('job');
  if (job === undefined) throw invalid('job: missing');
  pairs.delete('job');
  return { tag: job.toLowerCase(), bare: false, pairs };
}

/** A kind from its schema: reads checked, frozen messages and writes them, each fitting one SMS. */
export function kvKind<M extends object, Fixed extends keyof M>(schema: KvSchema<M, Fixed>): KvKind<M> {
  const specs = Object.entries(schema.fields) as [string, AnySpec][];
  const keys = new Set(specs.map(([, s]) => s.key));
  const head = schema.bare ? schema.tag : `job=${schema.tag}`;
  return {
    tag: schema.tag,
    bare: schema.bare,
    read(pairs) {
      for (const key of pairs.keys()) {
        if (!keys.has(key)) throw invalid(`${key}: not a field of ${head}`);
      }
      const out: Record<string, unknown> = { ...schema.fixed };
      for (const [prop, spec] of specs) {
        const text = pairs.get(spec.key);
        if (text === undefined && !spec.optional) throw invalid(`${spec.key}: missing`);
        out[prop] = text === undefined ? null : spec.codec.parse(text, spec.key);
      }
      return Object.freeze(out) as M;
    },
    write(message) {
      const values = message as Record<string, unknown>;
      let text = `(${head}`;
      for (const [prop, spec] of specs) {
        const value = values[prop];
        if (value === null || value === undefined) {
          if (!spec.optional) throw invalid(`${spec.key}: missing`);
          continue;
        }
        const written = spec.codec.write(value, spec.key);
        // Read back what is written: a value the reader would refuse or change is refused here.
        if (!sameValue(spec.codec.parse(written, spec.key), value)) {
          throw invalid(`${spec.key}: ${quote(String(value))} cannot be written exactly`);
        }
        text += `&${spec.key}=${written}`;
      }
      return fitSms(`${text})`, head);
    },
  };
}

/** Equal numbers, strings, booleans, or flat records of them (a MeterTime). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k])
  );
}
