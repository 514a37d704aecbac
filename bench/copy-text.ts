import type { ColumnKind } from '../storage/index.js';
import { microToDecimal, moneyToMicro } from '../storage/index.js';

/**
 * Encodes values in PostgreSQL's COPY text format: tab-separated, \N for null, with
 * backslash escapes for the characters that would break a row. The ingest benchmark
 * writes its psql \copy file with it; TESS itself copies in the binary format
 * (storage/copy-binary.ts).
 */
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function encodeText(value: string): string {
  return /[\\\n\r\t]/.test(value) ? value.replace(/[\\\n\r\t]/g, (ch) => ESCAPES[ch]!) : value;
}

export function encodeValue(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return '\\N';
  switch (kind) {
    case 'timestamptz':
      return (value as Date).toISOString();
    case 'boolean':
      return value ? 't' : 'f';
    case 'text':
      return encodeText(value as string);
    case 'money':
      return microToDecimal(moneyToMicro(value as number));
    default:
      return String(value);
  }
}
