import DataLoader from 'dataloader';
import { escapeId, type Pool, type RowDataPacket } from 'mysql2/promise';
import type { Country } from '../countries';
import type { AppointmentRequested } from '../messages';
import type { CountryAppointmentStore } from '../ports';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';

const COLUMNS = ['appointment_id', 'insured_id', 'schedule_id', 'country_iso', 'requested_at'] as const;

/**
 * A country's appointments table in its own schema. The records of one SQS batch
 * are processed in parallel; their saves made in the same tick go to MySQL as one
 * multi-row INSERT, one round trip per batch. A duplicate appointment_id is a
 * no-op, which makes redelivery harmless.
 */
export class MysqlCountryAppointments implements CountryAppointmentStore {
  readonly countryISO: Country['iso'];
  private readonly table: string;
  private readonly rows: DataLoader<AppointmentRequested, void>;

  constructor(
    private readonly pool: Pool,
    country: Country,
    maxRowsPerInsert = 100,
  ) {
    this.countryISO = country.iso;
    this.table = `${escapeId(country.mysqlSchema)}.${escapeId('appointments')}`;
    this.rows = new DataLoader((requests) => this.insert(requests), { cache: false, maxBatchSize: maxRowsPerInsert });
  }

  save(request: AppointmentRequested): Promise<void> {
    return this.rows.load(request);
  }

  /** Every row's id and time, for operators' reconciliation. */
  async *allRows(): AsyncIterable<CountryRowSummary> {
    const [rows] = await this.pool.query<(RowDataPacket & { appointment_id: string; scheduled_at: Date })[]>(
      `SELECT appointment_id, scheduled_at FROM ${this.table}`,
    );
    for (const row of rows) yield { appointmentId: row.appointment_id, countryISO: this.countryISO, scheduledAt: row.scheduled_at };
  }

  private async insert(requests: readonly AppointmentRequested[]): Promise<void[]> {
    // The statement's text depends only on the row count; every value is a bound parameter.
    const placeholders = requests.map(() => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ');
    const values = requests.flatMap((request) => [
      request.appointmentId,
      request.insuredId,
      request.scheduleId,
      request.countryISO,
      new Date(request.createdAt),
    ]);
    await this.pool.execute(
      `INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES ${placeholders}
       ON DUPLICATE KEY UPDATE appointment_id = appointment_id`,
      values,
    );
    return requests.map(() => undefined);
  }
}
