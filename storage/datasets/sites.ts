import type { Database } from '../database.js';
import type { SiteRow } from './rows.js';

/** The site's current version (as of the handle's clock), or null when there is none. */
export async function currentSite(db: Database, siteId: string): Promise<SiteRow | null> {
  const entry = await db.site_info.find({ site_id: siteId });
  return entry === null ? null : await db.current('site_info', entry);
}
