import { randomInt } from 'node:crypto';
import { PIN_ALPHABET, PIN_LENGTH, PIN_SPACE, randomPin } from '../../engine/gateway/index.js';
import type { CircuitRow, Database } from '../../storage/index.js';
import { ErrorCode, isTessError } from '../error-codes.js';
import { fail } from '../errors.js';

/**
 * A new circuit's PIN is drawn by TESS (crypto.randomInt), never chosen by the caller:
 * a PIN is the account number, and a guessable sequence would let anyone name others'
 * circuits. The key (system, PIN) decides a collision: the draw is repeated.
 */

/** Random draws before drawing among the free PINs instead: only a nearly full system needs more. */
export const PIN_DRAWS = 20;

const isExists = (err: unknown): boolean => isTessError(err) && err.code === ErrorCode.EXISTS;

/** Every PIN, in alphabet order (the 20,160 arrangements of 6 of the 8 characters). */
function allPins(): string[] {
  const out: string[] = [];
  const grow = (prefix: string) => {
    if (prefix.length === PIN_LENGTH) out.push(prefix);
    else for (const ch of PIN_ALPHABET) if (!prefix.includes(ch)) grow(prefix + ch);
  };
  grow('');
  return out;
}

/** The PINs no circuit of the system holds now. */
async function freePins(db: Database, systemId: number): Promise<string[]> {
  const used = new Set<string>();
  for (let after = 0; ; ) {
    const page = await db.circuit.list({ where: { system_id: systemId }, after, limit: 1000 });
    for (const c of page) used.add(c.pin);
    const last = page[page.length - 1];
    if (!last || page.length < 1000) break;
    after = last.circuit_id;
  }
  return allPins().filter((p) => !used.has(p));
}

/** Adds a circuit under a fresh PIN of its system; 409 when every PIN is taken. */
export async function addCircuit(
  db: Database,
  fields: Record<string, unknown> & { system_id: number },
): Promise<CircuitRow> {
  const add = (pin: string) =>
    db.circuit.add({ ...fields, pin } as Parameters<Database['circuit']['add']>[0]);
  for (let draw = 0; draw < PIN_DRAWS; draw++) {
    try {
      return await add(randomPin(randomInt));
    } catch (err) {
      if (!isExists(err)) throw err;
    }
  }
  const free = await freePins(db, fields.system_id);
  while (free.length > 0) {
    const [pin] = free.splice(randomInt(free.length), 1);
    try {
      return await add(pin!);
    } catch (err) {
      if (!isExists(err)) throw err;
    }
  }
  throw fail(
    ErrorCode.EXISTS,
    `system ${fields.system_id} has all ${PIN_SPACE} PINs in use: no circuit can be added to it`,
  );
}
