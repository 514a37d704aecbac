/**
 * A circuit's PIN: six distinct characters from "23456789". It doubles as the
 * customer's account number, typed on a phone keypad and read out over SMS, which is why
 * the alphabet leaves out 0 and 1 (read as O and I) and no character repeats (a
 * doubled key press is a typo the PIN can reject). There are 8·7·6·5·4·3 = 20,160 PINs,
 * so one system holds at most that many circuits.
 */
export const PIN_ALPHABET = '23456789';
export const PIN_LENGTH = 6;
export const PIN_SPACE = 20_160;

/** Whether `text` is a PIN: six distinct characters of PIN_ALPHABET. */
export function isPin(text: string): boolean {
  if (text.length !== PIN_LENGTH) return false;
  const seen = new Set<string>();
  for (const ch of text) {
    if (!PIN_ALPHABET.includes(ch) || seen.has(ch)) return false;
    seen.add(ch);
  }
  return true;
}

/**
 * A uniformly random PIN. `randomInt(n)` answers an integer in [0, n) (crypto.randomInt
 * in production, a seeded source in tests): a partial Fisher-Yates shuffle of the
 * alphabet, so every PIN is equally likely.
 */
export function randomPin(randomInt: (n: number) => number): string {
  const chars = [...PIN_ALPHABET];
  for (let i = 0; i < PIN_LENGTH; i++) {
    const j = i + randomInt(chars.length - i);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.slice(0, PIN_LENGTH).join('');
}
