import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_EMAIL, SEED_CONFIG } from '../../storage/seed.js';
import { openTestHandle, type TestHandle } from '../helpers/open.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let test: TestDatabase;
let named: TestHandle;
let unnamed: TestHandle;
beforeAll(async () => {
  test = await createTestDatabase();
  named = await openTestHandle(test.url, { system: 'feeder-1', adminEmail: 'grid-ops@utility.example.org' });
  unnamed = await openTestHandle(test.url, { system: 'feeder-2' });
});
afterAll(async () => {
  await named?.close();
  await unnamed?.close();
  await test?.drop();
});

const adminEmail = async (db: TestHandle, systemId: number) =>
  (await db.config.get((await db.config.find({ system_id: systemId, name: 'admin-email' }))!))?.value;

describe("a new system's admin-email", () => {
  it("is the handle's adminEmail, for its own system and for systems it adds", async () => {
    expect(await adminEmail(named, await named.systemId())).toBe('grid-ops@utility.example.org');
    const added = await named.system.add({ name: 'feeder-9' });
    expect(await adminEmail(named, added.system_id)).toBe('grid-ops@utility.example.org');
  });

  it('is the placeholder admin@localhost when none is given', async () => {
    expect(DEFAULT_ADMIN_EMAIL).toBe('admin@localhost');
    expect(await adminEmail(unnamed, await unnamed.systemId())).toBe('admin@localhost');
  });

  it("never the specification's example address, which is a real person's", async () => {
    await named.systemId();
    await unnamed.systemId();
    const { rows } = await named.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM config WHERE value ILIKE '%slac.stanford.edu%'",
    );
    expect(rows[0]!.n).toBe(0);
    expect(SEED_CONFIG.map(([name]) => name)).not.toContain('admin-email');
  });
});
