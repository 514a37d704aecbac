/**
 * `npm run bench [-- --quick] [-- NAME…]`: runs the benchmarks (each in its own process),
 * prints a table, and writes bench/results/NAME.json. A missed target is marked, not
 * fatal (timings are noisy); an error fails the run.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import type { BenchResult, SideFigures } from './harness.js';
import { describeMachine } from './machine.js';
import { BENCHMARKS } from './registry.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) {
  if (!BENCHMARKS[n]) {
    process.stderr.write(`bench: unknown benchmark "${n}"; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
}
const selected = names.length ? names : Object.keys(BENCHMARKS);
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const child = fileURLToPath(new URL('./child.ts', import.meta.url));
const tsx = import.meta.resolve('tsx/esm');

function runChild(name: string, onProgress: (done: number, total: number) => void): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsx, child, name, quick ? 'quick' : 'full'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    let result: BenchResult | undefined;
    proc.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        try {
          const msg = JSON.parse(line);
          if (msg.progress) onProgress(msg.progress.done, msg.progress.total);
          if (msg.result) result = msg.result;
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
    });
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`benchmark ${name} failed (exit ${code})`)),
    );
  });
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const side = (s: SideFigures, unit: string) =>
  `${s.name}: ${fmt(s.ms.median)} ms (${fmt(s.ms.min)}–${fmt(s.ms.max)}), ${fmt(s.rate.median)} ${unit}/s`;

function report(r: BenchResult): string {
  const lines = [
    `${r.name} — ${r.description}`,
    `  size ${JSON.stringify(r.size)}, ${r.rounds} rounds, peak RSS ${r.peakRssMb} MB`,
  ];
  lines.push(`  path     ${side(r.path, r.unit)}`);
  for (const b of r.baselines) lines.push(`  baseline ${side(b, r.unit)}`);
  for (const t of r.targets) {
    const what = t.compare === 'time' ? 'time ratio' : 'rate ratio';
    const goal = t.op === 'report' ? '(reported)' : `target ${t.op} ${t.value}`;
    const mark = t.op === 'report' ? '' : t.met ? '  ok' : '  MISSED';
    lines.push(`  ${what} vs ${t.baseline}: ${t.ratio.toFixed(2)} ${goal}${mark}`);
  }
  for (const [k, c] of Object.entries(r.checks)) {
    lines.push(`  ${k}: ${fmt(c.value)} (target ${c.op} ${c.limit})${c.met ? '  ok' : '  MISSED'}`);
  }
  if (Object.keys(r.extra).length) lines.push(`  ${JSON.stringify(r.extra)}`);
  return lines.join('\n');
}

const machine = await describeMachine();
process.stdout.write(
  `TESS benchmarks (${quick ? 'quick' : 'full'}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ` +
    `PostgreSQL ${machine.postgres}, storage: ${machine.storage}, commit ${machine.commit ?? 'unknown'}\n\n`,
);
await mkdir(resultsDir, { recursive: true });
const bar = process.stderr.isTTY
  ? new cliProgress.SingleBar(
      { format: '{name} [{bar}] round {value}/{total}', stream: process.stderr },
      cliProgress.Presets.shades_classic,
    )
  : undefined;
let failed = 0;
for (const name of selected) {
  try {
    bar?.start(1, 0, { name });
    const result = await runChild(name, (done, total) => {
      bar?.setTotal(total);
      bar?.update(done, { name });
    });
    bar?.stop();
    await writeFile(
      `${resultsDir}${name}.json`,
      `${JSON.stringify({ ...result, quick, machine }, null, 2)}\n`,
    );
    process.stdout.write(`${report(result)}\n\n`);
  } catch (err) {
    bar?.stop();
    failed++;
    process.stdout.write(`${name}: ERROR ${(err as Error).message}\n\n`);
  }
}
process.exit(failed ? 1 : 0);
