import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { runDemo } from '../demo/run-demo.js';
import { readSettings } from '../settings.js';

function whole(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new TessError(
      ErrorCode.INVALID,
      `${name} must be a whole number from ${min} to ${max}, not "${value}"`,
    );
  }
  return n;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run a live market of simulated devices bidding over HTTP (API, scheduler and workers in-process)',
    )
    .option('--devices <N>', 'simulated devices', '200')
    .option('--interval <SECONDS>', 'market interval', '5')
    .option('--duration <SECONDS>', 'how long to run', '60')
    .option('--system <NAME>', 'system to create or reuse', 'demo')
    .action(async (opts: { devices: string; interval: string; duration: string; system: string }) => {
      const summary = await runDemo({
        settings: readSettings(),
        devices: whole(opts.devices, '--devices', 2, 100_000),
        intervalSeconds: whole(opts.interval, '--interval', 1, 86_400),
        durationSeconds: whole(opts.duration, '--duration', 1, 7 * 86_400),
        system: opts.system,
        out: (line) => process.stdout.write(`${line}\n`),
      });
      if (summary.intervals === 0)
        throw new TessError(ErrorCode.INTERNAL, 'no interval cleared during the demo');
    });
}
