import { createPool, escapeId, type Pool, type RowDataPacket } from 'mysql2/promise';
import { mysqlOptionsFromUrl, type MysqlConnection, type MysqlPool, type MysqlQueries } from '../../core/adapters/mysql-connection';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { MysqlSlotCatalog, slotStatesOf } from '../../core/adapters/mysql-slot-catalog';
import { countries, type Country } from '../../core/domain/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import { countrySchemaMigrations } from '../../core/mysql/migrations';
import { bookingRequest, cancellationOf, ulid } from '../support/country-messages';
import { countryRows, describeWithMysql, slotRows, testMysqlUrl, testPool } from '../support/mysql';
import { itKeepsTheSlotCatalogRules } from '../support/slot-catalog-contract';
import { aPublicationOfSlots, aSlotPublication } from '../support/slot-publications';

/** Every statement a pool and the connections it lent ran, in order. */
function recording(pool: Pool): { pool: MysqlPool; statements: string[] } {
  const statements: string[] = [];
  const record =
    (target: MysqlQueries): MysqlQueries['query'] =>
    (sql, values) => {
      statements.push(sql);
      return target.query(sql, values);
    };
  return {
    statements,
    pool: {
      query: record(pool),
      getConnection: async () => {
        const connection = await pool.getConnection();
        return { query: record(connection), release: () => connection.release(), destroy: () => connection.destroy() };
      },
    },
  };
}

/** The pool, its lent connections running `after(sql)` once each statement has answered: a transaction paused or slowed between its steps. */
function betweenStatements(pool: Pool, after: (sql: string) => Promise<void>): MysqlPool {
  return {
    query: (sql, values) => pool.query(sql, values),
    getConnection: async () => {
      const connection = await pool.getConnection();
      const query: MysqlConnection['query'] = async (sql, values) => {
        const answer = await connection.query(sql, values);
        await after(sql);
        return answer as never;
      };
      return { query, release: () => connection.release(), destroy: () => connection.destroy() };
    },
  };
}

/**
 * A few random milliseconds after each statement of a transaction: a withdrawal's steps then leave bookings
 * time to run between them, as on a busy server, so a race the locks did not settle would show.
 */
const slowingTransactions = (pool: Pool) =>
  betweenStatements(pool, () => new Promise((resolve) => setTimeout(resolve, Math.random() * 10)));

/** A promise that resolves once `open` is called. */
function aGate(): { passed: Promise<void>; open: () => void } {
  let open!: () => void;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/** Whether `promise` is still pending after `ms`. */
async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(pending), ms))]);
  return first === pending;
}

describeWithMysql('MySQL slot catalog (MariaDB)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = testPool();
  });
  afterAll(() => pool.end());

  /** Every column of these appointments' rows in `schema`. */
  async function rowsOf(schema: string, appointmentIds: string[]): Promise<RowDataPacket[]> {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT * FROM ??.appointments WHERE appointment_id IN (?) ORDER BY appointment_id', [
      schema,
      appointmentIds,
    ]);
    return rows;
  }

  const countryOf = (countryISO: CountryISO) => ({
    catalog: new MysqlSlotCatalog(pool, countries[countryISO]),
    appointments: new MysqlCountryAppointments(pool, countries[countryISO]),
  });

  describe('the rules every catalog keeps', () => {
    itKeepsTheSlotCatalogRules(countryOf);
  });

  it('given a publication, when it is stored, then its rows hold UTC wall times, whatever time zone the connection is in', async () => {
    // Given a pool whose mysql2 time zone and MySQL session time zone are both Tokyo's
    const tokyo = createPool({ ...mysqlOptionsFromUrl(testMysqlUrl!, 2), timezone: '+09:00' });
    tokyo.on('connection', (connection) => void connection.query("SET time_zone = '+09:00'"));
    try {
      const catalog = new MysqlSlotCatalog(tokyo, countries.PE);

      // When it publishes and reads back
      const [published] = await catalog.publish(aSlotPublication('PE'));
      const read = await catalog.slot(published!.scheduleId);

      // Then the answers and the stored rows say 13:00 UTC (08:00 in Lima)
      expect([published!.startsAt, read!.startsAt, read!.endsAt]).toEqual([
        '2027-03-16T13:00:00.000Z',
        '2027-03-16T13:00:00.000Z',
        '2027-03-16T13:30:00.000Z',
      ]);
      const [[row]] = await pool.query<RowDataPacket[]>(
        'SELECT CAST(starts_at AS CHAR) AS startsAt FROM mysql_pe.slots WHERE schedule_id = ?',
        [published!.scheduleId],
      );
      expect(row!['startsAt']).toBe('2027-03-16 13:00:00.000');
      // (in Tokyo indeed: NOW() there is nine hours ahead of UTC_TIMESTAMP())
      const [[zone]] = await tokyo.query<RowDataPacket[]>('SELECT TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), NOW()) AS hours');
      expect(Number(zone!['hours'])).toBe(9);
      // And a UTC reader of the same slot answers the same
      expect(await new MysqlSlotCatalog(pool, countries.PE).slot(published!.scheduleId)).toEqual(read);
    } finally {
      await tokyo.end();
    }
  });

  it('given a publication of 320 slots, when published twice, then the first inserts them in chunks in one transaction and the second inserts nothing', async () => {
    const publication = aPublicationOfSlots('CL', 320);
    const first = recording(pool);
    const second = recording(pool);

    const slots = await new MysqlSlotCatalog(first.pool, countries.CL).publish(publication);
    const again = await new MysqlSlotCatalog(second.pool, countries.CL).publish(publication);

    expect(slots).toHaveLength(320);
    expect(new Set(slots.map((slot) => slot.scheduleId)).size).toBe(320);
    expect(again).toEqual(slots);
    const slotInserts = (statements: string[]) => statements.filter((sql) => /INSERT INTO \S+\.`slots`/.test(sql)).length;
    expect(slotInserts(first.statements)).toBe(2);
    expect(first.statements.filter((sql) => sql === 'START TRANSACTION' || sql === 'COMMIT')).toEqual(['START TRANSACTION', 'COMMIT']);
    // Read before inserting: a repeated publication spends no AUTO_INCREMENT numbers.
    expect(slotInserts(second.statements)).toBe(0);
  });

  it('given touches of several slots in one tick (one SQS batch), then they reach MySQL in one round trip, each answered its own slot', async () => {
    const slots = await new MysqlSlotCatalog(pool, countries.PE).publish(aPublicationOfSlots('PE', 5));
    const { pool: recorded, statements } = recording(pool);
    const catalog = new MysqlSlotCatalog(recorded, countries.PE);

    const touched = await Promise.all([...slots, slots[0]!].map((slot) => catalog.touch(slot.scheduleId)));

    expect(statements).toHaveLength(1);
    expect(touched.map((slot) => slot?.scheduleId)).toEqual([...slots, slots[0]!].map((slot) => slot.scheduleId));
    expect(touched.map((slot) => slot?.version)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('given a batch booking a withdrawn slot, a free slot and a scheduleId the catalog lacks, then one round trip rejects the first and schedules the others', async () => {
    const catalog = new MysqlSlotCatalog(pool, countries.PE);
    const [withdrawn, free] = await catalog.publish(aSlotPublication('PE'));
    await catalog.withdraw(withdrawn!.scheduleId);
    const store = new MysqlCountryAppointments(pool, countries.PE);
    const query = jest.spyOn(pool, 'query');
    const bookings = [withdrawn!, free!].map((slot) => bookingRequest('PE', { scheduleId: slot.scheduleId }));
    const uncatalogued = bookingRequest('PE');

    const statuses = await Promise.all([...bookings, uncatalogued].map(async (booking) => (await store.book(booking)).row.status));

    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();
    expect(statuses).toEqual(['REJECTED', 'SCHEDULED', 'SCHEDULED']);
    expect(await slotRows(pool, 'PE', withdrawn!.scheduleId)).toEqual([{ appointment_id: bookings[0]!.appointmentId, status: 'REJECTED' }]);
  });

  it('given two bookings of one slot in a batch, when the slot is in the catalog, then the first in the batch is SCHEDULED and the second REJECTED, as before', async () => {
    const [slot] = await new MysqlSlotCatalog(pool, countries.CL).publish(aSlotPublication('CL'));
    const store = new MysqlCountryAppointments(pool, countries.CL);
    const [first, second] = [
      bookingRequest('CL', { scheduleId: slot!.scheduleId }),
      bookingRequest('CL', { scheduleId: slot!.scheduleId }),
    ];

    expect(await Promise.all([second, first].map(async (booking) => (await store.book(booking)).row.status))).toEqual([
      'SCHEDULED',
      'REJECTED',
    ]);
  });

  it('given a withdrawal holding its slot, when a booking of that slot arrives, then the booking waits for it and is REJECTED', async () => {
    // Given a withdrawal stopped right after locking the slot
    const [slot] = await new MysqlSlotCatalog(pool, countries.PE).publish(aSlotPublication('PE'));
    const [locked, resume] = [aGate(), aGate()];
    const paused = betweenStatements(pool, async (sql) => {
      if (!sql.includes('FOR UPDATE')) return;
      locked.open();
      await resume.passed;
    });
    const withdrawal = new MysqlSlotCatalog(paused, countries.PE).withdraw(slot!.scheduleId);
    await locked.passed;

    // When a booking of the slot arrives
    const booking = new MysqlCountryAppointments(pool, countries.PE).book(bookingRequest('PE', { scheduleId: slot!.scheduleId }));

    // Then it waits on the slot's lock, and once the withdrawal commits it is REJECTED
    expect(await stillPendingAfter(booking, 300)).toBe(true);
    resume.open();
    expect((await withdrawal).outcome).toBe('withdrawn');
    expect((await booking).row.status).toBe('REJECTED');
  });

  it('given 100 slots, when each is booked and withdrawn at the same moment, then of each pair exactly one wins and the slot says which', async () => {
    const catalog = new MysqlSlotCatalog(pool, countries.CL);
    const slots = await catalog.publish(aPublicationOfSlots('CL', 100));
    // Pools of their own, large enough that neither side waits for a connection rather than for MySQL.
    const [bookers, withdrawers] = [createPool(mysqlOptionsFromUrl(testMysqlUrl!, 12)), createPool(mysqlOptionsFromUrl(testMysqlUrl!, 12))];

    const results = await Promise.all(
      slots.map(async (slot) => {
        // Each sent after its own random delay, so either may reach MySQL first.
        const after = <T>(action: () => Promise<T>) => new Promise((resolve) => setTimeout(resolve, Math.random() * 30)).then(action);
        const [
          {
            row: { status },
          },
          withdrawal,
        ] = await Promise.all([
          after(() => new MysqlCountryAppointments(bookers, countries.CL).book(bookingRequest('CL', { scheduleId: slot.scheduleId }))),
          after(() => new MysqlSlotCatalog(slowingTransactions(withdrawers), countries.CL).withdraw(slot.scheduleId)),
        ]);
        return { status, outcome: withdrawal.outcome, now: await catalog.slot(slot.scheduleId) };
      }),
    ).finally(() => Promise.all([bookers.end(), withdrawers.end()]));

    const eitherWinner = [
      ['SCHEDULED', 'held', 'TAKEN'],
      ['REJECTED', 'withdrawn', 'WITHDRAWN'],
    ];
    for (const { status, outcome, now } of results) expect(eitherWinner).toContainEqual([status, outcome, now?.availability]);
    // And the race was run both ways: some bookings won, some withdrawals.
    expect(new Set(results.map((result) => result.status))).toEqual(new Set(['SCHEDULED', 'REJECTED']));
  });

  it('given a schema at version 2 holding bookings, when migrated to the latest, then every row is kept, and catalog slots are numbered after the largest scheduleId booked', async () => {
    // Given a country schema at version 2 with a held, a cancelled and a rejected booking
    const schema = `mysql_v2_${ulid().toLowerCase()}`;
    const country: Country = { ...countries.PE, name: 'Peru (version 2 data)', mysqlSchema: schema };
    const connection = await pool.getConnection();
    try {
      await migrateCountrySchemas(connection, [country], {
        migrations: countrySchemaMigrations.filter((migration) => migration.version <= 2),
      });
      const held = bookingRequest('PE', { scheduleId: 1_500_000_000 });
      const cancelled = bookingRequest('PE', { scheduleId: 7 });
      const rejected = bookingRequest('PE', { scheduleId: held.scheduleId, insuredId: '00013' });
      const rows: [typeof held, string][] = [
        [held, 'SCHEDULED'],
        [cancelled, 'CANCELLED'],
        [rejected, 'REJECTED'],
      ];
      for (const [row, status] of rows) {
        await connection.query(
          'INSERT INTO ??.appointments (appointment_id, insured_id, schedule_id, country_iso, requested_at, status) VALUES (?, ?, ?, ?, ?, ?)',
          [schema, row.appointmentId, row.insuredId, row.scheduleId, row.countryISO, new Date(row.createdAt), status],
        );
      }
      const ids = rows.map(([row]) => row.appointmentId);
      const before = await rowsOf(schema, ids);

      // When migrated to the latest version
      expect(await migrateCountrySchemas(connection, [country])).toEqual({ [schema]: [3, 4, 5] });

      // Then every row is as it was, moved by no move yet
      expect(await rowsOf(schema, ids)).toEqual(before.map((row) => ({ ...row, last_move_id: null })));
      expect(before.map((row) => row['status'] as string)).toEqual(['SCHEDULED', 'CANCELLED', 'REJECTED']);
      // And the catalog numbers its slots after every scheduleId booked, so no old booking holds a new slot
      const catalog = new MysqlSlotCatalog(pool, country);
      const slots = await catalog.publish(aSlotPublication('PE'));
      expect(slots.map((slot) => [slot.scheduleId, slot.availability])).toEqual([
        [1_500_000_001, 'FREE'],
        [1_500_000_002, 'FREE'],
      ]);
      // And the old scheduleIds are booked as before, unknown to the catalog
      expect(await catalog.slot(held.scheduleId)).toBeUndefined();
      expect(
        (await new MysqlCountryAppointments(pool, country).book(bookingRequest('PE', { scheduleId: held.scheduleId }))).row.status,
      ).toBe('REJECTED');
    } finally {
      await connection.query('DROP DATABASE IF EXISTS ??', [schema]);
      connection.release();
    }
  });

  it('given bookings of slots the catalog has, then their rows are those MysqlCountryAppointments always wrote', async () => {
    const [slot] = await new MysqlSlotCatalog(pool, countries.PE).publish(aSlotPublication('PE'));
    const booking = bookingRequest('PE', { scheduleId: slot!.scheduleId, insuredId: '00007' });

    await new MysqlCountryAppointments(pool, countries.PE).book(booking);

    expect(await countryRows(pool, 'PE', [booking.appointmentId])).toEqual([
      {
        appointment_id: booking.appointmentId,
        insured_id: '00007',
        schedule_id: slot!.scheduleId,
        country_iso: 'PE',
        requested_at: new Date('2026-11-22T10:00:00.123Z'),
        status: 'SCHEDULED',
      },
    ]);
  });

  describe('what reconciliation reads of the catalog (slotStatesOf)', () => {
    /** A country schema of its own, migrated to `upTo` (default: the latest), so no other test's slots are read; dropped after `run`. */
    async function inOwnSchema(run: (country: Country) => Promise<void>, upTo?: number): Promise<void> {
      const schema = `mysql_states_${ulid().toLowerCase()}`;
      const country: Country = { ...countries.PE, mysqlSchema: schema };
      const connection = await pool.getConnection();
      try {
        await migrateCountrySchemas(connection, [country], {
          ...(upTo !== undefined && { migrations: countrySchemaMigrations.filter((migration) => migration.version <= upTo) }),
        });
        await run(country);
      } finally {
        await connection.query('DROP DATABASE IF EXISTS ??', [schema]);
        connection.release();
      }
    }
    const statesOf = async (country: Country, pageSize?: number) => {
      const states = [];
      for await (const state of slotStatesOf(pool, country, pageSize)) states.push(state);
      return states;
    };
    const at = (iso: string) => new Date(iso);

    it('given slots published, booked, cancelled and withdrawn, then each is read with the availability and version its snapshot has, and when it last changed: a booking or cancellation counts from its own row', async () => {
      await inOwnSchema(async (country) => {
        // Given four slots published at 10:00; then at 11:00 one booked, at 12:00 one withdrawn, at 13:00 the booked one cancelled
        let now = at('2027-01-10T10:00:00.000Z');
        const catalog = new MysqlSlotCatalog(pool, country, 100, () => now);
        const appointments = new MysqlCountryAppointments(pool, country, 100, () => now);
        const [free, booked, withdrawn, takenNotTouched] = await catalog.publish(aPublicationOfSlots('PE', 4));
        now = at('2027-01-10T11:00:00.000Z');
        const booking = bookingRequest('PE', { scheduleId: booked!.scheduleId });
        await appointments.book(booking);
        now = at('2027-01-10T12:00:00.000Z');
        await catalog.withdraw(withdrawn!.scheduleId);
        now = at('2027-01-10T13:00:00.000Z');
        await appointments.cancel(cancellationOf(booking));
        // And one booked at 14:00 whose slot was not bumped: its row committed, then the round trip broke before the bump
        await pool.query(
          `INSERT INTO ${escapeId(country.mysqlSchema)}.appointments (appointment_id, insured_id, schedule_id, country_iso, requested_at, status, status_changed_at)
           VALUES (?, '00042', ?, 'PE', '2027-01-10 14:00:00.000', 'SCHEDULED', '2027-01-10 14:00:00.000')`,
          [ulid(), takenNotTouched!.scheduleId],
        );

        // When reconciliation reads the catalog
        const states = await statesOf(country);

        // Then each slot is as its latest snapshot says, and when it changed; the untouched booking is already TAKEN, changed at 14:00
        const snapshots = await Promise.all([free, booked, withdrawn, takenNotTouched].map((slot) => catalog.slot(slot!.scheduleId)));
        expect(states).toEqual([
          { countryISO: 'PE', scheduleId: free!.scheduleId, availability: 'FREE', version: 1, changedAt: at('2027-01-10T10:00:00.000Z') },
          { countryISO: 'PE', scheduleId: booked!.scheduleId, availability: 'FREE', version: 3, changedAt: at('2027-01-10T13:00:00.000Z') },
          {
            countryISO: 'PE',
            scheduleId: withdrawn!.scheduleId,
            availability: 'WITHDRAWN',
            version: 2,
            changedAt: at('2027-01-10T12:00:00.000Z'),
          },
          {
            countryISO: 'PE',
            scheduleId: takenNotTouched!.scheduleId,
            availability: 'TAKEN',
            version: 1,
            changedAt: at('2027-01-10T14:00:00.000Z'),
          },
        ]);
        expect(states.map(({ availability, version }) => ({ availability, version }))).toEqual(
          snapshots.map((snapshot) => ({ availability: snapshot!.availability, version: snapshot!.version })),
        );
      });
    });

    it('given more slots than a page, when read, then every slot comes once, in scheduleId order', async () => {
      await inOwnSchema(async (country) => {
        const published = await new MysqlSlotCatalog(pool, country).publish(aPublicationOfSlots('PE', 7));

        const states = await statesOf(country, 3);

        expect(states.map((state) => state.scheduleId)).toEqual(published.map((slot) => slot.scheduleId).sort((a, b) => a - b));
      });
    });

    it('given slots stored at version 3, before the catalog said when a slot changed, when migrated to 4, then each counts as changed at the upgrade', async () => {
      await inOwnSchema(async (country) => {
        // Given a slot as migration 3 stored it (no changed_at)
        const table = `\`${country.mysqlSchema}\``;
        await pool.query(`INSERT INTO ${table}.centres (centre_id, name, attributes) VALUES ('c', 'Centro', '{}')`);
        await pool.query(`INSERT INTO ${table}.specialties (specialty_id, name) VALUES ('s', 'Especialidad')`);
        await pool.query(`INSERT INTO ${table}.doctors (doctor_id, name) VALUES ('d', 'Doctora')`);
        await pool.query(
          `INSERT INTO ${table}.slots (centre_id, specialty_id, doctor_id, starts_at, ends_at, published_at)
           VALUES ('c', 's', 'd', '2027-01-10 13:00:00.000', '2027-01-10 13:30:00.000', '2026-01-01 00:00:00.000')`,
        );
        const before = Date.now();

        // When migrated to the latest version
        const connection = await pool.getConnection();
        try {
          expect(await migrateCountrySchemas(connection, [country])).toEqual({ [country.mysqlSchema]: [4, 5] });
        } finally {
          connection.release();
        }

        // Then its change counts from the upgrade (the reconciler waits a retry window before judging it), in UTC
        const [state] = await statesOf(country);
        expect(state?.changedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(state?.changedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      }, 3);
    });
  });
});
