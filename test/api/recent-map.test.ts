import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../http/recent-map.js';

type Step = ['set', string] | ['get', string];

// Limit 2 throughout: the least recently used entry goes when a third is added.
const CASES: { steps: Step[]; kept: string[] }[] = [
  {
    steps: [
      ['set', 'a'],
      ['set', 'b'],
      ['set', 'c'],
    ],
    kept: ['b', 'c'],
  },
  {
    steps: [
      ['set', 'a'],
      ['set', 'b'],
      ['get', 'a'],
      ['set', 'c'],
    ],
    kept: ['a', 'c'],
  },
  {
    steps: [
      ['set', 'a'],
      ['set', 'b'],
      ['set', 'a'],
      ['set', 'c'],
    ],
    kept: ['a', 'c'],
  },
  {
    steps: [
      ['set', 'a'],
      ['set', 'a'],
      ['set', 'b'],
    ],
    kept: ['a', 'b'],
  },
];

describe('RecentMap', () => {
  it.each(CASES)('%j', ({ steps, kept }) => {
    const map = new RecentMap<string, number>(2);
    for (const [op, key] of steps) {
      if (op === 'set') map.set(key, 1);
      else map.get(key);
    }
    expect(map.size).toBe(kept.length);
    for (const key of ['a', 'b', 'c']) expect(map.get(key) !== undefined, key).toBe(kept.includes(key));
  });
});
