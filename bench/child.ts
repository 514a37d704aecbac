import { runBenchmark } from './harness.js';
import { BENCHMARKS } from './registry.js';

/**
 * Runs one benchmark in this process (so its peak memory is its own) and reports on
 * standard output, one JSON object per line: progress, then the result.
 */
const [name, mode] = process.argv.slice(2);
const load = BENCHMARKS[name ?? ''];
if (!load) {
  process.stderr.write(`unknown benchmark ${name}\n`);
  process.exit(2);
}
const bench = await load();
const result = await runBenchmark(bench, mode === 'quick', (done, total) => {
  process.stdout.write(`${JSON.stringify({ progress: { done, total } })}\n`);
});
process.stdout.write(`${JSON.stringify({ result })}\n`);
process.exit(0);
