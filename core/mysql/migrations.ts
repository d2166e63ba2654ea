/**
 * Versioned migrations applied, in order, to every country schema (mysql_pe, mysql_cl, …).
 * Append a new version; never edit one that has shipped. The local stack, the tests and
 * the deployed stack all run them through `migrateCountrySchemas`.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

export const countrySchemaMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'appointments scheduled in the country, one row per appointment',
    statements: [
      `CREATE TABLE appointments (
        appointment_id CHAR(26) NOT NULL,
        insured_id CHAR(5) NOT NULL,
        schedule_id INT UNSIGNED NOT NULL,
        country_iso CHAR(2) NOT NULL,
        requested_at DATETIME(3) NOT NULL,
        scheduled_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (appointment_id),
        KEY appointments_by_insured (insured_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    ],
  },
  {
    version: 2,
    description: 'one active booking per slot: a status per row and a unique index on the slot of SCHEDULED rows',
    statements: [
      `ALTER TABLE appointments
        ADD COLUMN status ENUM('SCHEDULED', 'REJECTED', 'CANCELLED', 'OVERBOOKED') NOT NULL DEFAULT 'SCHEDULED' AFTER requested_at,
        ADD COLUMN status_changed_at DATETIME(3) NULL AFTER scheduled_at`,
      // NULL unless SCHEDULED; a unique index allows any number of NULLs, so only active rows compete.
      `ALTER TABLE appointments
        ADD COLUMN active_schedule_id INT UNSIGNED AS (IF(status = 'SCHEDULED', schedule_id, NULL)) STORED`,
      // Rows kept: where version 1 let a slot be booked twice, the first booking keeps it and reconcile reports the rest.
      `UPDATE appointments AS later
        JOIN (SELECT schedule_id, MIN(appointment_id) AS first_id FROM appointments GROUP BY schedule_id HAVING COUNT(*) > 1) AS shared
          ON later.schedule_id = shared.schedule_id AND later.appointment_id <> shared.first_id
        SET later.status = 'OVERBOOKED', later.status_changed_at = CURRENT_TIMESTAMP(3)`,
      `CREATE UNIQUE INDEX one_active_booking_per_slot ON appointments (active_schedule_id)`,
    ],
  },
];
