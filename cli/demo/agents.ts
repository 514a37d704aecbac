/**
 * Simulated home agents for `tess demo`, after TESS's field agents: each device bids
 * around the expected price Pexp (mean of recent clearing prices) by its own need, with
 * Pdev (their standard deviation) as the scale. Quantities in MW, prices in $/MWh,
 * energy in MWh. Pure simulation: no I/O; the demo sends what they decide over HTTP.
 */

export type Kind = 'hvac' | 'water-heater' | 'ev' | 'battery' | 'pv' | 'feeder' | 'base-load';

export interface Signal {
  /** Expected price and its spread, from recent clearings. */
  readonly pexp: number;
  readonly pdev: number;
  readonly priceCap: number;
  /** Simulated hour of day (0–24), for sun and temperatures. */
  readonly hour: number;
  /** Interval length in hours. */
  readonly hours: number;
  /**
   * What the system's datasets say of the interval (cli/demo/demo-datasets.ts), when they
   * say it: the outdoor temperature (°C, weather), the wholesale price ($/MWh, the
   * tariff's import price) and the sun (the PV forecast's output per kWp, 0–1). Agents
   * fall back on their own formulas of the hour without them.
   */
  readonly outdoor?: number | null;
  readonly wholesale?: number | null;
  readonly sun?: number | null;
}

export interface Bid {
  readonly side: 'buy' | 'sell';
  readonly quantity: number;
  readonly price: number;
}

export interface Agent {
  readonly kind: Kind;
  readonly name: string;
  /** What to bid this interval, or null to sit out. */
  bid(s: Signal): Bid | null;
  /** The interval closed at `price`: act accordingly, and return the metered energy (consumption > 0). */
  settle(s: Signal, bid: Bid | null, price: number): number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const cleared = (bid: Bid | null, price: number) =>
  bid !== null && (bid.side === 'buy' ? bid.price >= price : bid.price <= price);

/** A deterministic generator, so a demo with the same size behaves the same. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A thermostatically controlled load (heating): the colder it is below the set point, the
 * more it bids — Pexp − 3·k·Pdev·(T_obs − T_des)/|T_min − T_des|, within Pexp ± 3·Pdev.
 */
class Thermal implements Agent {
  constructor(
    readonly kind: 'hvac' | 'water-heater',
    readonly name: string,
    private readonly power: number,
    private temperature: number,
    private readonly desired: number,
    private readonly minimum: number,
    private readonly comfort: number,
    private readonly ambient: (s: Signal) => number,
    private readonly heatPerHour: number,
    private readonly lossPerHour: number,
  ) {}

  bid(s: Signal): Bid | null {
    if (this.temperature >= this.desired + 1) return null;
    const urge = (this.temperature - this.desired) / Math.abs(this.minimum - this.desired);
    const price = clamp(s.pexp - 3 * this.comfort * s.pdev * urge, s.pexp - 3 * s.pdev, s.pexp + 3 * s.pdev);
    return { side: 'buy', quantity: this.power, price: round(price, 2) };
  }

  settle(s: Signal, bid: Bid | null, price: number): number {
    const on = cleared(bid, price);
    const outside = this.ambient(s);
    this.temperature +=
      (on ? this.heatPerHour : 0) * s.hours -
      (this.lossPerHour * s.hours * (this.temperature - outside)) / 10;
    return on ? this.power * s.hours : 0;
  }
}

/** An EV charger: the less time is left to charge what is needed, the more it bids. */
class Ev implements Agent {
  readonly kind = 'ev';
  constructor(
    readonly name: string,
    private readonly power: number,
    private needed: number,
    private hoursLeft: number,
  ) {}

  bid(s: Signal): Bid | null {
    if (this.needed <= 0) return null;
    const urgency = clamp(this.needed / Math.max(this.power * this.hoursLeft, 1e-9), 0, 1);
    return { side: 'buy', quantity: this.power, price: round(s.pexp + s.pdev * (6 * urgency - 3), 2) };
  }

  settle(s: Signal, bid: Bid | null, price: number): number {
    this.hoursLeft = Math.max(this.hoursLeft - s.hours, s.hours);
    if (!cleared(bid, price)) return 0;
    this.needed -= this.power * s.hours;
    return this.power * s.hours;
  }
}

/** A battery: charges below the expected price, discharges above it. */
class Battery implements Agent {
  readonly kind = 'battery';
  constructor(
    readonly name: string,
    private readonly power: number,
    private readonly capacity: number,
    private charge: number,
  ) {}

  bid(s: Signal): Bid | null {
    const soc = this.charge / this.capacity;
    if (soc < 0.5) return { side: 'buy', quantity: this.power, price: round(s.pexp - s.pdev * (1 - soc), 2) };
    return { side: 'sell', quantity: this.power, price: round(s.pexp + s.pdev * soc, 2) };
  }

  settle(s: Signal, bid: Bid | null, price: number): number {
    if (!bid || !cleared(bid, price)) return 0;
    const energy = Math.min(
      this.power * s.hours,
      bid.side === 'buy' ? this.capacity - this.charge : this.charge,
    );
    this.charge += bid.side === 'buy' ? energy : -energy;
    return bid.side === 'buy' ? energy : -energy;
  }
}

const sun = (hour: number) => Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12));

/** Rooftop PV: offers what the sun gives, at any price. */
class Pv implements Agent {
  readonly kind = 'pv';
  constructor(
    readonly name: string,
    private readonly peak: number,
  ) {}

  bid(s: Signal): Bid | null {
    const output = round(this.peak * (s.sun ?? sun(s.hour)), 6);
    return output > 0 ? { side: 'sell', quantity: output, price: 0 } : null;
  }

  settle(s: Signal, bid: Bid | null, price: number): number {
    return cleared(bid, price) ? -bid!.quantity * s.hours : 0;
  }
}

/** The feeder: imports up to its capacity at the wholesale price. */
class Feeder implements Agent {
  readonly kind = 'feeder';
  constructor(
    readonly name: string,
    private readonly capacity: number,
    private readonly wholesale: (hour: number) => number,
  ) {}

  bid(s: Signal): Bid {
    return { side: 'sell', quantity: this.capacity, price: round(s.wholesale ?? this.wholesale(s.hour), 2) };
  }

  settle(): number {
    return 0; // the feeder's own meter is the substation's; it is not settled here
  }
}

/** Everything else on the feeder: unresponsive demand, bid at the price cap. */
class BaseLoad implements Agent {
  readonly kind = 'base-load';
  constructor(
    readonly name: string,
    private readonly load: (hour: number) => number,
  ) {}

  bid(s: Signal): Bid {
    return { side: 'buy', quantity: round(this.load(s.hour), 6), price: s.priceCap };
  }

  settle(s: Signal, bid: Bid | null): number {
    return bid ? bid.quantity * s.hours : 0;
  }
}

/**
 * A feeder's worth of agents for `devices` devices: the feeder and the base load, then a
 * mix of HVAC (35 %), water heaters (20 %), EV chargers (15 %), batteries (10 %) and PV (20 %).
 */
export function population(devices: number, seed = 42): Agent[] {
  const next = random(seed);
  const homes = Math.max(devices - 2, 0);
  const agents: Agent[] = [];
  const outdoor = (s: Signal) => s.outdoor ?? 4 + 6 * Math.sin((Math.PI * (s.hour - 9)) / 12);
  for (let i = 0; i < homes; i++) {
    const r = i % 20;
    const name = (kind: string) => `${kind}-${i + 1}`;
    if (r < 7) {
      agents.push(
        new Thermal(
          'hvac',
          name('hvac'),
          0.004 + next() * 0.002,
          19 + next() * 3,
          21,
          18,
          1 + next() * 2,
          outdoor,
          3,
          1,
        ),
      );
    } else if (r < 11) {
      agents.push(
        new Thermal(
          'water-heater',
          name('water-heater'),
          0.0045,
          48 + next() * 8,
          55,
          45,
          1 + next(),
          () => 20,
          10,
          0.5,
        ),
      );
    } else if (r < 14) {
      agents.push(new Ev(name('ev'), 0.007, 0.01 + next() * 0.03, 2 + next() * 6));
    } else if (r < 16) {
      agents.push(new Battery(name('battery'), 0.005, 0.0135, next() * 0.0135));
    } else {
      agents.push(new Pv(name('pv'), 0.003 + next() * 0.004));
    }
  }
  // The feeder can carry about 60 % of what the responsive homes would draw at once, so
  // the price rises above wholesale when many want power at the same time.
  const flexible = agents.length * 0.004;
  agents.unshift(
    new Feeder(
      'feeder',
      round(Math.max(flexible * 0.6, 0.01), 6),
      (hour) => 45 + 15 * Math.sin((Math.PI * (hour - 12)) / 12),
    ),
    new BaseLoad('base-load', (hour) =>
      Math.max(flexible * 0.25 * (1 + 0.3 * Math.sin((Math.PI * (hour - 14)) / 12)), 0.001),
    ),
  );
  return agents.slice(0, Math.max(devices, 2));
}
