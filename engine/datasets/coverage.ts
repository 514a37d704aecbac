import { invalid } from '../errors.js';

/** A stretch of time (ms, half-open) that no row covers, between two that do. */
export interface Gap {
  readonly from: number;
  readonly to: number;
}

export interface Coverage {
  readonly rows: number;
  /** The first row's start and the last row's end; null without rows. */
  readonly from: number | null;
  readonly to: number | null;
  /** How many gaps, and the first GAPS_SHOWN of them. */
  readonly gapCount: number;
  readonly gaps: readonly Gap[];
}

export const GAPS_SHOWN = 20;

/**
 * What the rows of a dataset cover, told as they are read: the span, and the gaps
 * between rows. Rows in time order are checked as they come; rows out of order are kept
 * (start, end and where they were read, in typed arrays) and sorted once at the end. Two
 * rows that overlap are an INVALID error naming both: a dataset's intervals are half-open
 * and disjoint (the database refuses them too, at commit).
 */
export class CoverageTally {
  private n = 0;
  private starts = new Float64Array(1024);
  private ends = new Float64Array(1024);
  private places: string[] = [];
  private ordered = true;
  private lastStart = Number.NEGATIVE_INFINITY;

  /** Notes a row read at `place` ("line 7", "rows[5]"). */
  add(start: number, end: number, place: string): void {
    if (this.n === this.starts.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    if (start < this.lastStart) this.ordered = false;
    this.lastStart = start;
    this.starts[this.n] = start;
    this.ends[this.n] = end;
    this.places[this.n] = place;
    this.n++;
  }

  /** The coverage of every row noted; an INVALID error when two overlap. */
  finish(): Coverage {
    const n = this.n;
    const order = Array.from({ length: n }, (_, i) => i);
    if (!this.ordered)
      order.sort((a, b) => this.starts[a]! - this.starts[b]! || this.ends[a]! - this.ends[b]!);
    const gaps: Gap[] = [];
    let gapCount = 0;
    for (let k = 1; k < n; k++) {
      const prev = order[k - 1]!;
      const cur = order[k]!;
      const prevEnd = this.ends[prev]!;
      const start = this.starts[cur]!;
      if (start < prevEnd) {
        const iso = (ms: number) => new Date(ms).toISOString();
        throw invalid(
          `${this.places[cur]}: [${iso(start)}, ${iso(this.ends[cur]!)}) overlaps ${this.places[prev]}'s [${iso(this.starts[prev]!)}, ${iso(prevEnd)})`,
        );
      }
      if (start > prevEnd) {
        gapCount++;
        if (gaps.length < GAPS_SHOWN) gaps.push({ from: prevEnd, to: start });
      }
    }
    return {
      rows: n,
      from: n ? this.starts[order[0]!]! : null,
      to: n ? this.ends[order[n - 1]!]! : null,
      gapCount,
      gaps,
    };
  }
}
