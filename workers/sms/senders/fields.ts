import { invalid } from '../../../engine/errors.js';

/**
 * Readers of one field of an interface's settings, each bounding what it accepts and
 * naming the field in its error (`sender: ...`): one mechanism for every kind.
 */
export type SettingsObject = Readonly<Record<string, unknown>>;

/** Longest URL: the interface table's bound on base_url. */
export const URL_MAX = 2000;
const CONTROL = /\p{Cc}/u;

interface TextRule {
  /** @defaultValue 128 */
  readonly max?: number;
  readonly pattern?: RegExp;
  /** What the pattern means, for the error. */
  readonly hint?: string;
}

export function optionalText(o: SettingsObject, name: string, rule: TextRule = {}): string | null {
  const value = o[name];
  if (value === undefined || value === null) return null;
  const max = rule.max ?? 128;
  if (typeof value !== 'string' || value === '') throw invalid(`${name}: must be a non-empty string`);
  if (value.length > max) throw invalid(`${name}: at most ${max} characters`);
  if (CONTROL.test(value)) throw invalid(`${name}: must not hold control characters`);
  if (rule.pattern && !rule.pattern.test(value)) {
    throw invalid(`${name}: must be ${rule.hint ?? `of the form ${rule.pattern.source}`}`);
  }
  return value;
}

export function requiredText(o: SettingsObject, name: string, rule: TextRule = {}): string {
  const value = optionalText(o, name, rule);
  if (value === null) throw invalid(`${name}: required`);
  return value;
}

interface UrlRule {
  /** A base that paths are appended to: no query or fragment, trailing slashes dropped. */
  readonly base?: boolean;
  /** A placeholder the URL may hold, replaced before the URL is checked. */
  readonly template?: string;
}

/**
 * An http(s) URL without credentials: the settings are not secret, so a password written
 * into a URL would be stored and shown in the clear.
 */
export function optionalUrl(o: SettingsObject, name: string, rule: UrlRule = {}): string | null {
  const value = optionalText(o, name, { max: URL_MAX });
  if (value === null) return null;
  let url: URL;
  try {
    url = new URL(rule.template ? value.replaceAll(rule.template, 'key') : value);
  } catch {
    throw invalid(`${name}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`${name}: must be an http or https URL`);
  }
  if (url.username || url.password) {
    throw invalid(`${name}: must not hold credentials; they belong in the interface's secret`);
  }
  if (!rule.base) return value;
  if (/[?#]/.test(value)) throw invalid(`${name}: must not have a query or fragment`);
  return value.replace(/\/+$/, '');
}

export function requiredUrl(o: SettingsObject, name: string, rule: UrlRule = {}): string {
  const value = optionalUrl(o, name, rule);
  if (value === null) throw invalid(`${name}: required`);
  return value;
}

export function optionalInt(
  o: SettingsObject,
  name: string,
  range: { readonly min: number; readonly max: number },
): number | null {
  const value = o[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw invalid(`${name}: must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}
