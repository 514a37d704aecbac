import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { clearJson } from '../../engine/clear-input.js';
import { readingFile } from '../input-file.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') return readStdin();
  return readingFile(file, (name) => readFile(name, 'utf8'));
}

export function registerClear(program: Command): void {
  program
    .command('clear [FILE]')
    .description('clear one market from JSON (FILE, or standard input) and print the result as JSON')
    .addHelpText(
      'after',
      '\nInput:  {"price_cap"?, "clearing_scalar"?, "special_mode"?, "fixed_price"?, "fixed_quantity"?,' +
        '\n         "interval"?, "orders": [{"id", "side": "buy"|"sell", "price", "quantity"}]}' +
        '\nOutput: {"price", "quantity", "type", "marginal_quantity", "marginal_frac", "buyer_total",' +
        '\n         "seller_total", "fills": [{"id", "side", "quantity", "amount"}]}',
    )
    .action(async (file: string | undefined) => {
      const text = await readInput(file);
      // The whole output is built before anything is written, so a failure prints nothing.
      const output = clearJson(text);
      process.stdout.write(output);
    });
}
