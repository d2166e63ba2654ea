import DataLoader from 'dataloader';
import { escapeId, type RowDataPacket } from 'mysql2/promise';
import type { Country } from '../domain/countries';
import type {
  AppointmentCancellationRequested,
  AppointmentRequested,
  AppointmentRescheduleRequested,
  CountryMoveResult,
  CountrySlotStatus,
} from '../messages/appointment-messages';
import { moveResultOf } from '../messages/appointment-messages';
import type { CountryAppointmentStore, CountryDecision } from '../ports';
import type { MysqlQueries } from './mysql-connection';
import { withLockRetries } from './mysql-transactions';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';
import { countryRowsOf } from './mysql-country-rows';
import {
  bumpThenReadSlots,
  catalogTables,
  mysqlDateTime,
  scheduleIdsQuery,
  slotSnapshotOf,
  type CatalogTable,
  type SnapshotRow,
} from './mysql-slot-snapshots';

const COLUMNS = ['appointment_id', 'insured_id', 'schedule_id', 'country_iso', 'requested_at', 'status', 'status_changed_at'] as const;

/**
 * A country's appointments table in its own schema. The unique index on
 * `active_schedule_id` (migration 2) lets one SCHEDULED row hold a slot, so the database
 * itself decides races between batches and workers. The records of one SQS batch run in
 * parallel; their bookings and cancellations made in the same tick go to MySQL as one
 * multi-statement query, one round trip per batch:
 *   1. cancellations: mark the row CANCELLED, or write it CANCELLED if its booking has not arrived;
 *   2. bookings: insert SCHEDULED; a row whose slot is held or withdrawn from the catalog is skipped, an existing row kept;
 *   3. bookings skipped in 2: insert REJECTED;
 *   4. read back every row the batch touched;
 *   5. bump the version of every catalog slot the batch touched, then read them (MysqlSlotCatalog's `touch`, in the
 *      same round trip: each statement commits on its own, so the bump follows every change above).
 * Redelivery is harmless: an existing row's decision is never changed by a booking (its slots are bumped again).
 * A move (`move`) is a round trip of its own: one UPDATE gives the row its new slot, so the new slot is taken and
 * the old one freed in one statement, and the unique index refuses a new slot another row holds.
 * Statement 2 locks the catalog's row of each slot it books (FOR UPDATE) and reads whether it is withdrawn, in
 * the statement that inserts: one transaction, the lock held until the insert commits. MysqlSlotCatalog's
 * withdraw takes the same lock before it asks whether a booking holds the slot, so of a booking and a
 * withdrawal of one slot exactly one wins. A scheduleId the catalog lacks (booked before it) joins no row
 * and is booked as it always was.
 * The pool must allow multiple statements (`mysqlOptionsFromUrl`, `mysqlOptionsFromRdsSecret`). Its user
 * needs SELECT, INSERT and UPDATE on the country's `appointments`, and SELECT and UPDATE on its `slots`
 * (FOR UPDATE asks for both), and nothing else (core/mysql/database-users.ts).
 */
type BookingOrCancellation = AppointmentRequested | AppointmentCancellationRequested;

export class MysqlCountryAppointments implements CountryAppointmentStore {
  readonly countryISO: Country['iso'];
  private readonly country: Country;
  private readonly table: string;
  private readonly slots: string;
  private readonly catalogTable: (name: CatalogTable) => string;
  private readonly messages: DataLoader<BookingOrCancellation, CountryDecision>;

  constructor(
    private readonly pool: MysqlQueries,
    country: Country,
    maxMessagesPerQuery = 100,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.countryISO = country.iso;
    this.country = country;
    this.table = `${escapeId(country.mysqlSchema)}.${escapeId('appointments')}`;
    this.slots = `${escapeId(country.mysqlSchema)}.${escapeId('slots')}`;
    this.catalogTable = catalogTables(country);
    this.messages = new DataLoader((batch) => this.apply(batch), { cache: false, maxBatchSize: maxMessagesPerQuery });
  }

  book(request: AppointmentRequested): Promise<CountryDecision> {
    return this.messages.load(request);
  }

  cancel(cancellation: AppointmentCancellationRequested): Promise<CountryDecision> {
    return this.messages.load(cancellation);
  }

  /**
   * Moves the appointment to `toScheduleId` if its row holds `scheduleId` and the new slot is free and not withdrawn,
   * in one UPDATE; a row that has not arrived yet (the move overtook its booking) is written at the new slot directly,
   * and the booking then finds it. A move older than the row's last (a redelivery after a later move) changes nothing.
   * A refused move is recorded as the row's last too, so a redelivery once its slot is free is refused again, as it
   * was settled, instead of moving the row behind the appointment's back.
   */
  async move(request: AppointmentRescheduleRequested): Promise<CountryMoveResult> {
    const now = this.now();
    const { appointmentId, insuredId, scheduleId, toScheduleId, countryISO, moveId } = request;
    const [results] = await withLockRetries(() =>
      this.pool.query<RowDataPacket[][]>(
        `INSERT INTO ${this.table} (${COLUMNS.join(', ')}, last_move_id)
 SELECT ?, ?, ?, ?, ?, 'SCHEDULED', ?, ? FROM (SELECT 1) AS one
 LEFT JOIN ${this.slots} AS slot ON slot.schedule_id = ? WHERE slot.withdrawn_at IS NULL FOR UPDATE
 ON DUPLICATE KEY UPDATE ${this.table}.appointment_id = ${this.table}.appointment_id;
 UPDATE IGNORE ${this.table} AS moving LEFT JOIN ${this.slots} AS slot ON slot.schedule_id = ?
 SET moving.schedule_id = ?, moving.last_move_id = ?, moving.status_changed_at = ?
 WHERE moving.appointment_id = ? AND moving.status = 'SCHEDULED' AND moving.schedule_id = ?
 AND (moving.last_move_id IS NULL OR moving.last_move_id < ?) AND slot.withdrawn_at IS NULL;
 UPDATE ${this.table} SET last_move_id = ?
 WHERE appointment_id = ? AND status IN ('SCHEDULED', 'OVERBOOKED') AND (last_move_id IS NULL OR last_move_id < ?);
 SELECT status, schedule_id, last_move_id FROM ${this.table} WHERE appointment_id = ?`,
        [
          ...[appointmentId, insuredId, toScheduleId, countryISO, new Date(request.requestedAt), now, moveId, toScheduleId],
          ...[toScheduleId, toScheduleId, moveId, now, appointmentId, scheduleId, moveId],
          ...[moveId, appointmentId, moveId, appointmentId],
        ],
      ),
    );
    const [stored] = results[3] as (RowDataPacket & { status: CountrySlotStatus; schedule_id: number; last_move_id: string | null })[];
    const row = stored && { status: stored.status, scheduleId: stored.schedule_id };
    return moveResultOf(row, stored?.last_move_id ?? null, request);
  }

  /** Every row's id, slot, status and time, for operators' reconciliation. */
  allRows(): AsyncIterable<CountryRowSummary> {
    return countryRowsOf(this.pool, this.country);
  }

  private async apply(batch: readonly BookingOrCancellation[]): Promise<(CountryDecision | Error)[]> {
    const { sql, values } = this.query(batch);
    const { rowById, slotById } = await withLockRetries(async () => {
      const [results] = await this.pool.query<RowDataPacket[][]>(sql, values);
      // The rows read back, then the slots' bump (an OkPacket) and their snapshots.
      const rows = results[results.length - 3] as (RowDataPacket & {
        appointment_id: string;
        status: CountrySlotStatus;
        schedule_id: number;
      })[];
      const slots = results[results.length - 1] as SnapshotRow[];
      return {
        rowById: new Map(rows.map((row) => [row.appointment_id, { status: row.status, scheduleId: row.schedule_id }])),
        slotById: new Map(slots.map((slot) => [slot.schedule_id, slotSnapshotOf(this.countryISO, slot)])),
      };
    });
    return batch.map((message) => {
      const row = rowById.get(message.appointmentId);
      if (!row) return new Error(`Appointment ${message.appointmentId} has no row after the batch was written`);
      // A cancelled row that had moved frees its new slot, not the one the message knew: both are touched.
      const touched = [...new Set([message.scheduleId, row.scheduleId])];
      return { row, slots: touched.flatMap((scheduleId) => slotById.get(scheduleId) ?? []) };
    });
  }

  private query(batch: readonly BookingOrCancellation[]): { sql: string; values: unknown[] } {
    const now = this.now();
    const cancellations = batch.filter((message) => message.type === 'AppointmentCancellationRequested');
    const bookings = batch.filter((message): message is AppointmentRequested => message.type !== 'AppointmentCancellationRequested');
    const statements: string[] = [];
    const values: unknown[] = [];
    const rowOf = (message: BookingOrCancellation, status: CountrySlotStatus) => {
      const requestedAt = new Date(message.type === 'AppointmentCancellationRequested' ? message.cancelledAt : message.createdAt);
      return [message.appointmentId, message.insuredId, message.scheduleId, message.countryISO, requestedAt, status, now];
    };
    const insert = (messages: readonly BookingOrCancellation[], status: CountrySlotStatus, onDuplicate: string) => {
      // The statement's text depends only on the row count; every value is a bound parameter.
      statements.push(
        `INSERT INTO ${this.table} (${COLUMNS.join(', ')}) VALUES ${messages.map(() => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ')}
 ON DUPLICATE KEY UPDATE ${onDuplicate}`,
      );
      for (const message of messages) values.push(...rowOf(message, status));
    };
    // Cancellations first, so a slot freed in this batch can be booked by the same batch.
    if (cancellations.length > 0) {
      insert(cancellations, 'CANCELLED', `status_changed_at = IF(status = 'CANCELLED', status_changed_at, ?), status = 'CANCELLED'`);
      values.push(now);
    }
    if (bookings.length > 0) {
      statements.push(this.scheduleUnlessWithdrawn(bookings.length));
      values.push(...this.bookingsBySlot(bookings).flatMap(({ booking, position }) => [position, ...rowOf(booking, 'SCHEDULED')]));
      insert(bookings, 'REJECTED', 'appointment_id = appointment_id');
    }
    const appointmentIds = batch.map((message) => message.appointmentId);
    statements.push(`SELECT appointment_id, status, schedule_id FROM ${this.table} WHERE appointment_id IN (?)`);
    values.push(appointmentIds);
    // Each slot the batch touched (named by a message, or held by its row) is bumped once after every change above.
    const scheduleIds = [...new Set(batch.map((message) => message.scheduleId))];
    const touched = `SELECT a.schedule_id FROM ${this.table} AS a WHERE a.appointment_id IN (?) UNION ${scheduleIdsQuery(scheduleIds.length)}`;
    statements.push(bumpThenReadSlots(this.catalogTable, touched));
    values.push(appointmentIds, ...scheduleIds, mysqlDateTime(now), appointmentIds, ...scheduleIds);
    return { sql: statements.join(';\n'), values };
  }

  /**
   * INSERT … SELECT of `count` bookings (a derived table of bound rows, each led by its position in the batch)
   * that joins each to its slot's catalog row, locking that row, and keeps those whose slot is not withdrawn.
   * Inserted in batch order, so of two bookings of one slot in a batch the first still wins; an existing row
   * (redelivery) and a slot another booking holds are skipped by the no-op ON DUPLICATE KEY UPDATE, as before.
   */
  private scheduleUnlessWithdrawn(count: number): string {
    const named = `SELECT ? AS batch_position, ${COLUMNS.map((column) => `? AS ${column}`).join(', ')}`;
    const unnamed = `SELECT ?, ${COLUMNS.map(() => '?').join(', ')}`;
    const rows = [named, ...Array.from({ length: count - 1 }, () => unnamed)].join(' UNION ALL ');
    return `INSERT INTO ${this.table} (${COLUMNS.join(', ')})
 SELECT ${COLUMNS.map((column) => `booking.${column}`).join(', ')}
 FROM (${rows}) AS booking LEFT JOIN ${this.slots} AS slot ON slot.schedule_id = booking.schedule_id
 WHERE slot.withdrawn_at IS NULL
 ORDER BY booking.batch_position
 FOR UPDATE
 ON DUPLICATE KEY UPDATE ${this.table}.appointment_id = ${this.table}.appointment_id`;
  }

  /**
   * The bookings ordered by slot, each with its position in the batch: the join then likely locks slot rows in
   * ascending order, as other batches and the catalog's touches do, which makes deadlocks between them rarer.
   */
  private bookingsBySlot(bookings: readonly AppointmentRequested[]): { booking: AppointmentRequested; position: number }[] {
    return bookings
      .map((booking, position) => ({ booking, position }))
      .sort((a, b) => a.booking.scheduleId - b.booking.scheduleId || a.position - b.position);
  }
}
