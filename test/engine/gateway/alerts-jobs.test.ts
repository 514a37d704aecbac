import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CircuitState,
  type ConditionAlert,
  evaluateCircuit,
  jobStep,
} from '../../../engine/gateway/index.js';

const HOUR = 3_600_000;
const base: CircuitState = {
  balanceMicro: 50e6,
  lowCreditMicro: 10e6,
  lastPowerW: 100,
  powerMaxW: 500,
  energyTodayWh: 200,
  energyMaxWh: 1000,
  lastHeard: 10 * HOUR,
  since: 0,
  now: 10 * HOUR + 60_000,
  unresponsiveAfterMs: 2 * HOUR,
  open: new Set(),
  heardSinceUnresponsive: false,
  commanded: 'on',
  commandedBy: 'gateway',
};
const evaluate = (change: Partial<CircuitState>) => evaluateCircuit({ ...base, ...change });

describe('alert rules', () => {
  it.each<[string, Partial<CircuitState>, { raise: string[]; end: string[]; command: string | null }]>([
    ['a healthy circuit raises nothing', {}, { raise: [], end: [], command: null }],
    [
      'credit below the threshold',
      { balanceMicro: 9.99e6 },
      { raise: ['LowCredit'], end: [], command: null },
    ],
    [
      'credit gone: LowCredit and NoCredit, turned off',
      { balanceMicro: 0 },
      { raise: ['LowCredit', 'NoCredit'], end: [], command: 'TurnOff' },
    ],
    [
      'credit restored above zero: NoCredit ends, turned on',
      { balanceMicro: 5e6, open: new Set<ConditionAlert>(['LowCredit', 'NoCredit']), commanded: 'off' },
      { raise: [], end: ['NoCredit'], command: 'TurnOn' },
    ],
    ['power over the limit', { lastPowerW: 501 }, { raise: ['PowerMax'], end: [], command: 'TurnOff' }],
    [
      'PowerMax stays latched while open, whatever the power',
      { lastPowerW: 10, open: new Set<ConditionAlert>(['PowerMax']), commanded: 'off' },
      { raise: [], end: [], command: null },
    ],
    [
      'energy of the day over the limit',
      { energyTodayWh: 1001 },
      { raise: ['EnergyMax'], end: [], command: 'TurnOff' },
    ],
    [
      'a new local day ends EnergyMax and turns the circuit on',
      { energyTodayWh: 0, open: new Set<ConditionAlert>(['EnergyMax']), commanded: 'off' },
      { raise: [], end: ['EnergyMax'], command: 'TurnOn' },
    ],
    ['no log for the limit', { now: 12 * HOUR }, { raise: ['UnresponsiveCircuit'], end: [], command: null }],
    [
      'never logged since it was added',
      { lastHeard: null, since: 0, now: 2 * HOUR },
      { raise: ['UnresponsiveCircuit'], end: [], command: null },
    ],
    [
      'a log after the silence: PowerOn',
      { open: new Set<ConditionAlert>(['UnresponsiveCircuit']), heardSinceUnresponsive: true },
      { raise: ['PowerOn'], end: ['UnresponsiveCircuit'], command: null },
    ],
    [
      'no limits set: nothing from power or energy',
      { powerMaxW: null, energyMaxWh: null, lastPowerW: 1e9, energyTodayWh: 1e9 },
      { raise: [], end: [], command: null },
    ],
  ])('%s', (_name, change, expected) => {
    expect(evaluate(change)).toEqual(expected);
  });

  const stateArb = fc.record({
    balanceMicro: fc.integer({ min: -100e6, max: 100e6 }),
    lowCreditMicro: fc.integer({ min: 0, max: 20e6 }),
    lastPowerW: fc.option(fc.integer({ min: 0, max: 2000 })),
    powerMaxW: fc.option(fc.integer({ min: 0, max: 1000 })),
    energyTodayWh: fc.integer({ min: 0, max: 5000 }),
    energyMaxWh: fc.option(fc.integer({ min: 0, max: 2000 })),
    lastHeard: fc.option(fc.integer({ min: 0, max: 10 * HOUR })),
    since: fc.constant(0),
    now: fc.integer({ min: 10 * HOUR, max: 20 * HOUR }),
    unresponsiveAfterMs: fc.constant(2 * HOUR),
    open: fc
      .subarray<ConditionAlert>(['UnresponsiveCircuit', 'PowerMax', 'EnergyMax', 'LowCredit', 'NoCredit'])
      .map((a) => new Set(a)),
    heardSinceUnresponsive: fc.boolean(),
    commanded: fc.constantFrom<'on' | 'off'>('on', 'off'),
    commandedBy: fc.constantFrom<'gateway' | 'person'>('gateway', 'person'),
  });

  it('once raised, an episode is not raised again: re-evaluating the outcome changes nothing', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        // A log since the silence began is a recent one.
        fc.pre(
          !state.heardSinceUnresponsive ||
            (state.lastHeard !== null && state.now - state.lastHeard < state.unresponsiveAfterMs),
        );
        const first = evaluateCircuit(state);
        const open = new Set(state.open);
        for (const t of first.raise) if (t !== 'PowerOn') open.add(t as ConditionAlert);
        for (const t of first.end) open.delete(t);
        const commanded =
          first.command === null ? state.commanded : first.command === 'TurnOn' ? 'on' : 'off';
        const commandedBy = first.command === null ? state.commandedBy : 'gateway';
        // An episode still open (or just raised) has not been heard from since it began.
        const again = evaluateCircuit({
          ...state,
          open,
          commanded,
          commandedBy,
          heardSinceUnresponsive: false,
        });
        expect(again).toEqual({ raise: [], end: [], command: null });
      }),
    );
  });

  it('a circuit is commanded off exactly when it has no credit, is tripped, or is over its day, unless its customer switched it off', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const { command } = evaluateCircuit(state);
        const off =
          state.balanceMicro <= 0 ||
          state.open.has('PowerMax') ||
          (state.powerMaxW !== null && state.lastPowerW !== null && state.lastPowerW > state.powerMaxW) ||
          (state.energyMaxWh !== null && state.energyTodayWh > state.energyMaxWh);
        const after = command === null ? state.commanded : command === 'TurnOn' ? 'on' : 'off';
        // A customer's own `off` is theirs to undo: the gateway never switches it back on.
        const personOff = state.commanded === 'off' && state.commandedBy === 'person';
        expect(after).toBe(off || personOff ? 'off' : 'on');
        if (personOff) expect(command).toBeNull();
      }),
    );
  });
});

describe('job rules', () => {
  const rules = { timeoutMs: 15 * 60_000, retries: 3 };
  it.each<[string, Parameters<typeof jobStep>[0], number, string]>([
    ['a pending job waits to be pulled', { state: 'pending', sends: 0, sentAt: null }, 1e12, 'wait'],
    ['sent once, before the timeout', { state: 'sent', sends: 1, sentAt: 0 }, 15 * 60_000 - 1, 'wait'],
    ['sent once, at the timeout', { state: 'sent', sends: 1, sentAt: 0 }, 15 * 60_000, 'resend'],
    ['sent twice: the wait doubles', { state: 'sent', sends: 2, sentAt: 0 }, 29 * 60_000, 'wait'],
    ['sent twice, after 30 min', { state: 'sent', sends: 2, sentAt: 0 }, 30 * 60_000, 'resend'],
    [
      'sent four times (three retries), timed out: fails',
      { state: 'sent', sends: 4, sentAt: 0 },
      120 * 60_000,
      'fail',
    ],
    ['acknowledged is final', { state: 'acknowledged', sends: 1, sentAt: 0 }, 1e12, 'wait'],
    ['failed is final', { state: 'failed', sends: 4, sentAt: 0 }, 1e12, 'wait'],
  ])('%s', (_name, job, now, expected) => {
    expect(jobStep(job, now, rules)).toBe(expected);
  });
});
