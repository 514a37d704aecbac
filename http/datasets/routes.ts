import type { ApiContext } from '../context.js';
import type { TypedApp } from '../route-types.js';
import { registerDatasetRoutes } from './datasets.js';
import { registerSites } from './sites.js';

/** Clients, sites (/api/v1/clients, /api/v1/sites) and datasets (/api/v1/datasets/{type}). */
export async function registerDatasets(app: TypedApp, ctx: ApiContext): Promise<void> {
  registerSites(app, ctx);
  await registerDatasetRoutes(app, ctx);
}
