import { createConnection, type Pool, type RowDataPacket } from 'mysql2/promise';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { migrateCountrySchemas } from '../../core/adapters/mysql-migrations';
import { ReauthenticatingPool } from '../../core/adapters/mysql-reauthenticating-pool';
import { MysqlSlotCatalog } from '../../core/adapters/mysql-slot-catalog';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { countries, countryISOs } from '../../core/domain/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import { RECONCILER_USER_NAME } from '../../core/mysql/database-users';
import { localDatabaseUsers, mysqlUrlAs, type LocalDatabaseUsers } from '../../local/mysql/database-users';
import { bookingRequest, cancellationOf, moveOf } from '../support/country-messages';
import { given } from '../steps/given';
import { countryRows, describeWithMysql, migratedTestDatabaseUsers, poolAs, testMysqlUrl, testPool } from '../support/mysql';
import { aSlotPublication } from '../support/slot-publications';

/** What MySQL answers a statement the user has no right to (table, schema or global). */
const REFUSED: unknown = expect.objectContaining({
  code: expect.stringMatching(/^ER_(TABLE|DB|SPECIFIC_|COLUMN)ACCESS_DENIED_ERROR$/) as unknown,
});

const otherThan = (countryISO: CountryISO) => countries[countryISOs.find((other) => other !== countryISO)!];

describeWithMysql('database users: each country worker on its own schema, reconcile read-only (MariaDB)', () => {
  let admin: Pool;
  let users: LocalDatabaseUsers;
  const pools = new Map<string, Pool>();
  /** A pool signed in as that user, shared by the tests of this file. */
  const signedInAs = (userName: string): Pool => {
    const pool = pools.get(userName) ?? poolAs(users, userName);
    pools.set(userName, pool);
    return pool;
  };

  beforeAll(async () => {
    admin = testPool();
    users = await migratedTestDatabaseUsers();
  });
  afterAll(async () => {
    await Promise.all([...pools.values()].map((pool) => pool.end()));
    await admin.end();
  });

  it.each(countryISOs)(
    'given the %s worker signed in as its own user, when it books, rejects, cancels and books again, then the database allows all of it',
    async (countryISO) => {
      // Given the country's store on a pool signed in as the country's user
      const country = countries[countryISO];
      const store = new MysqlCountryAppointments(signedInAs(country.mysqlUser), country);
      const holder = bookingRequest(countryISO);
      const rival = bookingRequest(countryISO, { insuredId: '00013', scheduleId: holder.scheduleId });
      const overtaken = bookingRequest(countryISO, { insuredId: '00014' });

      // When it runs every kind of statement the worker runs, alone and in one batch
      const decisions = [await store.book(holder), await store.book(rival), await store.cancel(cancellationOf(overtaken))];
      const [cancelled, late, rebooked] = await Promise.all([
        store.cancel(cancellationOf(holder)),
        store.book(overtaken),
        store.book(bookingRequest(countryISO, { insuredId: '00015', scheduleId: holder.scheduleId })),
      ]);

      const mover = bookingRequest(countryISO, { insuredId: '00016' });
      await store.book(mover);
      const moved = await store.move(moveOf(mover, given.aSlotTheCatalogLacks(countryISO).scheduleId));

      // Then every decision is the one the schema makes, and the rows are there
      expect(moved.outcome).toBe('MOVED');
      expect(decisions.map((row) => row.row.status)).toEqual(['SCHEDULED', 'REJECTED', 'CANCELLED']);
      expect([cancelled, late, rebooked].map((row) => row.row.status)).toEqual(['CANCELLED', 'CANCELLED', 'SCHEDULED']);
      expect(await countryRows(admin, countryISO, [holder.appointmentId, rival.appointmentId, overtaken.appointmentId])).toHaveLength(3);
    },
  );

  it.each(countryISOs)(
    'given the %s worker signed in as its own user, when it publishes, books, touches and withdraws slots, then the database allows all of it',
    async (countryISO) => {
      // Given the country's catalog and store on a pool signed in as the country's user
      const country = countries[countryISO];
      const pool = signedInAs(country.mysqlUser);
      const catalog = new MysqlSlotCatalog(pool, country);
      const store = new MysqlCountryAppointments(pool, country);

      // When it runs every kind of statement the catalog runs, and books a free and a withdrawn slot
      const publication = aSlotPublication(countryISO);
      const [booked, withdrawn] = await catalog.publish(publication);
      const again = await catalog.publish({ ...publication, doctor: { ...publication.doctor, name: 'Dr. Renamed' } });
      const withdrawal = await catalog.withdraw(withdrawn!.scheduleId);
      const statuses = await Promise.all(
        [booked, withdrawn].map(
          async (slot) => (await store.book(bookingRequest(countryISO, { scheduleId: slot!.scheduleId }))).row.status,
        ),
      );
      const touched = await catalog.touch(booked!.scheduleId);

      // Then every answer is the one the schema gives
      expect(again.map((slot) => slot.doctor.name)).toEqual(['Dr. Renamed', 'Dr. Renamed']);
      expect(withdrawal.outcome).toBe('withdrawn');
      expect(statuses).toEqual(['SCHEDULED', 'REJECTED']);
      // Published at 1, bumped by its booking's own round trip, then by the touch.
      expect(touched).toMatchObject({ availability: 'TAKEN', version: 3 });
    },
  );

  it.each(countryISOs)(
    "given the %s worker's user, when it touches the other country's schema, then MySQL refuses every statement and the rows stay as they were",
    async (countryISO) => {
      // Given a row in the other country's schema
      const own = countries[countryISO];
      const other = otherThan(countryISO);
      const theirs = bookingRequest(other.iso);
      await new MysqlCountryAppointments(admin, other).book(theirs);
      const pool = signedInAs(own.mysqlUser);

      // When the user reads, writes, deletes, alters or drops there
      const attempts = [
        pool.query('SELECT * FROM ??.appointments', [other.mysqlSchema]),
        pool.query("UPDATE ??.appointments SET status = 'CANCELLED' WHERE appointment_id = ?", [other.mysqlSchema, theirs.appointmentId]),
        pool.query('DELETE FROM ??.appointments WHERE appointment_id = ?', [other.mysqlSchema, theirs.appointmentId]),
        pool.query('ALTER TABLE ??.appointments ADD COLUMN note TEXT', [other.mysqlSchema]),
        pool.query('DROP TABLE ??.appointments', [other.mysqlSchema]),
        pool.query('SELECT * FROM ??.schema_migrations', [other.mysqlSchema]),
        new MysqlCountryAppointments(pool, other).book(bookingRequest(other.iso)),
        pool.query('SELECT * FROM ??.slots', [other.mysqlSchema]),
        pool.query('UPDATE ??.slots SET withdrawn_at = NOW()', [other.mysqlSchema]),
        new MysqlSlotCatalog(pool, other).publish(aSlotPublication(other.iso)),
      ];

      // Then each is refused, and the other country's row is untouched
      for (const attempt of attempts) await expect(attempt).rejects.toEqual(REFUSED);
      expect(await countryRows(admin, other.iso, [theirs.appointmentId])).toEqual([expect.objectContaining({ status: 'SCHEDULED' })]);
    },
  );

  it.each(countryISOs)(
    "given the %s worker's user, when it tries DDL, DELETE or GRANT in its own schema, then MySQL refuses it",
    async (countryISO) => {
      // Given a row of its own
      const own = countries[countryISO];
      const mine = bookingRequest(countryISO);
      const pool = signedInAs(own.mysqlUser);
      await new MysqlCountryAppointments(pool, own).book(mine);

      // When it creates, alters or drops a table, deletes (appointments or catalog), reads the migrations' table, makes a schema or hands on its rights
      const attempts = [
        pool.query('CREATE TABLE ??.scratch (id INT)', [own.mysqlSchema]),
        pool.query('ALTER TABLE ??.appointments DROP INDEX one_active_booking_per_slot', [own.mysqlSchema]),
        pool.query('DROP TABLE ??.appointments', [own.mysqlSchema]),
        pool.query('TRUNCATE TABLE ??.appointments', [own.mysqlSchema]),
        pool.query('DELETE FROM ??.appointments WHERE appointment_id = ?', [own.mysqlSchema, mine.appointmentId]),
        pool.query('DELETE FROM ??.slots', [own.mysqlSchema]),
        pool.query('DELETE FROM ??.centres', [own.mysqlSchema]),
        pool.query('ALTER TABLE ??.slots AUTO_INCREMENT = 1', [own.mysqlSchema]),
        pool.query('DROP TABLE ??.doctors', [own.mysqlSchema]),
        pool.query('SELECT * FROM ??.schema_migrations', [own.mysqlSchema]),
        pool.query('CREATE DATABASE ??', [`${own.mysqlSchema}_copy`]),
        pool.query("GRANT SELECT ON ??.appointments TO ?@'%'", [own.mysqlSchema, otherThan(countryISO).mysqlUser]),
      ];

      // Then each is refused, and its row is still there
      for (const attempt of attempts) await expect(attempt).rejects.toEqual(REFUSED);
      expect(await countryRows(admin, countryISO, [mine.appointmentId])).toHaveLength(1);
    },
  );

  it("given reconcile's user, when it reads every country's rows and catalog and then tries to write, then it reads them all and every write is refused", async () => {
    // Given a row in each country
    const booked = await Promise.all(
      countryISOs.map(async (countryISO) => {
        const booking = bookingRequest(countryISO);
        await new MysqlCountryAppointments(admin, countries[countryISO]).book(booking);
        return booking;
      }),
    );
    const pool = signedInAs(RECONCILER_USER_NAME);

    // When it reads as reconcile does
    const seen = new Set<string>();
    for (const country of Object.values(countries))
      for await (const row of new MysqlCountryAppointments(pool, country).allRows()) seen.add(row.appointmentId);

    // Then it sees every country's row, and each country's catalog
    for (const booking of booked) expect(seen).toContain(booking.appointmentId);
    for (const country of Object.values(countries)) {
      for (const table of ['slots', 'centres', 'specialties', 'doctors'])
        await expect(pool.query('SELECT COUNT(*) FROM ??.??', [country.mysqlSchema, table])).resolves.toBeDefined();
      await expect(new MysqlSlotCatalog(pool, country).publish(aSlotPublication(country.iso))).rejects.toEqual(REFUSED);
      await expect(pool.query('UPDATE ??.slots SET version = version + 1', [country.mysqlSchema])).rejects.toEqual(REFUSED);
    }
    // And when it writes, deletes or books, MySQL refuses
    for (const booking of booked) {
      const schema = countries[booking.countryISO].mysqlSchema;
      await expect(
        pool.query("UPDATE ??.appointments SET status = 'CANCELLED' WHERE appointment_id = ?", [schema, booking.appointmentId]),
      ).rejects.toEqual(REFUSED);
      await expect(pool.query('DELETE FROM ??.appointments WHERE appointment_id = ?', [schema, booking.appointmentId])).rejects.toEqual(
        REFUSED,
      );
      await expect(
        new MysqlCountryAppointments(pool, countries[booking.countryISO]).book(bookingRequest(booking.countryISO)),
      ).rejects.toEqual(REFUSED);
    }
  });

  it('given rights granted by hand beyond the declaration, when the migrations run again, then the user holds exactly its declared rights', async () => {
    // Given the PE user handed DELETE, Chile's schema, a global right and the grant option
    const pe = countries.PE;
    for (const grant of ['GRANT DELETE ON ??.appointments TO ?@? WITH GRANT OPTION', 'GRANT SELECT ON ??.* TO ?@?'])
      await admin.query(grant, [grant.includes('DELETE') ? pe.mysqlSchema : countries.CL.mysqlSchema, pe.mysqlUser, '%']);
    await admin.query("GRANT PROCESS ON *.* TO ?@'%'", [pe.mysqlUser]);

    // When the migrations run again (as on the next deploy or start)
    users = await migratedTestDatabaseUsers();
    for (const pool of pools.values()) await pool.end();
    pools.clear();

    // Then SHOW GRANTS lists only the declared rights, and what was added is refused again
    const [grants] = await admin.query<RowDataPacket[]>("SHOW GRANTS FOR ?@'%'", [pe.mysqlUser]);
    const lines = grants.map((row) => String(Object.values(row)[0]).replace(/ IDENTIFIED BY .*/, ''));
    // (in no particular order: MariaDB lists table grants as its hash keeps them)
    expect(lines.sort()).toEqual(
      [
        `GRANT USAGE ON *.* TO \`${pe.mysqlUser}\`@\`%\``,
        ...['appointments', 'centres', 'specialties', 'doctors', 'slots'].map(
          (table) => `GRANT SELECT, INSERT, UPDATE ON \`${pe.mysqlSchema}\`.\`${table}\` TO \`${pe.mysqlUser}\`@\`%\``,
        ),
      ].sort(),
    );
    await expect(signedInAs(pe.mysqlUser).query('SELECT * FROM ??.appointments', [countries.CL.mysqlSchema])).rejects.toEqual(REFUSED);
  });

  it('given a worker that read its password before a rotation, when MySQL refuses it, then the pool reads the secret again and the batch (or the transaction) goes through', async () => {
    // Given the PE user's password rotated: MySQL and the secret have the new one, the worker's cache the old one
    const pe = countries.PE;
    const cached = users.urls.get(pe.mysqlUser)!;
    const rotatedPassword = `rotated-${Date.now()}`;
    await admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [pe.mysqlUser, rotatedPassword]);
    const secret = { reads: [] as boolean[] };
    const readSecret = (fresh: boolean) => {
      secret.reads.push(fresh);
      return Promise.resolve(mysqlOptionsFromUrl(fresh ? mysqlUrlAs(testMysqlUrl!, pe.mysqlUser, rotatedPassword) : cached, 2));
    };
    let reauthenticated = 0;
    const pool = await ReauthenticatingPool.open(readSecret, () => reauthenticated++);
    const transactional = await ReauthenticatingPool.open(readSecret);
    try {
      // When the worker books with it, and publishes slots (a transaction, on a connection of its own) with another
      const booking = bookingRequest('PE');
      const {
        row: { status },
      } = await new MysqlCountryAppointments(pool, pe).book(booking);
      const slots = await new MysqlSlotCatalog(transactional, pe).publish(aSlotPublication('PE'));

      // Then both are stored, each pool after one fresh read of the secret
      expect(status).toBe('SCHEDULED');
      expect(secret.reads).toEqual([false, false, true, true]);
      expect(reauthenticated).toBe(1);
      expect(await countryRows(admin, 'PE', [booking.appointmentId])).toHaveLength(1);
      expect(slots.map((slot) => slot.availability)).toEqual(['FREE', 'FREE']);
    } finally {
      await transactional.end();
      await pool.end();
      // The other tests' users are as the migrations left them.
      users = await migratedTestDatabaseUsers();
      for (const open of pools.values()) await open.end();
      pools.clear();
    }
  });

  it('given a secret that still holds the refused password, when the worker books, then the batch fails with the refusal (its message is retried) and nothing is stored', async () => {
    // Given MySQL has a password the secret does not have yet (between the rotation's two steps)
    const pe = countries.PE;
    const stale = users.urls.get(pe.mysqlUser)!;
    await admin.query("ALTER USER ?@'%' IDENTIFIED BY ?", [pe.mysqlUser, `pending-${Date.now()}`]);
    const pool = await ReauthenticatingPool.open(() => Promise.resolve(mysqlOptionsFromUrl(stale, 2)));
    try {
      // When the worker books
      const booking = bookingRequest('PE');

      // Then the sign-in is refused, and no row exists
      await expect(new MysqlCountryAppointments(pool, pe).book(booking)).rejects.toEqual(
        expect.objectContaining({ code: 'ER_ACCESS_DENIED_ERROR' }),
      );
      expect(await countryRows(admin, 'PE', [booking.appointmentId])).toEqual([]);
    } finally {
      await pool.end();
      users = await migratedTestDatabaseUsers();
      for (const open of pools.values()) await open.end();
      pools.clear();
    }
  });

  it('given a MYSQL_URL user with only the rights docs/local.md asks for, when it migrates, then it creates the users; without SELECT on the mysql schema it refuses instead of missing extra rights', async () => {
    // Given a migrating user that may create users, own the country schemas with the grant option, and nothing more
    const migrator = 'appointments_test_migrator';
    const password = `migrator-${Date.now()}`;
    await admin.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [migrator, password]);
    await admin.query("GRANT CREATE USER ON *.* TO ?@'%'", [migrator]);
    for (const country of Object.values(countries))
      await admin.query("GRANT ALL ON ??.* TO ?@'%' WITH GRANT OPTION", [country.mysqlSchema, migrator]);
    const asMigrator = async () => {
      const connection = await createConnection({ uri: mysqlUrlAs(testMysqlUrl!, migrator, password) });
      try {
        await migrateCountrySchemas(connection, Object.values(countries), { users: localDatabaseUsers(testMysqlUrl!).credentials });
      } finally {
        await connection.end();
      }
    };
    try {
      // When it migrates without, then with, SELECT on the mysql system schema
      const without = asMigrator();
      await expect(without).rejects.toThrow('needs SELECT on the mysql system schema');
      await admin.query("GRANT SELECT ON mysql.* TO ?@'%'", [migrator]);

      // Then with it the migrations go through
      await expect(asMigrator()).resolves.toBeUndefined();
    } finally {
      await admin.query("DROP USER IF EXISTS ?@'%'", [migrator]);
      users = await migratedTestDatabaseUsers();
      for (const open of pools.values()) await open.end();
      pools.clear();
    }
  });
});
