import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tess } from '../helpers/cli.js';

const order = (id: string, side: string, price: unknown, quantity: unknown) => ({
  id,
  side,
  price,
  quantity,
});
const good = [order('b1', 'buy', 40, 5), order('s1', 'sell', 30, 5)];

// Each bad input, and a fragment the one-line error must contain.
const bad: [name: string, input: string, expected: RegExp][] = [
  ['not JSON', '{"orders": [', /not valid JSON/],
  ['no orders', '{}', /missing "orders"/],
  [
    'order without a price',
    JSON.stringify({ orders: [{ id: 'b1', side: 'buy', quantity: 1 }] }),
    /"b1".*price/,
  ],
  ['quantity 0', JSON.stringify({ orders: [order('b1', 'buy', 40, 0)] }), /"b1".*quantity must be > 0/],
  ['negative quantity', JSON.stringify({ orders: [...good, order('s2', 'sell', 1, -2)] }), /"s2".*quantity/],
  ['quantity below 1e-6', JSON.stringify({ orders: [order('b1', 'buy', 40, 1e-7)] }), /"b1".*rounds to 0/],
  [
    'price a string',
    JSON.stringify({ orders: [order('b1', 'buy', 'cheap', 1)] }),
    /"b1".*price must be a finite/,
  ],
  [
    'price too large to be finite',
    '{"orders":[{"id":"b1","side":"buy","price":1e999,"quantity":1}]}',
    /"b1".*price/,
  ],
  [
    'unknown side',
    JSON.stringify({ orders: [order('x', 'hold', 1, 1)] }),
    /"x".*side must be "buy" or "sell"/,
  ],
  ['duplicate id', JSON.stringify({ orders: [...good, order('b1', 'sell', 3, 1)] }), /"b1".*duplicate id/],
  ['unknown special_mode', JSON.stringify({ special_mode: 'BOTH', orders: good }), /special_mode/],
  ['interval 0', JSON.stringify({ interval: 0, orders: good }), /interval must be > 0/],
  ['unknown top-level key', JSON.stringify({ price_caps: 10, orders: good }), /unknown key "price_caps"/],
  [
    'order without an id',
    JSON.stringify({ orders: [{ side: 'buy', price: 1, quantity: 1 }] }),
    /index 0.*id/,
  ],
];

function expectOneLineError(
  result: { code: number | null; stdout: string; stderr: string },
  expected: RegExp,
) {
  expect(result.code).not.toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tess: /);
  expect(lines[0]).toMatch(expected);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tess-clear-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('tess clear', () => {
  it.each(bad)('rejects %s on standard input', async (_name, input, expected) => {
    expectOneLineError(await tess(['clear'], { input }), expected);
  });

  it('rejects a bad file, naming the order', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ orders: [...good, order('s9', 'sell', 5, 'lots')] }));
    expectOneLineError(await tess(['clear', file]), /"s9".*quantity must be a finite number/);
  });

  it('rejects a missing file', async () => {
    expectOneLineError(await tess(['clear', join(dir, 'absent.json')]), /cannot read .*absent\.json/);
  });

  it('clears a market from a file and from standard input alike', async () => {
    const market = {
      interval: 3600,
      orders: [
        order('b-low', 'buy', 5, 5),
        order('s1', 'sell', 15, 5),
        order('b1', 'buy', 40, 5),
        order('s3', 'sell', 45, 5),
        order('b2', 'buy', 30, 5),
        order('s2', 'sell', 20, 5),
      ],
    };
    const file = join(dir, 'market.json');
    await writeFile(file, JSON.stringify(market));
    const [fromFile, fromStdin] = await Promise.all([
      tess(['clear', file]),
      tess(['clear'], { input: JSON.stringify(market) }),
    ]);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    // Price 25 between the last accepted buy (30) and sell (20); 10 units over one hour.
    expect(JSON.parse(fromFile.stdout)).toEqual({
      price: 25,
      quantity: 10,
      type: 'PRICE',
      marginal_quantity: 0,
      marginal_frac: 0,
      buyer_total: 15,
      seller_total: 15,
      fills: [
        { id: 'b-low', side: 'buy', quantity: 0, amount: 0 },
        { id: 's1', side: 'sell', quantity: 5, amount: 125 },
        { id: 'b1', side: 'buy', quantity: 5, amount: -125 },
        { id: 's3', side: 'sell', quantity: 0, amount: 0 },
        { id: 'b2', side: 'buy', quantity: 5, amount: -125 },
        { id: 's2', side: 'sell', quantity: 5, amount: 125 },
      ],
    });
  });
});
