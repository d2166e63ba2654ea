import type { Pool, RowDataPacket } from 'mysql2/promise';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { countries } from '../../core/domain/countries';
import { countrySchemaMigrations } from '../../core/mysql/migrations';
import { bookingRequest as request, cancellationOf, ulid } from '../support/country-messages';
import { countryRows, describeWithMysql, slotRows, testPool } from '../support/mysql';
import { given } from '../steps/given';

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
        const [versions] = await pool.query<RowDataPacket[]>('SELECT version FROM ??.schema_migrations ORDER BY version', [
          country.mysqlSchema,
        ]);
        expect(versions.map((row) => row['version'] as number)).toEqual(countrySchemaMigrations.map((migration) => migration.version));
        const [tables] = await pool.query<RowDataPacket[]>('SHOW TABLES FROM ??', [country.mysqlSchema]);
        expect(tables.map((row) => Object.values(row)[0] as string)).toContain('appointments');
      }
    } finally {
      connection.release();
    }
  });

  it('given a Peruvian appointment booked twice, then mysql_pe holds exactly one SCHEDULED row with its fields, and mysql_cl none', async () => {
    const store = new MysqlCountryAppointments(pool, countries.PE);
    const appointment = request('PE', { insuredId: '00007' });

    expect((await store.book(appointment)).row.status).toBe('SCHEDULED');
    expect((await store.book(appointment)).row.status).toBe('SCHEDULED');

    expect(await countryRows(pool, 'PE', [appointment.appointmentId])).toEqual([
      {
        appointment_id: appointment.appointmentId,
        insured_id: '00007',
        schedule_id: appointment.scheduleId,
        country_iso: 'PE',
        requested_at: new Date('2026-11-22T10:00:00.123Z'),
        status: 'SCHEDULED',
      },
    ]);
    expect(await countryRows(pool, 'CL', [appointment.appointmentId])).toEqual([]);
  });

  it('given ten bookings and a cancellation in the same tick (one SQS batch), then they reach MySQL in one round trip', async () => {
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const booked = request('CL');
    await store.book(booked);
    const query = jest.spyOn(pool, 'query');
    const execute = jest.spyOn(pool, 'execute');
    const batch = Array.from({ length: 10 }, () => request('CL'));

    const statuses = await Promise.all([...batch.map((appointment) => store.book(appointment)), store.cancel(cancellationOf(booked))]);

    expect(query).toHaveBeenCalledTimes(1);
    expect(execute).not.toHaveBeenCalled();
    expect(statuses.map((row) => row.row.status)).toEqual([...batch.map(() => 'SCHEDULED'), 'CANCELLED']);
    expect(
      await countryRows(
        pool,
        'CL',
        batch.map((appointment) => appointment.appointmentId),
      ),
    ).toHaveLength(10);
    query.mockRestore();
    execute.mockRestore();
  });

  it('given a batch where one appointment repeats, then each appointment has one row', async () => {
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const [first, second] = [request('CL'), request('CL')];

    await Promise.all([first, second, first].map((appointment) => store.book(appointment)));

    expect(await countryRows(pool, 'CL', [first.appointmentId, second.appointmentId])).toHaveLength(2);
  });

  it('given 20 bookings of one slot from four workers at once, then exactly one is SCHEDULED and 19 REJECTED, and redelivery changes no decision', async () => {
    const { scheduleId } = given.aSlotTheCatalogLacks('PE');
    const workers = Array.from({ length: 4 }, () => new MysqlCountryAppointments(pool, countries.PE));
    const bookings = Array.from({ length: 20 }, (_, index) =>
      request('PE', { insuredId: String(700 + index).padStart(5, '0'), scheduleId }),
    );

    const statuses = await Promise.all(bookings.map(async (booking, index) => (await workers[index % 4]!.book(booking)).row.status));
    const again = await Promise.all(bookings.map(async (booking, index) => (await workers[(index + 1) % 4]!.book(booking)).row.status));

    expect(statuses.filter((status) => status === 'SCHEDULED')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'REJECTED')).toHaveLength(19);
    expect(again).toEqual(statuses);
    expect((await slotRows(pool, 'PE', scheduleId)).filter((row) => row.status === 'SCHEDULED')).toHaveLength(1);
  });

  it('given a held slot, when its holder is cancelled, then the slot is free and the next booking of it is SCHEDULED', async () => {
    const store = new MysqlCountryAppointments(pool, countries.PE);
    const holder = request('PE');
    const next = request('PE', { insuredId: '00013', scheduleId: holder.scheduleId });
    await store.book(holder);
    expect((await store.book(request('PE', { insuredId: '00014', scheduleId: holder.scheduleId }))).row.status).toBe('REJECTED');

    expect((await store.cancel(cancellationOf(holder))).row.status).toBe('CANCELLED');
    expect((await store.cancel(cancellationOf(holder))).row.status).toBe('CANCELLED');

    expect((await store.book(next)).row.status).toBe('SCHEDULED');
  });

  it('given a cancellation that overtakes its booking, then the booking finds it CANCELLED and never takes the slot', async () => {
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const booking = request('CL');

    expect((await store.cancel(cancellationOf(booking))).row.status).toBe('CANCELLED');
    expect((await store.book(booking)).row.status).toBe('CANCELLED');

    expect((await store.book(request('CL', { insuredId: '00099', scheduleId: booking.scheduleId }))).row.status).toBe('SCHEDULED');
  });

  it('given a schema at version 1 holding a slot booked twice, when migrated, then every row is kept, the first booking holds the slot and the later one is OVERBOOKED', async () => {
    const schema = `mysql_v1_${ulid().toLowerCase()}`;
    const country = { ...countries.PE, name: 'Peru (version 1 data)', mysqlSchema: schema };
    const connection = await pool.getConnection();
    try {
      await migrateCountrySchemas(connection, [country], {
        migrations: countrySchemaMigrations.filter((migration) => migration.version === 1),
      });
      const [first, later, alone] = [request('PE'), request('PE', { insuredId: '00013' }), request('PE', { insuredId: '00014' })];
      later.scheduleId = first.scheduleId;
      for (const row of [first, later, alone]) {
        await connection.query(
          'INSERT INTO ??.appointments (appointment_id, insured_id, schedule_id, country_iso, requested_at) VALUES (?, ?, ?, ?, ?)',
          [schema, row.appointmentId, row.insuredId, row.scheduleId, row.countryISO, new Date(row.createdAt)],
        );
      }

      // Every later version runs, in order: version 2 turns the shared slot into one holder and one OVERBOOKED row.
      expect(await migrateCountrySchemas(connection, [country])).toEqual({
        [schema]: countrySchemaMigrations.map((migration) => migration.version).filter((version) => version > 1),
      });

      const [rows] = await connection.query<RowDataPacket[]>('SELECT appointment_id, status FROM ??.appointments ORDER BY appointment_id', [
        schema,
      ]);
      expect(rows.map((row) => [row['appointment_id'] as string, row['status'] as string])).toEqual([
        [first.appointmentId, 'SCHEDULED'],
        [later.appointmentId, 'OVERBOOKED'],
        [alone.appointmentId, 'SCHEDULED'],
      ]);
      const store = new MysqlCountryAppointments(pool, country);
      expect((await store.book(request('PE', { insuredId: '00015', scheduleId: first.scheduleId }))).row.status).toBe('REJECTED');
    } finally {
      await connection.query('DROP DATABASE IF EXISTS ??', [schema]);
      connection.release();
    }
  });
});
