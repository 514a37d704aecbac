import { random } from './book.js';
import { createBenchDatabase } from './database.js';
import { type Benchmark, timed } from './harness.js';

/**
 * `find` at random clocks over many versions of many keys (preference entries of one
 * user), against a primary-key lookup of one row: the as-of read should cost about what
 * an indexed lookup costs, however long the history.
 */
export const findAsof: Benchmark<{ keys: number; versions: number; lookups: number }> = {
  name: 'find-asof',
  description: 'find at random clocks over keys × versions vs primary-key lookup of one row',
  unit: 'lookups',
  sizes: {
    quick: { keys: 1000, versions: 100, lookups: 2000 },
    full: { keys: 10_000, versions: 100, lookups: 5000 },
  },
  rounds: { quick: 5, full: 7 },
  targets: [{ compare: 'time', baseline: 'primary key', op: '<=', value: 2 }],
  async prepare({ keys, versions, lookups }) {
    const bench = await createBenchDatabase();
    const { db } = bench;
    const user = await db.user.add({
      system_id: await db.systemId(),
      name: 'history',
      email: 'history@bench.example',
    });
    // One COPY per version: each version of every key is created after the previous one.
    for (let v = 0; v < versions; v++) {
      const rows = Array.from({ length: keys }, (_, k) => ({
        user_id: user.user_id,
        name: `key${k}`,
        value: `v${v}`,
      }));
      await (v === 0 ? db.preference.addMany(rows) : db.preference.setMany(rows));
    }
    await bench.raw.query('ANALYZE preference');
    const { rows } = await bench.raw.query(
      'SELECT min(created) AS a, max(created) AS b, min(preference_id) AS lo, max(preference_id) AS hi FROM preference',
    );
    const { a, b, lo, hi } = rows[0];
    const next = random(3);
    const clocks = Array.from(
      { length: lookups },
      () => new Date(a.getTime() + next() * (b.getTime() - a.getTime())),
    );
    const names = Array.from({ length: lookups }, () => `key${Math.floor(next() * keys)}`);
    const ids = Array.from({ length: lookups }, () => lo + Math.floor(next() * (hi - lo + 1)));
    const views = clocks.map((c) => db.at(c));
    return {
      path: {
        name: 'find at a clock',
        run: () =>
          timed(lookups, async () => {
            for (let i = 0; i < lookups; i++)
              await views[i]!.preference.find({ user_id: user.user_id, name: names[i]! });
          }),
      },
      baselines: [
        {
          name: 'primary key',
          run: () =>
            timed(lookups, async () => {
              for (let i = 0; i < lookups; i++)
                await bench.raw.query('SELECT * FROM preference WHERE preference_id = $1', [ids[i]]);
            }),
        },
      ],
      extra: async () => ({ rows: keys * versions }),
      close: () => bench.drop(),
    };
  },
};
