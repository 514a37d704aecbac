import { describe, expect, it } from 'vitest';
import {
  carryFrom,
  type IntervalSetting,
  intervalAround,
  intervalEnd,
  type OrdersArrived,
} from '../../workers/interval-schedule.js';

const s = (seconds: number) => seconds * 1000;
const held: OrdersArrived = async () => true;
const empty: OrdersArrived = async () => false;

describe('interval schedule', () => {
  // history, interval opening at `from`, whether it held orders before each change, its end
  const ends: [string, IntervalSetting[], number, OrdersArrived, number][] = [
    ['no setting: the default 300 s', [], 0, held, s(300)],
    ['one length: the next point of its grid', [{ since: 0, seconds: 60 }], s(120), held, s(180)],
    ['opening off the grid: up to its next point', [{ since: 0, seconds: 7 }], s(300), held, s(301)],
    [
      'shorter, orders accepted before the change: the old end (their clears_at)',
      [
        { since: 0, seconds: 300 },
        { since: s(120), seconds: 10 },
      ],
      0,
      held,
      s(300),
    ],
    [
      'shorter, no order yet: the new length at once',
      [
        { since: 0, seconds: 300 },
        { since: s(120), seconds: 10 },
      ],
      0,
      empty,
      s(10),
    ],
    [
      'longer, orders accepted before the change: the old end',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(10),
      held,
      s(11),
    ],
    [
      'longer, no order yet: the next point of the new grid',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(10),
      empty,
      s(12),
    ],
    [
      'the interval after the old end runs to the next point of the new grid',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(11),
      held,
      s(12),
    ],
    [
      'a change made after the interval closed does not shape it',
      [
        { since: 0, seconds: 300 },
        { since: s(400), seconds: 10 },
      ],
      0,
      empty,
      s(300),
    ],
    [
      'setting the same value again changes nothing',
      [
        { since: 0, seconds: 300 },
        { since: s(100), seconds: 300 },
      ],
      0,
      empty,
      s(300),
    ],
  ];
  it.each(ends)('%s', async (_, history, from, arrived, end) => {
    expect(await intervalEnd(history, from, arrived)).toBe(end);
  });

  it('asks about orders that arrived before each change, for the interval as it stood', async () => {
    const asked: unknown[] = [];
    const history = [
      { since: 0, seconds: 300 },
      { since: s(100), seconds: 10 },
      { since: s(100.005), seconds: 300 },
    ];
    const end = await intervalEnd(history, 0, async (w) => {
      asked.push(w);
      return w.before > s(100.001);
    });
    expect(asked).toEqual([
      { gridStart: 0, from: 0, end: s(300), before: s(100) },
      // Under 10 s the interval [0, 10 s) had closed before the second change.
    ]);
    expect(end).toBe(s(10));
  });

  it("a new market's first interval is on the grid its system was configured with", async () => {
    // Created with the seed's 300 s and set to 5 s a moment later, before any order.
    const history = [
      { since: s(1000), seconds: 300 },
      { since: s(1000.05), seconds: 5 },
    ];
    expect(await intervalAround(history, s(1002.3), empty)).toBe(s(1000));
    expect(await intervalAround(history, s(1007.3), empty)).toBe(s(1005));
  });

  // history, interval [from, end), earliest interval_start of carried orders (null: none)
  const lag = s(60);
  const carries: [string, IntervalSetting[], number, number, number | null][] = [
    ['one length, on its grid: nothing carried', [{ since: 0, seconds: 300 }], s(600), s(900), null],
    [
      'the old interval of a change to a longer one: orders given the longer grid',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(10),
      s(11),
      s(9),
    ],
    [
      'the short interval after it, up to the new grid',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(11),
      s(12),
      s(9),
    ],
    [
      'long after the change: nothing',
      [
        { since: 0, seconds: 1 },
        { since: s(10.4), seconds: 3 },
      ],
      s(201),
      s(204),
      null,
    ],
    [
      'a length replaced less than the lag ago, by a shorter one: its grid too',
      [
        { since: 0, seconds: 2 },
        { since: s(100), seconds: 1 },
      ],
      s(101),
      s(102),
      s(100),
    ],
  ];
  it.each(carries)('%s', (_, history, from, end, start) => {
    expect(carryFrom(history, from, end, lag)).toBe(start);
  });
});
