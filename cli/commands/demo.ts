import { constants } from 'node:os';
import type { Command } from 'commander';
import { ErrorCode, TessError } from '../../engine/errors.js';
import { runDemo } from '../demo/run-demo.js';
import { wholeNumber } from '../arguments.js';
import { startLocalServices } from '../local/local-services.js';
import { readSettings } from '../settings.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run a live market of simulated devices bidding over HTTP (API, scheduler and workers in-process)',
    )
    .option('--devices <N>', 'simulated devices', wholeNumber('--devices', 2, 100_000), 200)
    .option('--interval <SECONDS>', 'market interval', wholeNumber('--interval', 1, 86_400), 5)
    .option('--duration <SECONDS>', 'how long to run', wholeNumber('--duration', 1, 7 * 86_400), 60)
    .option('--system <NAME>', 'system to create or reuse', 'demo')
    .option(
      '--village <N>',
      'circuits of a prepaid village on one field meter, topped up, metered and switched over HTTP',
      wholeNumber('--village', 0, 10_000),
      0,
    )
    .option(
      '--sms',
      "the village's meter and customers speak SMS (compressed logs, jobs, bal, add) through a phone network of the demo's own; up to 100 circuits",
    )
    .option('--no-embedded', 'never start a PostgreSQL or Redis of its own (see `tess start --help`)')
    .action(
      async (opts: {
        devices: number;
        interval: number;
        duration: number;
        system: string;
        village: number;
        sms?: boolean;
        embedded: boolean;
      }) => {
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const local = await startLocalServices(readSettings(), { embedded: opts.embedded, say: out });
        for (const note of local.notes) out(note);
        // Ctrl-C ends the demo as its duration would (the system taken off the market, the
        // local servers stopped); a second one does not wait.
        const stop = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) {
          process.on(signal, () => {
            if (stop.signal.aborted)
              void local.stop().then(() => process.exit(128 + constants.signals[signal]));
            stop.abort();
          });
        }
        try {
          const summary = await runDemo({
            settings: local.settings,
            devices: opts.devices,
            intervalSeconds: opts.interval,
            durationSeconds: opts.duration,
            system: opts.system,
            village: opts.village,
            sms: opts.sms === true,
            out,
            stop: stop.signal,
          });
          if (summary.intervals === 0 && !stop.signal.aborted)
            throw new TessError(ErrorCode.INTERNAL, 'no interval cleared during the demo');
        } finally {
          await local.stop();
        }
      },
    );
}
