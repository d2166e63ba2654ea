import DataLoader from 'dataloader';
import type { RowDataPacket } from 'mysql2/promise';
import type { Country } from '../domain/countries';
import { slotTimesOf } from '../domain/slot-times';
import type { SlotPublication, SlotSnapshot, SlotTime } from '../domain/slots';
import type { CountrySlotCatalog, SlotWithdrawalOutcome } from '../ports';
import type { CountrySlotState } from '../use-cases/reconcile-slot-read-model';
import type { MysqlPool, MysqlQueries } from './mysql-connection';
import { inTransaction, withLockRetries } from './mysql-transactions';
import {
  availabilityOf,
  bumpThenReadSlots,
  catalogTables,
  HOLDING,
  isoFromMysql,
  mysqlDateTime,
  scheduleIdsQuery,
  slotSnapshotOf,
  slotSnapshotQuery,
  type CatalogTable,
  type SnapshotRow,
} from './mysql-slot-snapshots';

/** Rows per INSERT: a publication (at most 1,000 slots) goes in a few statements of some tens of KB each. */
const SLOTS_PER_INSERT = 200;

/**
 * A country's slot catalog in its own schema (migration 3), beside the appointments that hold its slots.
 *
 * Times: DATETIME columns hold UTC. They are written as 'YYYY-MM-DD hh:mm:ss.mmm' text made from the Date's
 * UTC fields and read back with CAST(… AS CHAR), so neither mysql2's `timezone` option nor the session's
 * time_zone can shift them, whichever pool the catalog is given.
 *
 * Locking: a slot's row lock decides between a booking and a withdrawal of that slot. MysqlCountryAppointments
 * takes it (FOR UPDATE) in the very statement that inserts a booking, and skips the booking when the row is
 * withdrawn; `withdraw` takes it first and only then asks whether a booking holds the slot. Whichever gets the
 * lock first wins, and the other sees its result.
 *
 * Versions: every change bumps the slot's version and reads the snapshot afterwards (a booking's or a
 * cancellation's own round trip in MysqlCountryAppointments, `touch` after a move, `withdraw` in its own
 * transaction). Each read returns one statement's consistent view, version
 * and state together. The last change to commit is followed by a bump; every bump is atomic, so the highest
 * version is given by the last bump, which comes after that change, and any read of it sees the final state.
 * Keeping the highest version (the read model) therefore keeps the final state, whatever order the snapshots
 * arrive in. Each insert and each bump also sets `changed_at` (migration 4): reconciliation judges a slot's read
 * model state only once its last change is older than the pipeline's retries.
 *
 * The pool's user needs SELECT, INSERT and UPDATE on centres, specialties, doctors and slots and SELECT on
 * appointments (core/mysql/database-users.ts); nothing is ever deleted.
 */
export class MysqlSlotCatalog implements CountrySlotCatalog {
  readonly countryISO: Country['iso'];
  private readonly table: (name: CatalogTable) => string;
  private readonly touches: DataLoader<number, SlotSnapshot | undefined>;

  constructor(
    private readonly pool: MysqlPool,
    country: Country,
    maxTouchesPerQuery = 100,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.countryISO = country.iso;
    this.table = catalogTables(country);
    this.touches = new DataLoader((scheduleIds) => this.touchAll(scheduleIds), { cache: false, maxBatchSize: maxTouchesPerQuery });
  }

  async publish(publication: SlotPublication): Promise<SlotSnapshot[]> {
    const times = slotTimesOf(publication);
    if (times.length === 0) return [];
    await inTransaction(this.pool, async (connection) => {
      await this.upsertCatalogEntries(connection, publication);
      await this.insertMissingSlots(connection, publication, times);
    });
    return this.storedSlotsOf(publication, times);
  }

  async withdraw(scheduleId: number): Promise<SlotWithdrawalOutcome> {
    return inTransaction(this.pool, async (connection): Promise<SlotWithdrawalOutcome> => {
      // The slot's row lock, the one a booking of it takes: no booking of it is in flight while it is held.
      const [[locked]] = await connection.query<(RowDataPacket & { withdrawn: number })[]>(
        `SELECT withdrawn_at IS NOT NULL AS withdrawn FROM ${this.table('slots')} WHERE schedule_id = ? FOR UPDATE`,
        [scheduleId],
      );
      if (!locked) return { outcome: 'unknown' };
      const held = !locked.withdrawn && (await this.isHeld(connection, scheduleId));
      // Only a change bumps the version: withdrawing it again answers the same snapshot.
      if (!locked.withdrawn && !held) {
        const now = mysqlDateTime(this.now());
        await connection.query(
          `UPDATE ${this.table('slots')} SET withdrawn_at = ?, version = version + 1, changed_at = ? WHERE schedule_id = ?`,
          [now, now, scheduleId],
        );
      }
      // Read under the lock, so the snapshot is the state this decision was made on.
      const [slot] = await this.snapshots(connection, 's.schedule_id = ?', [scheduleId]);
      return { outcome: held ? 'held' : 'withdrawn', slot: slot! };
    });
  }

  /** The touches of one tick (an SQS batch's records run in parallel) go to MySQL as one round trip. */
  touch(scheduleId: number): Promise<SlotSnapshot | undefined> {
    return this.touches.load(scheduleId);
  }

  async slot(scheduleId: number): Promise<SlotSnapshot | undefined> {
    const [slot] = await this.snapshots(this.pool, 's.schedule_id = ?', [scheduleId]);
    return slot;
  }

  /**
   * Bump, then read (see the class comment for why the highest version then carries the final state): two
   * statements, each its own transaction, so the read sees every change committed before the bump. A slot
   * touched twice in one batch is bumped once, after both changes: its read still sees both. Safe to retry:
   * one more bump changes nothing but the number.
   */
  private touchAll(scheduleIds: readonly number[]): Promise<(SlotSnapshot | undefined)[]> {
    const distinct = [...new Set(scheduleIds)];
    return withLockRetries(async () => {
      const [results] = await this.pool.query<RowDataPacket[][]>(bumpThenReadSlots(this.table, scheduleIdsQuery(distinct.length)), [
        ...distinct,
        mysqlDateTime(this.now()),
        ...distinct,
      ]);
      const snapshots = new Map((results[1] as SnapshotRow[]).map((row) => [row.schedule_id, slotSnapshotOf(this.countryISO, row)]));
      return scheduleIds.map((scheduleId) => snapshots.get(scheduleId));
    });
  }

  /** The publication's centre, specialty and doctor, their names and attributes as it gives them. */
  private async upsertCatalogEntries(connection: MysqlQueries, { centre, specialty, doctor }: SlotPublication): Promise<void> {
    const attributes = JSON.stringify(centre.attributes);
    // The new values are bound twice rather than read with VALUES(), which MySQL deprecates and MariaDB's replacement lacks.
    await connection.query(
      `INSERT INTO ${this.table('centres')} (centre_id, name, attributes) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE name = ?, attributes = ?`,
      [centre.centreId, centre.name, attributes, centre.name, attributes],
    );
    await connection.query(`INSERT INTO ${this.table('specialties')} (specialty_id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = ?`, [
      specialty.specialtyId,
      specialty.name,
      specialty.name,
    ]);
    await connection.query(`INSERT INTO ${this.table('doctors')} (doctor_id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = ?`, [
      doctor.doctorId,
      doctor.name,
      doctor.name,
    ]);
  }

  /**
   * Inserts the slots the doctor has no slot at yet. Those that exist (this publication's earlier run, or
   * another centre's slot of the same doctor at the same start) are left as they are: one slot per doctor
   * and start. They are read first so that a repeated publication inserts nothing and spends no
   * AUTO_INCREMENT numbers; the no-op ON DUPLICATE KEY settles a concurrent identical publication.
   */
  private async insertMissingSlots(connection: MysqlQueries, publication: SlotPublication, times: readonly SlotTime[]): Promise<void> {
    const existing = new Set((await this.doctorsSlotsBetween(connection, publication.doctor.doctorId, times)).map((row) => row.starts_at));
    const missing = times.filter((time) => !existing.has(mysqlDateTime(time.startsAt)));
    const publishedAt = mysqlDateTime(this.now());
    for (let first = 0; first < missing.length; first += SLOTS_PER_INSERT) {
      const chunk = missing.slice(first, first + SLOTS_PER_INSERT);
      await connection.query(
        `INSERT INTO ${this.table('slots')} (centre_id, specialty_id, doctor_id, starts_at, ends_at, published_at, changed_at)
 VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
 ON DUPLICATE KEY UPDATE schedule_id = schedule_id`,
        chunk.flatMap((time) => [
          publication.centre.centreId,
          publication.specialty.specialtyId,
          publication.doctor.doctorId,
          mysqlDateTime(time.startsAt),
          mysqlDateTime(time.endsAt),
          publishedAt,
          publishedAt,
        ]),
      );
    }
  }

  private async doctorsSlotsBetween(
    connection: MysqlQueries,
    doctorId: string,
    times: readonly SlotTime[],
  ): Promise<{ starts_at: string }[]> {
    const [rows] = await connection.query<(RowDataPacket & { starts_at: string })[]>(
      `SELECT CAST(starts_at AS CHAR) AS starts_at FROM ${this.table('slots')} WHERE doctor_id = ? AND starts_at BETWEEN ? AND ?`,
      [doctorId, mysqlDateTime(times[0]!.startsAt), mysqlDateTime(times[times.length - 1]!.startsAt)],
    );
    return rows;
  }

  /** Every slot of the publication as stored now, soonest first (read after the commit, each with its current state). */
  private async storedSlotsOf(publication: SlotPublication, times: readonly SlotTime[]): Promise<SlotSnapshot[]> {
    const starts = new Set(times.map((time) => time.startsAt.toISOString()));
    const slots = await this.snapshots(this.pool, 's.doctor_id = ? AND s.starts_at BETWEEN ? AND ?', [
      publication.doctor.doctorId,
      mysqlDateTime(times[0]!.startsAt),
      mysqlDateTime(times[times.length - 1]!.startsAt),
    ]);
    // The doctor's other slots in that range (sessions between this publication's) are not this publication's.
    return slots.filter((slot) => starts.has(slot.startsAt));
  }

  /** Whether an appointment holds the slot. A plain read: under the slot's lock no booking of it can be in flight. */
  private async isHeld(connection: MysqlQueries, scheduleId: number): Promise<boolean> {
    const [[row]] = await connection.query<(RowDataPacket & { held: number })[]>(
      `SELECT EXISTS (SELECT 1 FROM ${this.table('appointments')} WHERE schedule_id = ? AND status IN ${HOLDING}) AS held`,
      [scheduleId],
    );
    return row?.held === 1;
  }

  private async snapshots(connection: MysqlQueries, where: string, values: unknown[]): Promise<SlotSnapshot[]> {
    const [rows] = await connection.query<SnapshotRow[]>(slotSnapshotQuery(this.table, where), values);
    return rows.map((row) => slotSnapshotOf(this.countryISO, row));
  }
}

interface SlotStateRow extends RowDataPacket {
  schedule_id: number;
  withdrawn: number;
  taken: number;
  version: number;
  changed_at: string;
}

/**
 * Every slot of the country's catalog, its availability and version as the snapshots carry them and when it last
 * changed, for reconciliation with the read model (read-only: the reconciler's user may only SELECT). In pages of
 * `pageSize` by scheduleId, so a catalog of any size is held a page at a time; each page is one statement, so a
 * slot's state, version and time are read together. Its last change is the later of its own `changed_at` and its
 * latest booking or cancellation: a booking changes the slot's availability a moment before the bump that follows
 * it in the same round trip (a retry later, should the round trip break in between).
 */
export async function* slotStatesOf(queries: MysqlQueries, country: Country, pageSize = 5000): AsyncIterable<CountrySlotState> {
  const table = catalogTables(country);
  for (let after = 0; ;) {
    const [rows] = await queries.query<SlotStateRow[]>(
      `SELECT s.schedule_id, s.withdrawn_at IS NOT NULL AS withdrawn, s.version,
 EXISTS (SELECT 1 FROM ${table('appointments')} AS a WHERE a.schedule_id = s.schedule_id AND a.status IN ${HOLDING}) AS taken,
 CAST(GREATEST(s.changed_at, COALESCE(
 (SELECT MAX(a.status_changed_at) FROM ${table('appointments')} AS a WHERE a.schedule_id = s.schedule_id), s.changed_at
 )) AS CHAR) AS changed_at
 FROM ${table('slots')} AS s
 WHERE s.schedule_id > ?
 ORDER BY s.schedule_id
 LIMIT ?`,
      [after, pageSize],
    );
    for (const row of rows) {
      yield {
        countryISO: country.iso,
        scheduleId: row.schedule_id,
        availability: availabilityOf(row),
        version: row.version,
        changedAt: new Date(isoFromMysql(row.changed_at)),
      };
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = last.schedule_id;
  }
}
