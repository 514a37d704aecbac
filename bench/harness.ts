/**
 * The benchmark harness. A benchmark measures the project's path and one or more
 * baselines in the same process, alternating them round by round after a warm-up, so a
 * noisy, shared machine slows both alike and their ratio stays meaningful.
 */

/** One measurement of one side: how long it took and how much work it did. */
export interface Sample {
  readonly ms: number;
  /** Units of work done (rows, requests, orders…); rates are units per second. */
  readonly units: number;
}

export interface Side {
  readonly name: string;
  /** Runs once; returns what it did. */
  run(): Promise<Sample>;
}

export type Compare = 'time' | 'rate';

export interface Target {
  /** `time`: ratio = path time / baseline time; `rate`: ratio = path rate / baseline rate. */
  readonly compare: Compare;
  /** Which baseline the target compares with (its name). */
  readonly baseline: string;
  /** `report`: the ratio is shown, with no target to meet. */
  readonly op: '<=' | '>=' | 'report';
  readonly value: number;
}

export interface Prepared {
  readonly path: Side;
  readonly baselines: readonly Side[];
  /** Extra figures to report (phases, latencies…), gathered after the rounds. */
  extra?(): Promise<Record<string, unknown>>;
  /** Absolute checks beside the ratio targets, e.g. p99 < 10 ms; each true when met. */
  checks?(): Promise<
    Record<string, { value: number; op: '<' | '>' | '<=' | '>='; limit: number; met: boolean }>
  >;
  close(): Promise<void>;
}

export interface Benchmark<S = Record<string, number>> {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly sizes: { readonly quick: S; readonly full: S };
  readonly rounds: { readonly quick: number; readonly full: number };
  readonly targets: readonly Target[];
  prepare(size: S): Promise<Prepared>;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface SideFigures {
  readonly name: string;
  readonly ms: Spread;
  /** Units per second. */
  readonly rate: Spread;
  readonly units: number;
}

export interface TargetResult extends Target {
  /** Median of the per-round ratios. */
  readonly ratio: number;
  readonly met: boolean;
}

export interface BenchResult {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly size: Record<string, number>;
  readonly rounds: number;
  readonly path: SideFigures;
  readonly baselines: readonly SideFigures[];
  readonly targets: readonly TargetResult[];
  readonly checks: Record<string, { value: number; op: string; limit: number; met: boolean }>;
  readonly extra: Record<string, unknown>;
  readonly peakRssMb: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

const rateOf = (s: Sample) => (s.units * 1000) / s.ms;

/** The head of a benchmark: its name and unit, its size and rounds in a quick run and in a full one. */
export function plan<S>(
  name: string,
  unit: string,
  [quick, full]: readonly [quick: S, full: S],
  rounds: readonly [quick: number, full: number],
): Pick<Benchmark<S>, 'name' | 'unit' | 'sizes' | 'rounds'> {
  return { name, unit, sizes: { quick, full }, rounds: { quick: rounds[0], full: rounds[1] } };
}

/** Runs one benchmark: warm-up, then `rounds` rounds alternating the order of the sides. */
export async function runBenchmark<S>(
  bench: Benchmark<S>,
  quick: boolean,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<BenchResult> {
  const size = quick ? bench.sizes.quick : bench.sizes.full;
  const rounds = quick ? bench.rounds.quick : bench.rounds.full;
  const prepared = await bench.prepare(size);
  try {
    const sides = [prepared.path, ...prepared.baselines];
    const total = rounds + 1;
    for (const side of sides) await side.run();
    onProgress(1, total);
    const samples = sides.map(() => [] as Sample[]);
    for (let r = 0; r < rounds; r++) {
      // Alternate the order so that no side always runs first (on a cooler machine).
      const order = sides.map((_, i) => i);
      if (r % 2) order.reverse();
      for (const i of order) samples[i]!.push(await sides[i]!.run());
      onProgress(r + 2, total);
    }
    const figures = sides.map((side, i) => ({
      name: side.name,
      ms: spread(samples[i]!.map((s) => s.ms)),
      rate: spread(samples[i]!.map(rateOf)),
      units: samples[i]![0]!.units,
    }));
    const targets = bench.targets.map((t) => {
      const b = sides.findIndex((s) => s.name === t.baseline);
      if (b < 1) throw new Error(`${bench.name}: target names unknown baseline ${t.baseline}`);
      const ratios = samples[0]!.map((p, r) => {
        const q = samples[b]![r]!;
        return t.compare === 'time' ? p.ms / q.ms : rateOf(p) / rateOf(q);
      });
      const ratio = spread(ratios).median;
      return { ...t, ratio, met: t.op === 'report' || (t.op === '<=' ? ratio <= t.value : ratio >= t.value) };
    });
    return {
      name: bench.name,
      description: bench.description,
      unit: bench.unit,
      size: size as Record<string, number>,
      rounds,
      path: figures[0]!,
      baselines: figures.slice(1),
      targets,
      checks: (await prepared.checks?.()) ?? {},
      extra: (await prepared.extra?.()) ?? {},
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await prepared.close();
  }
}

/** Times one async call. */
export async function timed(units: number, fn: () => Promise<unknown> | unknown): Promise<Sample> {
  const start = performance.now();
  await fn();
  return { ms: performance.now() - start, units };
}
