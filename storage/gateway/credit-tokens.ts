import { createHmac, randomBytes } from 'node:crypto';
import { ErrorCode, TessError } from '../../engine/errors.js';
import {
  checkBatch,
  type Denomination,
  normaliseTokenNumber,
  TOKEN_DIGITS,
  tokenNumber,
} from '../../engine/gateway/index.js';
import type { Database } from '../database.js';
import type { TokenBatchRow } from '../rows.js';

/**
 * Scratch-card credit tokens. A token's number is shown once, when its batch is issued;
 * the database keeps only HMAC-SHA256(key, number), where the key is a deployment secret
 * kept outside the database (CREDIT_TOKEN_KEY). A copy of the database therefore redeems
 * nothing: without the key, 10^11 numbers cannot be tried against the hashes.
 */

/** Shortest key accepted: 32 bytes, the width of the hash. */
export const CREDIT_TOKEN_KEY_MIN = 32;

export const hashTokenNumber = (key: string, number: string): string =>
  createHmac('sha256', key).update(number).digest('hex');

function checkKey(key: string): void {
  if (Buffer.byteLength(key) < CREDIT_TOKEN_KEY_MIN) {
    throw new TessError(
      ErrorCode.INVALID,
      `the credit-token key must be at least ${CREDIT_TOKEN_KEY_MIN} bytes`,
    );
  }
}

export interface IssuedBatch {
  readonly batch: TokenBatchRow;
  /** Each token's number and value; the numbers are not stored and cannot be shown again. */
  readonly tokens: readonly { readonly number: string; readonly value: number }[];
}

/**
 * Issues a batch of tokens in one transaction: the batch row and every token's hash.
 * Numbers are drawn from the operating system's CSPRNG; a number whose hash another token
 * already holds (one chance in about 10^11 per token per token issued) fails the
 * transaction, and the batch is drawn again.
 */
export async function issueTokenBatch(
  db: Database,
  systemId: number,
  items: readonly Denomination[],
  key: string,
): Promise<IssuedBatch> {
  checkKey(key);
  checkBatch(items);
  for (let attempt = 1; ; attempt++) {
    const tokens = items.flatMap(({ denomination, count }) =>
      Array.from({ length: count }, () => ({ number: tokenNumber(randomBytes), value: denomination })),
    );
    try {
      return await db.withTransaction(async (tx) => {
        const batch = await tx.token_batch.add({ system_id: systemId });
        await tx.credit_token.addMany(
          tokens.map((t) => ({
            token_batch_id: batch.token_batch_id,
            number_hash: hashTokenNumber(key, t.number),
            value: t.value,
          })),
        );
        return { batch, tokens };
      });
    } catch (err) {
      if ((err as TessError).code !== ErrorCode.EXISTS || attempt >= 3) throw err;
    }
  }
}

export interface Redeemed {
  readonly pin: string;
  readonly value: number;
  /** The account's balance after the top-up. */
  readonly balance: number;
  readonly transactionId: number;
}

/**
 * Redeems a token for the circuit with `pin`: one transaction records the redemption and
 * books its value to the circuit's owner in the ledger. The unique key on the token in
 * `gateway.redemption` decides a race: of any number of concurrent redemptions of one
 * token, one commits and the others are refused as used.
 */
export async function redeemToken(
  db: Database,
  systemId: number,
  pin: string,
  text: string,
  key: string,
): Promise<Redeemed> {
  checkKey(key);
  const number = normaliseTokenNumber(text);
  if (number === null) {
    throw new TessError(
      ErrorCode.INVALID,
      `token must be ${TOKEN_DIGITS} or more digits (spaces and dashes allowed)`,
    );
  }
  return db.withTransaction(async (tx) => {
    const circuitId = await tx.circuit.find({ system_id: systemId, pin });
    const circuit = circuitId === null ? null : await tx.circuit.get(circuitId);
    if (!circuit) throw new TessError(ErrorCode.NOT_FOUND, `circuit ${pin} not found`);
    const tokenId = await tx.credit_token.find({ number_hash: hashTokenNumber(key, number) });
    const token = tokenId === null ? null : await tx.credit_token.get(tokenId);
    if (!token) throw new TessError(ErrorCode.NOT_FOUND, 'token not found');
    const redemption = await tx.redemption
      .add({ credit_token_id: token.credit_token_id, circuit_id: circuit.circuit_id })
      .catch((err) => {
        if ((err as TessError).code === ErrorCode.EXISTS) {
          throw new TessError(ErrorCode.EXISTS, 'token already used', { cause: err });
        }
        throw err;
      });
    const device = await tx.current('device', circuit.device_id);
    if (!device)
      throw new TessError(ErrorCode.INTERNAL, `circuit ${pin}: device ${circuit.device_id} not found`);
    const booked = await tx.transaction.add({
      user_id: device.user_id,
      device_id: device.device_id,
      redemption_id: redemption.redemption_id,
      amount: token.value,
    });
    return { pin, value: token.value, balance: booked.balance, transactionId: booked.transaction_id };
  });
}
