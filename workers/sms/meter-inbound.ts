import { isTessError } from '../../engine/errors.js';
import {
  formatGatewayMessage,
  inflateCompressedLog,
  type MeterMessage,
  meterTimeMillis,
  type PrimaryLog,
  parseMeterMessage,
  pingAnswer,
} from '../../engine/gateway/index.js';
import {
  acknowledgeJob,
  type CircuitRow,
  type Database,
  type FieldMeterRow,
  type MessageRow,
  type PrimaryLogInput,
  meterCircuits,
  writeLogs,
} from '../../storage/index.js';
import type { InboundOutcome } from './inbound-outcome.js';

const HOUR_MS = 3_600_000;

/** Logs of customers' circuits as the gateway stores them: each hour by the meter's clock, in its zone. */
async function storeLogs(
  db: Database,
  meter: FieldMeterRow,
  circuits: readonly CircuitRow[],
  logs: readonly PrimaryLog[],
): Promise<InboundOutcome> {
  const byCid = new Map(circuits.filter((c) => c.ip_address !== null).map((c) => [c.ip_address!, c]));
  const rows: PrimaryLogInput[] = [];
  let mains = 0;
  for (const [i, log] of logs.entries()) {
    if (log.circuitType === 'MAINS') {
      mains++;
      continue;
    }
    const circuit = byCid.get(log.cid);
    if (!circuit)
      return {
        state: 'ignored',
        detail: `cid ${log.cid}: no circuit of field meter ${meter.name}`,
        reason: 'unknown-circuit',
      };
    const start = meterTimeMillis(log.hour, meter.time_zone);
    rows.push({
      circuit_id: (await db.entryId('circuit', circuit.circuit_id)) ?? circuit.circuit_id,
      period_start: new Date(start),
      period_end: new Date(start + HOUR_MS),
      watthours: log.wh,
      power_peak: null,
      reported_credit: log.credit,
      label: `log ${i} (cid ${log.cid})`,
    });
  }
  const written = await writeLogs(db, rows, []);
  return {
    state: 'handled',
    detail: `logs: ${written.primary.added} added, ${written.primary.duplicates} repeated${mains ? `, ${mains} of the mains noted` : ''}`,
    replies: [],
  };
}

/**
 * What a field meter's SMS does (engine/gateway/sms/ reads it): logs are stored as the
 * logs route stores them (idempotent by circuit and hour), a job acknowledgement
 * acknowledges the job as the meter's HTTP acknowledgement does, a ping is answered, and
 * alerts are kept on the message for the operator (TESS raises its own alerts from the
 * ledger and the logs, not from what a meter believes).
 */
export async function onMeterMessage(
  db: Database,
  message: MessageRow,
  meter: FieldMeterRow,
  now: Date,
): Promise<InboundOutcome> {
  let parsed: MeterMessage;
  try {
    parsed = parseMeterMessage(message.body);
  } catch (err) {
    return {
      state: 'ignored',
      detail: `unreadable meter message: ${(err as Error).message}`,
      reason: 'malformed',
    };
  }
  const meterEntry = (await db.entryId('field_meter', meter.field_meter_id)) ?? meter.field_meter_id;
  switch (parsed.kind) {
    case 'primary-log':
      return storeLogs(db, meter, await meterCircuits(db, meterEntry), [parsed]);
    case 'compressed-log': {
      const circuits = await meterCircuits(db, meterEntry);
      const cids = circuits.flatMap((c) => (c.ip_address ? [c.ip_address] : []));
      let logs: PrimaryLog[];
      try {
        logs = inflateCompressedLog(parsed, cids);
      } catch (err) {
        // A circuit number that names none of the meter's circuits (or several): as a log's unknown cid.
        if (!isTessError(err)) throw err;
        return { state: 'ignored', detail: err.message, reason: 'unknown-circuit' };
      }
      return storeLogs(db, meter, circuits, logs);
    }
    case 'job-ack': {
      const job = await db.job.get(parsed.jobId);
      if (!job) return { state: 'ignored', detail: `job ${parsed.jobId} not found`, reason: 'unknown-job' };
      const status = parsed.on === null ? 'ok' : parsed.on ? 'on' : 'off';
      // A meter that heard no answer sends its acknowledgement again: only the first is news.
      const repeated = (await db.current('job', job.job_id))?.state === 'acknowledged';
      const acked = await acknowledgeJob(db, meterEntry, job.unique_id, {
        status,
        ...(parsed.credit === null ? {} : { credit: parsed.credit }),
      });
      return {
        state: 'handled',
        detail: `job ${parsed.jobId} ${repeated ? 'already acknowledged' : `acknowledged (${status})`}`,
        replies: [],
        ...(repeated ? {} : { acknowledged: acked }),
      };
    }
    case 'gateway-ping':
      return {
        state: 'handled',
        detail: 'ping answered',
        replies: [{ phone: message.phone, body: formatGatewayMessage(pingAnswer(parsed, now.getTime())) }],
      };
    case 'meter-alert':
      return {
        state: 'handled',
        detail: `meter alert ${parsed.alert} for cid ${parsed.cid}${parsed.credit === null ? '' : ` (credit ${parsed.credit})`}`,
        replies: [],
      };
    case 'meter-online':
      return { state: 'handled', detail: `meter ${parsed.meter} online`, replies: [] };
  }
}
