import { invalid } from '../../errors.js';
import { readCompressedLog } from './compressed-log.js';
import { METER_NAME } from './field-codecs.js';
import { type KvKind, splitKv } from './kv-message.js';
import { GATEWAY_KV_KINDS, METER_KV_KINDS } from './meter-kinds.js';
import type { GatewayMessage, MeterMessage } from './meter-messages.js';
import { checkInbound, quote } from './sms-limits.js';

/**
 * Reading the meter protocol. A text is dispatched on its shape: `(l…)` without `=` is a
 * compressed log, another `(…)` a key=value message named by its job (or bare word),
 * and `<name> online` a meter announcing itself. Whitespace around the text is ignored.
 * Anything else, and any field out of its range, is a TessError INVALID naming what is
 * wrong; nothing else is thrown.
 */

/** The text between the parentheses of a trimmed message; an INVALID error for any other shape. */
function body(text: string, expected: string): string | null {
  if (text.startsWith('(') && text.endsWith(')') && text.length >= 2) return text.slice(1, -1);
  if (text.startsWith('(')) throw invalid(`message: no closing parenthesis (cut short?): ${quote(text)}`);
  if (text === '') throw invalid('message: empty');
  if (text.includes('(') || text.includes(')')) throw invalid(`message: not ${expected}: ${quote(text)}`);
  return null;
}

function readKv<M>(inner: string, kinds: ReadonlyMap<string, KvKind<M>>, direction: string): M {
  const { tag, bare, pairs } = splitKv(inner);
  const kind = kinds.get(tag);
  if (kind === undefined || kind.bare !== bare) {
    const names = [...kinds.values()].map((k) => (k.bare ? k.tag : `job=${k.tag}`)).join(', ');
    throw invalid(`${bare ? quote(tag) : `job: ${quote(tag)}`} is not a message ${direction} (${names})`);
  }
  return kind.read(pairs);
}

/** A message a field meter sent, checked and frozen. */
export function parseMeterMessage(text: string): MeterMessage {
  checkInbound(text, 'message');
  const trimmed = text.trim();
  const expected = 'a meter message: (job=…), (l…) or "<meter name> online"';
  const inner = body(trimmed, expected);
  if (inner !== null) {
    if (/^l/i.test(inner) && !inner.includes('=')) return readCompressedLog(inner);
    return readKv(inner, METER_KV_KINDS, 'from a meter');
  }
  const online = /^(.*?)\s+online$/is.exec(trimmed);
  if (online)
    return Object.freeze({ kind: 'meter-online', meter: METER_NAME.parse(online[1]!, 'meter name') });
  throw invalid(`message: not ${expected}: ${quote(trimmed)}`);
}

/** A message the gateway sent a meter (a job or a ping answer), checked and frozen: what a meter, or its simulator, reads. */
export function parseGatewayMessage(text: string): GatewayMessage {
  checkInbound(text, 'message');
  const trimmed = text.trim();
  const inner = body(trimmed, 'a gateway message: (job=…) or (ack&…)');
  if (inner === null) throw invalid(`message: not a gateway message: (job=…) or (ack&…): ${quote(trimmed)}`);
  return readKv(inner, GATEWAY_KV_KINDS, 'from the gateway');
}
