import { random } from './agents.js';

/**
 * The customers of the demo's prepaid village (village.ts) and what they draw over a
 * simulated day: a mill, a shop or a home each. Pure simulation, like agents.ts: the
 * village's meter posts what they draw over HTTP.
 */

export type Kind = 'mill' | 'shop' | 'home';

/** A customer as simulated: what they draw, and whether they buy a card when cut off. */
export interface Villager {
  readonly name: string;
  readonly kind: Kind;
  /** Peak draw, W. */
  readonly watts: number;
  readonly buysCards: boolean;
}

/**
 * Every fifth customer runs a mill (about 3 kW: out of credit within a few intervals,
 * every other one of them buys a card then), every fifth a shop with a fridge (about half
 * a kW: low on credit later), the rest are homes (lights, a radio, phones: under 150 W).
 */
export function villagers(n: number, seed = 7): Villager[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const kind: Kind = i % 5 === 0 ? 'mill' : i % 5 === 2 ? 'shop' : 'home';
    const watts = { mill: 2400 + 800 * next(), shop: 400 + 150 * next(), home: 50 + 90 * next() }[kind];
    return { name: `villager-${i + 1}`, kind, watts: Math.round(watts), buysCards: i % 10 === 0 };
  });
}

const daylight = (hour: number) => Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));
/** A bump `width` hours wide around the hour `at`, across midnight. */
function around(hour: number, at: number, width: number): number {
  const d = Math.min(Math.abs(hour - at), 24 - Math.abs(hour - at));
  return Math.exp(-((d / width) ** 2) / 2);
}

/** What a customer draws at an hour of the day, W: mills and shops by day, homes at dawn and in the evening. */
export function draw(v: Villager, hour: number): number {
  if (v.kind === 'mill') return v.watts * (0.6 + 0.4 * daylight(hour));
  if (v.kind === 'shop') return v.watts * (0.7 + 0.3 * daylight(hour));
  return v.watts * (0.15 + 0.35 * around(hour, 7, 1) + 0.85 * around(hour, 20, 2));
}
