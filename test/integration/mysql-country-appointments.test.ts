import { ulid } from 'ulid';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { countries } from '../../core/countries';
import type { AppointmentRequested } from '../../core/messages';
import { countrySchemaMigrations } from '../../core/mysql/migrations';
import { countryRows, describeWithMysql, testPool } from '../support/mysql';

const request = (countryISO: 'PE' | 'CL', overrides: Partial<AppointmentRequested> = {}): AppointmentRequested => ({
  appointmentId: ulid(),
  insuredId: '00012',
  scheduleId: 42,
  countryISO,
  createdAt: '2026-11-22T10:00:00.123Z',
  correlationId: 'test',
  ...overrides,
});

describeWithMysql('MySQL country appointments (MariaDB)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = testPool();
  });
  afterAll(() => pool.end());

  it('given migrated schemas, when migrations run again, then nothing is applied and each country has its table and recorded versions', async () => {
    const connection = await pool.getConnection();
    try {
      const applied = await migrateCountrySchemas(connection, Object.values(countries));

      expect(applied).toEqual({ mysql_pe: [], mysql_cl: [] });
      for (const country of Object.values(countries)) {
        const [versions] = await pool.query<RowDataPacket[]>('SELECT version FROM ??.schema_migrations ORDER BY version', [country.mysqlSchema]);
        expect(versions.map((row) => row['version'] as number)).toEqual(countrySchemaMigrations.map((migration) => migration.version));
        const [tables] = await pool.query<RowDataPacket[]>('SHOW TABLES FROM ??', [country.mysqlSchema]);
        expect(tables.map((row) => Object.values(row)[0] as string)).toContain('appointments');
      }
    } finally {
      connection.release();
    }
  });

  it('given a Peruvian appointment saved twice, then mysql_pe holds exactly one row with its fields, and mysql_cl none', async () => {
    const store = new MysqlCountryAppointments(pool, countries.PE);
    const appointment = request('PE', { insuredId: '00007', scheduleId: 3 });

    await store.save(appointment);
    await store.save(appointment);

    expect(await countryRows(pool, 'PE', [appointment.appointmentId])).toEqual([
      {
        appointment_id: appointment.appointmentId,
        insured_id: '00007',
        schedule_id: 3,
        country_iso: 'PE',
        requested_at: new Date('2026-11-22T10:00:00.123Z'),
      },
    ]);
    expect(await countryRows(pool, 'CL', [appointment.appointmentId])).toEqual([]);
  });

  it('given ten saves in the same tick (one SQS batch), then they reach MySQL as one INSERT', async () => {
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const execute = jest.spyOn(pool, 'execute');
    const batch = Array.from({ length: 10 }, () => request('CL'));

    await Promise.all(batch.map((appointment) => store.save(appointment)));

    expect(execute).toHaveBeenCalledTimes(1);
    expect(await countryRows(pool, 'CL', batch.map((appointment) => appointment.appointmentId))).toHaveLength(10);
    execute.mockRestore();
  });

  it('given a batch where one appointment repeats, then each appointment has one row', async () => {
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const [first, second] = [request('CL'), request('CL')];

    await Promise.all([first, second, first].map((appointment) => store.save(appointment)));

    expect(await countryRows(pool, 'CL', [first.appointmentId, second.appointmentId])).toHaveLength(2);
  });
});
