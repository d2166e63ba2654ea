import { escapeId, type RowDataPacket } from 'mysql2/promise';
import type { Country } from '../domain/countries';
import type { SlotAvailability, SlotSnapshot } from '../domain/slots';

/**
 * How a country's MySQL catalog reads its slots as the read model receives them (SlotSnapshot), and bumps their
 * versions: shared by the catalog (MysqlSlotCatalog) and the bookings that change a slot's availability
 * (MysqlCountryAppointments), which bump and read the slots they touched in their own round trip.
 */

/** The statuses of a booking that holds its slot: SCHEDULED, and OVERBOOKED rows migration 2 kept from before the unique index. */
export const HOLDING = `('SCHEDULED', 'OVERBOOKED')`;

export type CatalogTable = 'centres' | 'specialties' | 'doctors' | 'slots' | 'appointments';

/** The country's tables, each escaped with its schema. */
export function catalogTables(country: Country): (name: CatalogTable) => string {
  return (name) => `${escapeId(country.mysqlSchema)}.${escapeId(name)}`;
}

export interface SnapshotRow extends RowDataPacket {
  schedule_id: number;
  starts_at: string;
  ends_at: string;
  withdrawn: number;
  taken: number;
  version: number;
  centre_id: string;
  centre_name: string;
  centre_attributes: string;
  specialty_id: string;
  specialty_name: string;
  doctor_id: string;
  doctor_name: string;
}

/**
 * Slots (`s`, filtered by `where`, or chosen by a `join`) with their centre, specialty, doctor and availability,
 * all read by one statement: one consistent view.
 */
export function slotSnapshotQuery(table: (name: CatalogTable) => string, where: string, join = ''): string {
  return `SELECT s.schedule_id, CAST(s.starts_at AS CHAR) AS starts_at, CAST(s.ends_at AS CHAR) AS ends_at,
 s.withdrawn_at IS NOT NULL AS withdrawn, s.version,
 EXISTS (SELECT 1 FROM ${table('appointments')} AS a WHERE a.schedule_id = s.schedule_id AND a.status IN ${HOLDING}) AS taken,
 c.centre_id, c.name AS centre_name, CAST(c.attributes AS CHAR) AS centre_attributes,
 sp.specialty_id, sp.name AS specialty_name, d.doctor_id, d.name AS doctor_name
 FROM ${table('slots')} AS s${join}
 JOIN ${table('centres')} AS c ON c.centre_id = s.centre_id
 JOIN ${table('specialties')} AS sp ON sp.specialty_id = s.specialty_id
 JOIN ${table('doctors')} AS d ON d.doctor_id = s.doctor_id
 WHERE ${where}
 ORDER BY s.starts_at, s.schedule_id`;
}

/**
 * Bump the version of each slot `touched` names (a query of `schedule_id`s), then read them: two statements, each
 * its own transaction, so the read sees every change committed before the bump (MysqlSlotCatalog says why the
 * highest version then carries the final state). Joined rather than filtered with IN (subquery), which MySQL
 * would answer by scanning every slot. Binds `touched`'s values, `changed_at`, then `touched`'s values again.
 */
export function bumpThenReadSlots(table: (name: CatalogTable) => string, touched: string): string {
  const join = `\n JOIN (${touched}) AS touched ON touched.schedule_id = s.schedule_id`;
  return `UPDATE ${table('slots')} AS s${join}\n SET s.version = s.version + 1, s.changed_at = ?;\n${slotSnapshotQuery(table, 'TRUE', join)}`;
}

/** A derived table of `count` bound scheduleIds, one column `schedule_id`, without duplicates. */
export function scheduleIdsQuery(count: number): string {
  return ['SELECT ? AS schedule_id', ...Array.from({ length: count - 1 }, () => 'SELECT ?')].join(' UNION ');
}

export function slotSnapshotOf(countryISO: Country['iso'], row: SnapshotRow): SlotSnapshot {
  return {
    countryISO,
    scheduleId: row.schedule_id,
    centre: { centreId: row.centre_id, name: row.centre_name, attributes: JSON.parse(row.centre_attributes) as Record<string, string> },
    specialty: { specialtyId: row.specialty_id, name: row.specialty_name },
    doctor: { doctorId: row.doctor_id, name: row.doctor_name },
    startsAt: isoFromMysql(row.starts_at),
    endsAt: isoFromMysql(row.ends_at),
    availability: availabilityOf(row),
    version: row.version,
  };
}

/** One rule for the snapshots the catalog announces and the states reconciliation compares with the read model. */
export function availabilityOf(row: { readonly withdrawn: number; readonly taken: number }): SlotAvailability {
  return row.withdrawn ? 'WITHDRAWN' : row.taken ? 'TAKEN' : 'FREE';
}

/** A DATETIME(3) literal of the instant's UTC time: '2026-12-15 15:30:00.000'. */
export function mysqlDateTime(instant: Date): string {
  return instant.toISOString().slice(0, 23).replace('T', ' ');
}

/** The instant a DATETIME(3) read as text holds, as Date#toISOString writes it. */
export function isoFromMysql(text: string): string {
  return `${text.replace(' ', 'T')}Z`;
}
