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
  {
    version: 3,
    description: 'the slot catalog: centres, specialties, doctors and their slots, numbered after every scheduleId already booked',
    statements: [
      // Ids are the app's lowercase ASCII (core/domain/slot-publication.ts): compared byte for byte, never case- or accent-folded.
      // A centre's attributes are its country's own (countries.ts centreAttributes), checked by the app: a third country adds its
      // own without a migration.
      `CREATE TABLE centres (
        centre_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        name VARCHAR(255) NOT NULL,
        attributes JSON NOT NULL,
        PRIMARY KEY (centre_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE specialties (
        specialty_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        name VARCHAR(255) NOT NULL,
        PRIMARY KEY (specialty_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      `CREATE TABLE doctors (
        doctor_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        name VARCHAR(255) NOT NULL,
        PRIMARY KEY (doctor_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      // schedule_id is signed: its largest value is GraphQL Int's, so the catalog can never number a slot the API cannot name.
      // Times are UTC, written and read as text by the app (MysqlSlotCatalog), so no connection's time zone can shift them.
      // A doctor is at one place at a time: one slot per doctor and start, whichever centre published it first.
      `CREATE TABLE slots (
        schedule_id INT NOT NULL AUTO_INCREMENT,
        centre_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        specialty_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        doctor_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        starts_at DATETIME(3) NOT NULL,
        ends_at DATETIME(3) NOT NULL,
        withdrawn_at DATETIME(3) NULL,
        version INT UNSIGNED NOT NULL DEFAULT 1,
        published_at DATETIME(3) NOT NULL,
        PRIMARY KEY (schedule_id),
        UNIQUE KEY one_slot_per_doctor_and_start (doctor_id, starts_at),
        KEY slots_by_start (starts_at),
        CONSTRAINT slots_centre FOREIGN KEY (centre_id) REFERENCES centres (centre_id),
        CONSTRAINT slots_specialty FOREIGN KEY (specialty_id) REFERENCES specialties (specialty_id),
        CONSTRAINT slots_doctor FOREIGN KEY (doctor_id) REFERENCES doctors (doctor_id),
        CONSTRAINT slots_end_after_start CHECK (ends_at > starts_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      // Whether a slot is taken is asked per slot (availability, withdrawal): without this index each asking reads every row.
      `CREATE INDEX appointments_by_slot ON appointments (schedule_id, status)`,
      // Slots are numbered after the largest scheduleId booked before the catalog, so an old booking never seems to hold a new
      // slot. AUTO_INCREMENT takes a literal only, hence the prepared statement; the migrations' one connection keeps the variables.
      `SET @first_catalog_schedule_id = (SELECT COALESCE(MAX(schedule_id), 0) + 1 FROM appointments)`,
      `SET @number_slots_after_bookings = CONCAT('ALTER TABLE slots AUTO_INCREMENT = ', @first_catalog_schedule_id)`,
      `PREPARE number_slots_after_bookings FROM @number_slots_after_bookings`,
      `EXECUTE number_slots_after_bookings`,
      `DEALLOCATE PREPARE number_slots_after_bookings`,
    ],
  },
  {
    version: 4,
    description: 'when each slot last changed, so reconciliation can tell a read model that lags from one that is still being updated',
    statements: [
      `ALTER TABLE slots ADD COLUMN changed_at DATETIME(3) NULL AFTER version`,
      // When an earlier change happened is not known: counted from the upgrade, so the first reconciliations after it wait one
      // retry window before judging any slot, rather than report one whose snapshot is still travelling. UTC_TIMESTAMP, since the
      // app writes UTC and no session's time zone may shift it.
      `UPDATE slots SET changed_at = UTC_TIMESTAMP(3)`,
      // No default: every statement that changes a slot must say when (MysqlSlotCatalog).
      `ALTER TABLE slots MODIFY COLUMN changed_at DATETIME(3) NOT NULL`,
    ],
  },
  {
    version: 5,
    description: 'the last move of each appointment, so a move redelivered after a later one changes nothing',
    statements: [
      // A ULID: moves of one appointment are made one at a time, so a later move's id sorts after the earlier's.
      `ALTER TABLE appointments ADD COLUMN last_move_id CHAR(26) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER status_changed_at`,
    ],
  },
];
