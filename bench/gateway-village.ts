import { PIN_ALPHABET } from '../engine/gateway/index.js';

/** The first `n` PINs in order (six distinct characters of the PIN alphabet): one village's circuits. */
export function pins(n: number): string[] {
  const out: string[] = [];
  const walk = (prefix: string): void => {
    if (out.length >= n) return;
    if (prefix.length === 6) {
      out.push(prefix);
      return;
    }
    for (const ch of PIN_ALPHABET) if (!prefix.includes(ch)) walk(prefix + ch);
  };
  walk('');
  return out;
}
