/** The clients' and sites' rows as read back (storage/rows.ts for the TESS tables). */
export interface ClientRow {
  readonly client_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly created: Date;
}
export interface SiteRow {
  readonly site_info_id: number;
  readonly site_id: string;
  readonly client_id: number;
  readonly system_id: number;
  readonly name: string;
  readonly address: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly time_zone: string;
  readonly created: Date;
}

export interface ClientInfoRowOf {
  clients: ClientRow;
  site_info: SiteRow;
}
