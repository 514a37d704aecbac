import { ErrorCode, isTessError, TessError } from '../errors.js';
import { csvRecords } from './csv-records.js';
import type { DatasetTypeDef } from './dataset-types.js';
import { CsvSeriesReader, type PlacedRow } from './series-rows.js';

/** Errors told at once: the first ones, and how many more. */
export const ERRORS_SHOWN = 20;
/** The longest line read (a row is a few numbers and two times). */
const LINE_MAX = 4_096;

/**
 * The rows of a CSV file of a type's series, checked as they stream in (csv-records.ts
 * reads quotes, a BOM and CRLF line ends). The first line is the header (CsvSeriesReader).
 * After the first bad row no more rows are given out, but the file is read to its end
 * and up to ERRORS_SHOWN problems are told together, each with its line and column, in
 * one INVALID error: a file is refused whole, and its author fixes it in one pass.
 */
export async function* csvSeriesRows(
  def: DatasetTypeDef,
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<PlacedRow> {
  let reader: CsvSeriesReader | null = null;
  const problems: string[] = [];
  let more = 0;
  const problem = (message: string) => {
    if (problems.length < ERRORS_SHOWN) problems.push(message);
    else more++;
  };
  for await (const records of csvRecords(input, LINE_MAX)) {
    for (const record of records) {
      const { line } = record;
      if (record.problem !== undefined) {
        // A header that cannot be read leaves nothing to read the rows by.
        if (reader === null) throw new TessError(ErrorCode.INVALID, record.problem);
        problem(record.problem);
        continue;
      }
      try {
        if (reader === null) {
          reader = new CsvSeriesReader(def, record.fields);
          continue;
        }
        const row = reader.read(record.fields, line, `line ${line}`);
        if (problems.length === 0) yield row;
      } catch (err) {
        if (!isTessError(err) || reader === null) throw err;
        problem(err.message);
      }
    }
  }
  if (reader === null) throw new TessError(ErrorCode.INVALID, 'the file is empty: a header line is required');
  if (problems.length > 0) {
    throw new TessError(ErrorCode.INVALID, problems.join('; ') + (more ? `; and ${more} more` : ''));
  }
}
