import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useDatabase } from '../helpers/open.js';

const t = useDatabase();

/**
 * Random interleavings of add and set over a few keys, then, at random clocks, find and
 * get must answer exactly what a plain in-memory model of the history answers.
 * PostgreSQL keeps microseconds and JavaScript clocks milliseconds, so the model reads
 * each row's `created` in microseconds and compares it with clock·1000, as SQL does.
 */
interface Version {
  readonly key: string;
  readonly id: number;
  readonly value: string;
  readonly createdUs: bigint;
}

describe('as-of reads agree with a model of the history', () => {
  it('find, get and list at random clocks', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 3 }), value: fc.string({ maxLength: 6 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        async (ops, clockFractions) => {
          const db = t.db;
          db.setClock(null);
          const prefix = `p${run++}-`;
          const history: Version[] = [];
          for (const op of ops) {
            const name = `${prefix}${op.key}`;
            const exists = history.some((h) => h.key === name);
            const row = exists
              ? await db.config.set({ name, value: op.value })
              : await db.config.add({ name, value: op.value });
            const { rows } = await db.sql.query(
              'SELECT (extract(epoch FROM created) * 1000000)::bigint::text AS us FROM config WHERE config_id = $1',
              [row.config_id],
            );
            history.push({ key: name, id: row.config_id, value: op.value, createdUs: BigInt(rows[0].us) });
          }
          const first = Number(history[0]!.createdUs / 1000n) - 2;
          const last = Number(history.at(-1)!.createdUs / 1000n) + 2;
          for (const f of clockFractions) {
            const clockMs = Math.round(first + f * (last - first));
            const clockUs = BigInt(clockMs) * 1000n;
            db.setClock(new Date(clockMs));
            for (const key of new Set(history.map((h) => h.key))) {
              const visible = history.filter((h) => h.key === key && h.createdUs <= clockUs);
              // Newest created first, ties broken by id.
              visible.sort((a, b) =>
                a.createdUs === b.createdUs ? b.id - a.id : a.createdUs > b.createdUs ? -1 : 1,
              );
              expect(await db.config.find({ name: key })).toBe(visible[0]?.id ?? null);
            }
            // list: the current version of each entry at the clock, filtered on that version.
            const current = [...new Set(history.map((h) => h.key))]
              .map(
                (key) =>
                  history
                    .filter((h) => h.key === key && h.createdUs <= clockUs)
                    .sort((a, b) =>
                      a.createdUs === b.createdUs ? b.id - a.id : a.createdUs > b.createdUs ? -1 : 1,
                    )[0],
              )
              .filter((h): h is Version => h !== undefined)
              .sort((a, b) => a.id - b.id);
            const listed = (await db.config.list({ limit: 1000 })).filter((r) => r.name.startsWith(prefix));
            expect(listed.map((r) => [r.config_id, r.value])).toEqual(current.map((h) => [h.id, h.value]));
            const value = ops[0]!.value;
            const byValue = (await db.config.list({ where: { value }, limit: 1000 })).filter((r) =>
              r.name.startsWith(prefix),
            );
            expect(byValue.map((r) => r.config_id)).toEqual(
              current.filter((h) => h.value === value).map((h) => h.id),
            );
            for (const h of history) {
              const got = await db.config.get(h.id);
              expect(got === null ? null : got.value).toBe(h.createdUs <= clockUs ? h.value : null);
            }
          }
          db.setClock(null);
        },
      ),
      { numRuns: 25 },
    );
  });
});
