/**
 * The basic character set of GSM 03.38: what one SMS carries at 7 bits a character, 160
 * to a message. A single character outside it (ê, ç, ô, €, a curly quote) makes the
 * whole message UCS-2, 70 characters to a part, so a 160-character reply would go as
 * three. French keeps é è ù à É and ì ò; it loses ê â î ô û ç, which replies avoid. The
 * extension table (€ [ ] { } ~ \ ^ |) costs two characters each, so it is left out too.
 * Ç at 0x09 is left out: handsets disagree whether it is Ç or ç.
 */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòØø\nÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\r',
);

/** Whether every character of `text` is in the GSM 03.38 basic set. */
export function isGsm7Basic(text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch)) return false;
  return true;
}
