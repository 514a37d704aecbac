import type { AlertStatus, AlertType, InterfaceKind, JobState, JobType } from '../../engine/gateway/index.js';
import type { MESSAGE_KINDS, MESSAGE_STATES, METER_STATUSES } from './tables.js';

/** The gateway's rows as read back (storage/rows.ts for the TESS tables). */
interface Base {
  readonly created: Date;
}
export interface FieldMeterRow extends Base {
  readonly field_meter_id: number;
  readonly system_id: number;
  readonly device_id: number;
  readonly name: string;
  readonly phone: string | null;
  readonly location: string | null;
  readonly status: (typeof METER_STATUSES)[number];
  readonly battery_capacity: number | null;
  readonly panel_capacity: number | null;
  readonly time_zone: string;
  readonly communication_interface: string | null;
}
export interface AccountRow extends Base {
  readonly account_id: number;
  readonly user_id: number;
  readonly phone: string | null;
  readonly lang: string;
}
export interface CircuitRow extends Base {
  readonly circuit_id: number;
  readonly system_id: number;
  readonly device_id: number;
  readonly field_meter_id: number;
  readonly pin: string;
  readonly energy_max: number | null;
  readonly power_max: number | null;
  readonly ip_address: string | null;
}
export interface TokenBatchRow extends Base {
  readonly token_batch_id: number;
  readonly system_id: number;
  readonly unique_id: string;
}
export interface CreditTokenRow extends Base {
  readonly credit_token_id: number;
  readonly token_batch_id: number;
  readonly number_hash: string;
  readonly value: number;
}
export interface RedemptionRow extends Base {
  readonly redemption_id: number;
  readonly credit_token_id: number;
  readonly circuit_id: number;
}
export interface JobRow extends Base {
  readonly job_id: number;
  readonly unique_id: string;
  readonly circuit_id: number;
  readonly type: JobType;
  readonly state: JobState;
  readonly sends: number;
  readonly sent_at: Date | null;
  readonly credit: number | null;
  readonly reported: string | null;
}
export interface AlertRow extends Base {
  readonly alert_id: number;
  readonly unique_id: string;
  readonly system_id: number;
  readonly field_meter_id: number | null;
  readonly circuit_id: number | null;
  readonly type: AlertType;
  readonly began: Date;
  readonly ended: Date | null;
  readonly status: AlertStatus;
  readonly assignee: string | null;
  readonly resolution: string | null;
  readonly message: string;
}
export interface PrimaryLogRow extends Base {
  readonly primary_log_id: number;
  readonly circuit_id: number;
  readonly period_start: Date;
  readonly period_end: Date;
  readonly watthours: number;
  readonly power_peak: number | null;
  readonly reported_credit: number | null;
}
export interface PcuLogRow extends Base {
  readonly pcu_log_id: number;
  readonly field_meter_id: number;
  readonly period_start: Date;
  readonly period_end: Date;
  readonly solar_wh: number;
  readonly battery_wh: number;
  readonly battery_soc: number | null;
}

export interface CommunicationInterfaceRow extends Base {
  readonly communication_interface_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly kind: InterfaceKind;
  readonly base_url: string | null;
  readonly account: string | null;
  readonly sender: string | null;
  readonly secret_env: string | null;
  readonly status: (typeof METER_STATUSES)[number];
}
export interface MessageRow extends Base {
  readonly message_id: number;
  readonly unique_id: string;
  readonly system_id: number;
  readonly communication_interface_id: number;
  readonly kind: (typeof MESSAGE_KINDS)[number];
  readonly phone: string;
  readonly body: string;
  readonly state: (typeof MESSAGE_STATES)[number];
  readonly field_meter_id: number | null;
  readonly circuit_id: number | null;
  readonly job_id: number | null;
  readonly in_reply_to: number | null;
  readonly provider_id: string | null;
  readonly detail: string | null;
}
export interface MessageAttemptRow extends Base {
  readonly message_attempt_id: number;
  readonly message_id: number;
  readonly attempt: number;
  readonly started: Date;
  readonly ended: Date;
  readonly ok: boolean;
  readonly http_status: number | null;
  readonly provider_id: string | null;
  readonly reason: string | null;
}

export interface GatewayRowOf {
  field_meter: FieldMeterRow;
  account: AccountRow;
  circuit: CircuitRow;
  token_batch: TokenBatchRow;
  credit_token: CreditTokenRow;
  redemption: RedemptionRow;
  job: JobRow;
  alert: AlertRow;
  primary_log: PrimaryLogRow;
  pcu_log: PcuLogRow;
  communication_interface: CommunicationInterfaceRow;
  message: MessageRow;
  message_attempt: MessageAttemptRow;
}
