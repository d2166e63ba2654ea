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
];
