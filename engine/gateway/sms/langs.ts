/** The languages replies are written in: the account's, or the system's default when the sender has no account. */
export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];
