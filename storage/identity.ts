import { createHash } from 'node:crypto';
import type { Queryable } from './queries/current.js';

/**
 * Which database this is, whatever URL reached it: the cluster's system identifier
 * (fixed when the cluster is initialized, shared by its physical replicas) and the
 * database's name. Two deployments that share a Redis keep their job queues apart by it,
 * so a process that reaches another database (a mistyped DATABASE_URL) never touches the
 * queue of the first.
 */
export interface DatabaseIdentity {
  /** A short stable key for names (16 hex digits of a SHA-256). */
  readonly key: string;
  /** For logs: `database "tess" of cluster 7713873925424683108`. */
  readonly description: string;
}

export async function readDatabaseIdentity(db: Queryable): Promise<DatabaseIdentity> {
  const { rows } = await db.query(
    'SELECT system_identifier::text AS cluster, current_database() AS name FROM pg_control_system()',
  );
  const { cluster, name } = rows[0] as { cluster: string; name: string };
  return Object.freeze({
    key: createHash('sha256').update(`${cluster}/${name}`).digest('hex').slice(0, 16),
    description: `database ${JSON.stringify(name)} of cluster ${cluster}`,
  });
}
