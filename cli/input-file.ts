import { ErrorCode, TessError } from '../engine/errors.js';

/**
 * Runs `io` on a file the command line names, so that one it cannot read (a mistyped
 * name, no permission) fails with the one line `cannot read FILE: CODE`.
 */
export async function readingFile<T>(file: string, io: (file: string) => Promise<T>): Promise<T> {
  try {
    return await io(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new TessError(ErrorCode.INVALID, `cannot read ${file}: ${reason}`);
  }
}
