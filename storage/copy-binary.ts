import type { ColumnKind } from './tables.js';
import { moneyToMicro } from './values.js';

/**
 * PostgreSQL's binary COPY format. The server takes binary rows without parsing text
 * (timestamps above all), which is where a COPY of order rows spends its time; the rows
 * are built here into one growing buffer per chunk.
 *
 * File: signature, flags, header extension, then per row an int16 field count and per
 * field an int32 length in bytes (−1 for NULL) and the value; an int16 −1 ends it.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Milliseconds between the Unix epoch and PostgreSQL's (2000-01-01); timestamps are sent in microseconds from it. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

export class BinaryRows {
  private buf: Buffer;
  private at = 0;

  /** `size`: the buffer's first capacity in bytes; it at least doubles when a field does not fit. */
  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  static header(): Buffer {
    const h = Buffer.alloc(SIGNATURE.length + 8);
    SIGNATURE.copy(h, 0);
    return h; // flags 0, no header extension
  }

  static trailer(): Buffer {
    return Buffer.from([0xff, 0xff]);
  }

  get length(): number {
    return this.at;
  }

  /** The bytes written so far; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  row(fields: number): void {
    this.room(2);
    this.buf.writeInt16BE(fields, this.at);
    this.at += 2;
  }

  /**
   * Starts a field whose value takes `bytes` bytes: writes its length and reserves the
   * room; returns the offset the value goes to. It may replace the buffer, so callers
   * read `this.buf` after it.
   */
  private field(bytes: number): number {
    this.room(4 + bytes);
    this.buf.writeInt32BE(bytes, this.at);
    const at = this.at + 4;
    this.at = at + bytes;
    return at;
  }

  private int64(v: number, at: number): void {
    // Exact for |v| < 2^53: the high word is signed, the low word unsigned.
    this.buf.writeInt32BE(Math.floor(v / TWO_32), at);
    this.buf.writeUInt32BE(v >>> 0, at + 4);
  }

  value(v: unknown, kind: ColumnKind): void {
    if (v === null || v === undefined) {
      this.room(4);
      this.buf.writeInt32BE(-1, this.at);
      this.at += 4;
      return;
    }
    switch (kind) {
      case 'bigint':
        this.int64(v as number, this.field(8));
        return;
      case 'integer': {
        const at = this.field(4);
        this.buf.writeInt32BE(v as number, at);
        return;
      }
      case 'float': {
        const at = this.field(8);
        this.buf.writeDoubleBE(v as number, at);
        return;
      }
      case 'boolean': {
        const at = this.field(1);
        this.buf[at] = v ? 1 : 0;
        return;
      }
      case 'timestamptz':
        this.int64(((v as Date).getTime() - PG_EPOCH_MS) * 1000, this.field(8));
        return;
      case 'text': {
        // The length is known once the text is encoded: room for the most UTF-8 can take
        // (three bytes per UTF-16 code unit), then the length written before it.
        const text = v as string;
        this.room(4 + text.length * 3);
        const n = this.buf.write(text, this.at + 4, 'utf8');
        this.buf.writeInt32BE(n, this.at);
        this.at += 4 + n;
        return;
      }
      case 'money':
        this.numeric(moneyToMicro(v as number));
        return;
    }
  }

  /**
   * numeric in base-10000 digits: ndigits, weight (of the first digit), sign, dscale,
   * then the digits. Money is an integer of micro-units, so six decimals (one and a half
   * digit groups, written as two) follow the point.
   */
  private numeric(micro: number): void {
    const negative = micro < 0;
    let whole = Math.floor(Math.abs(micro) / 1e6);
    const frac = Math.abs(micro) - whole * 1e6; // 0…999999
    const intDigits: number[] = [];
    while (whole > 0) {
      intDigits.unshift(whole % 10_000);
      whole = Math.floor(whole / 10_000);
    }
    // 6 decimals padded to 8 = two base-10000 digits.
    const fracDigits = [Math.floor(frac / 100), (frac % 100) * 100];
    const digits = [...intDigits, ...fracDigits];
    let weight = intDigits.length - 1;
    while (digits.length && digits[0] === 0) {
      digits.shift();
      weight--;
    }
    while (digits.length && digits[digits.length - 1] === 0) digits.pop();
    if (!digits.length) weight = 0;
    let at = this.field(8 + 2 * digits.length);
    const b = this.buf; // after field(): room() may have replaced the buffer
    b.writeInt16BE(digits.length, at);
    b.writeInt16BE(weight, at + 2);
    b.writeUInt16BE(negative && digits.length ? 0x4000 : 0, at + 4);
    b.writeInt16BE(6, at + 6);
    at += 8;
    for (const d of digits) {
      b.writeInt16BE(d, at);
      at += 2;
    }
  }
}
