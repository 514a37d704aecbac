import { basename } from 'node:path';
import type { Migration } from './migrations.js';

/**
 * What a failed migration leaves behind and the two ways back, said the same way when the
 * file fails and every time a dirty database is refused afterwards.
 *
 * Every file in migrations/ is one transaction (BEGIN … COMMIT, held by a test), so a
 * file that fails leaves nothing of itself: the schema is the one before the file ran.
 * golang-migrate's bookkeeping marks the database dirty first, at the version the step
 * leads to: the file's own version going up, the version below going down. That is why
 * "force the last good version" alone is a loop (the retry fails the same way unless the
 * cause is fixed) and why forcing the failed version is right only when its changes were
 * made by hand. `-1` is how `tess migrate force` names "no version".
 */

export type Direction = 'up' | 'down';

const name = (version: number | null) => (version === null ? 'no version' : `version ${version}`);
const force = (version: number | null) => `\`tess migrate force ${version ?? -1}\``;
const schemaOf = (version: number | null) =>
  version === null ? 'no TESS schema' : `version ${version}'s schema`;

/** The versions a step from migrations[index] in `direction` goes between. */
function step(migrations: readonly Migration[], index: number, direction: Direction) {
  const migration = migrations[index]!;
  const below = index > 0 ? migrations[index - 1]!.version : null;
  return direction === 'up'
    ? { file: basename(migration.up), schema: below, dirty: migration.version }
    : { file: basename(migration.down), schema: migration.version, dirty: below };
}

/** The state after migrations[index]'s file failed in `direction`, and the two recoveries. */
export function afterFailure(migrations: readonly Migration[], index: number, direction: Direction): string {
  const { schema, dirty } = step(migrations, index, direction);
  const [done, did, retry] =
    direction === 'up'
      ? ['applied', 'applied its changes', '`tess migrate up`']
      : ['undone', 'undid its changes', '`tess migrate down 1`'];
  return (
    `the file is one transaction, so nothing of it was ${done}: the database ${direction === 'down' ? 'still ' : ''}` +
    `has ${schemaOf(schema)}, marked dirty at ${name(dirty)}. Recover in one of two ways: ` +
    `fix the cause (the data or the server), run ${force(schema)} then ${retry} to retry it; ` +
    `or, if you ${did} by hand, run ${force(dirty)}.`
  );
}

/**
 * Why a database is dirty at `version` and how to recover. The bookkeeping does not say
 * which way the failed step went; `up` (what `tess start` runs) is the usual case, so it
 * is explained first and a failed `down` after it.
 */
export function dirtyAdvice(migrations: readonly Migration[], version: number | null): string {
  // A dirty "no version" is only left by undoing the first migration.
  if (version === null) {
    if (!migrations.length) return 'a migration failed part-way';
    const first = step(migrations, 0, 'down').file;
    return `migration ${first} failed, and ${afterFailure(migrations, 0, 'down')}`;
  }
  const index = migrations.findIndex((m) => m.version === version);
  if (index === -1)
    return `no file in migrations/ has version ${version}; run the TESS release that migrated it`;
  const up = `migration ${step(migrations, index, 'up').file} failed, and ${afterFailure(migrations, index, 'up')}`;
  if (index + 1 >= migrations.length) return up;
  const down = step(migrations, index + 1, 'down');
  return (
    `${up} (If it was \`tess migrate down\` that failed, the database still has ${schemaOf(down.schema)}, ` +
    `${down.file} having left nothing of itself: fix the cause, run ${force(down.schema)} ` +
    'then `tess migrate down 1`.)'
  );
}
