import { isTessError } from '../../engine/errors.js';
import { formatJob, type JobType } from '../../engine/gateway/index.js';
import {
  type Database,
  type MessageRow,
  type MeterJob,
  type Outgoing,
  pullJobs,
  queueMessages,
} from '../../storage/index.js';

/** A job's text for its meter, or why it cannot be written (a circuit without an address). */
function jobText(job: MeterJob): string {
  const type = job.type as JobType;
  if (type === 'Mping') return formatJob('Mping', { jobId: job.job_id });
  const cid = job.ip_address ?? '';
  if (type === 'AddCredit')
    return formatJob('AddCredit', { jobId: job.job_id, cid, amount: job.credit ?? 0 });
  return formatJob(type, { jobId: job.job_id, cid });
}

/**
 * Sends a field meter its pending jobs by SMS, when it has an interface and a number:
 * the jobs are handed out as a pull hands them (each once, marked sent, its send
 * counted), and each send is a `job` message of its own (`job:<job>:<send>`), queued in
 * the same way as replies. A job that cannot be written (its circuit has no address)
 * stays sent with nothing sent: the job pass times it out and raises UnresponsiveJob.
 * Meters without an interface pull their jobs over HTTP instead.
 */
export async function pushMeterJobs(db: Database, fieldMeterId: number, now: Date): Promise<MessageRow[]> {
  const meter = await db.current('field_meter', fieldMeterId);
  const phone = meter?.phone;
  if (!meter?.communication_interface || !phone || meter.status !== 'active') return [];
  const ifaceId = await db.communication_interface.find({
    system_id: meter.system_id,
    name: meter.communication_interface,
  });
  const iface = ifaceId === null ? null : await db.communication_interface.get(ifaceId);
  if (iface?.status !== 'active') return [];
  const interfaceId =
    (await db.entryId('communication_interface', iface.communication_interface_id)) ?? ifaceId!;
  const meterEntry = (await db.entryId('field_meter', meter.field_meter_id)) ?? fieldMeterId;
  // One transaction: jobs are never marked sent without their messages queued.
  return db.withTransaction(async (tx) => {
    const outgoing: Outgoing[] = [];
    for (const job of await pullJobs(tx, meterEntry, now)) {
      let body: string;
      try {
        body = jobText(job);
      } catch (err) {
        if (isTessError(err)) continue;
        throw err;
      }
      outgoing.push({
        uniqueId: `job:${job.unique_id}:${job.sends}`,
        systemId: meter.system_id,
        interfaceId,
        kind: 'job',
        phone,
        body,
        fieldMeterId: meterEntry,
        circuitId: job.circuit_id,
        jobId: job.job_id,
      });
    }
    return queueMessages(tx, outgoing);
  });
}
