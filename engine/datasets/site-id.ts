import { invalid } from '../errors.js';

/**
 * A site's id (seed 002): lower-case words joined by underscores, memorable from the
 * site's name ("Foobar House" → `foobar_house`), prefixed with the client's name where
 * two would collide. The database checks the same pattern (migration 13).
 */
export const SITE_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
export const SITE_ID_MAX = 63;

/** `text` as a site id, or an INVALID error naming `where` and suggesting one. */
export function checkSiteId(text: string, where = 'site_id'): string {
  if (text.length <= SITE_ID_MAX && SITE_ID.test(text)) return text;
  const suggestion = suggestSiteId(text);
  throw invalid(
    `${where} must be lower-case words of a-z and 0-9 joined by underscores, starting with a letter, at most ${SITE_ID_MAX} characters` +
      (suggestion ? ` (e.g. "${suggestion}")` : ''),
  );
}

/** A site id made from a name: "Foobar House" → foobar_house; null when nothing usable is left. */
export function suggestSiteId(name: string): string | null {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const id = words
    .join('_')
    .replace(/^[0-9_]+/, '')
    .slice(0, SITE_ID_MAX)
    .replace(/_+$/, '');
  return SITE_ID.test(id) ? id : null;
}
