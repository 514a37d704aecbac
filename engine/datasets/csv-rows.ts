import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { isTessError, TessError, ErrorCode } from '../errors.js';
import type { DatasetTypeDef } from './dataset-types.js';
import { CsvSeriesReader, type PlacedRow } from './series-rows.js';

/** Errors told at once: the first ones, and how many more. */
export const ERRORS_SHOWN = 20;
/** The longest line read (a row is a few numbers and two times). */
const LINE_MAX = 4_096;

/**
 * The rows of a CSV file of a type's series, checked as they stream in (csv-parse reads
 * quotes, a BOM and CRLF line ends). The first line is the header (CsvSeriesReader).
 * After the first bad row no more rows are given out, but the file is read to its end
 * and up to ERRORS_SHOWN problems are told together, each with its line and column, in
 * one INVALID error: a file is refused whole, and its author fixes it in one pass.
 */
export async function* csvSeriesRows(
  def: DatasetTypeDef,
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<PlacedRow> {
  const parser = Readable.from(input).pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      max_record_size: LINE_MAX,
    }),
  );
  let reader: CsvSeriesReader | null = null;
  const problems: string[] = [];
  let more = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const line = info.lines;
      try {
        if (reader === null) {
          reader = new CsvSeriesReader(def, record);
          continue;
        }
        const row = reader.read(record, line);
        if (problems.length === 0) yield { ...row, place: `line ${line}` };
      } catch (err) {
        if (!isTessError(err)) throw err;
        // A bad header leaves nothing to read the rows by.
        if (reader === null) throw err;
        if (problems.length < ERRORS_SHOWN) problems.push(err.message);
        else more++;
      }
    }
  } catch (err) {
    if (isTessError(err)) throw err;
    // csv-parse's own: an unclosed quote, a line too long.
    throw new TessError(ErrorCode.INVALID, `not readable as CSV: ${(err as Error).message}`);
  }
  if (reader === null) throw new TessError(ErrorCode.INVALID, 'the file is empty: a header line is required');
  if (problems.length > 0) {
    throw new TessError(ErrorCode.INVALID, problems.join('; ') + (more ? `; and ${more} more` : ''));
  }
}
