import { createConnection, createPool, type Connection, type RowDataPacket } from 'mysql2/promise';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { countries, countryISOs } from '../../core/domain/countries';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql, testMysqlUrl, testPool } from '../support/mysql';
import { given, http, then, when, type AppointmentsApi, type FreeSlots, type Slot } from '../steps';
import { pollUntil } from './client';

/**
 * The local stack as `npm start` runs it, watched from MySQL's side: its country workers sign
 * in as their countries' users, not as the admin of the MYSQL_URL, and the pipeline works
 * with no more than those users' rights.
 */
describeWithMysql("npm start: the country workers sign in to MySQL as their countries' users", () => {
  let stack: LocalStack;
  /** A developer with the printed API key, as `npm start` serves them. */
  let developer: AppointmentsApi;
  let observer: Connection;
  /** Connections open before the stack started (this observer's, other suites' leftovers): not the stack's. */
  let before: Set<number>;
  let slots: FreeSlots;

  beforeAll(async () => {
    observer = await createConnection({ uri: testMysqlUrl });
    before = new Set((await processList()).map((row) => row.id));
    stack = await given.aLocalStack();
    slots = await given.freeSlotsIn(stack, { PE: 2, CL: 2 });
    developer = when.over(http(stack));
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    await observer?.end();
  });

  async function processList(): Promise<{ id: number; user: string }[]> {
    const [rows] = await observer.query<RowDataPacket[]>('SELECT ID AS id, USER AS user FROM information_schema.PROCESSLIST');
    return rows.map((row) => ({ id: Number(row['id']), user: String(row['user']) }));
  }

  const aNewInsuredPersonBooks = (slot: Slot) => given.aBooking(developer, { insuredId: given.anInsuredPerson(), ...slot });

  it.each(countryISOs)(
    "in %s, a booking, a rival for its slot, its cancellation and a new booking of the slot all settle with the country user's rights",
    async (countryISO) => {
      // Given a slot booked by one insured person
      const slot = slots.next(countryISO);
      const holder = await aNewInsuredPersonBooks(slot);
      await then.theAppointmentBecomes(developer, holder, 'COMPLETED');

      // When a rival books it, the holder cancels, and a third person books it
      const rival = await aNewInsuredPersonBooks(slot);
      const rivalOutcome = await then.theOutcomeOf(developer, rival);
      const cancelled = await developer.cancelAppointment(holder);
      await stack.router.waitForIdle(10_000);
      const next = await aNewInsuredPersonBooks(slot);

      // Then the rival is REJECTED, the cancellation sticks, the slot goes to the third, and the schema agrees
      expect(rivalOutcome).toMatchObject({ status: 'REJECTED', rejectionReason: 'SLOT_TAKEN' });
      then.theAppointmentIs(cancelled, 'CANCELLED');
      await then.theAppointmentBecomes(developer, next, 'COMPLETED');
      const pool = testPool();
      try {
        await then.theSlotsRowsAre(pool, slot, [
          { appointment_id: holder.appointmentId, status: 'CANCELLED' },
          { appointment_id: rival.appointmentId, status: 'REJECTED' },
          { appointment_id: next.appointmentId, status: 'SCHEDULED' },
        ]);
      } finally {
        await pool.end();
      }
    },
    60_000,
  );

  it("the process list shows the stack connected as each country's user, and never as the admin", async () => {
    // Given both countries' workers have worked: their pools keep their connections open
    await Promise.all(
      countryISOs.map(async (countryISO) => then.theOutcomeOf(developer, await aNewInsuredPersonBooks(slots.next(countryISO)))),
    );
    const expected = Object.values(countries)
      .map((country) => country.mysqlUser)
      .sort();
    const admin = new URL(testMysqlUrl!).username;

    // When MySQL lists who is connected, apart from what was there before the stack
    const stackUsers = async () => (await processList()).filter((row) => !before.has(row.id)).map((row) => row.user);
    const users = await pollUntil(stackUsers, (found) => expected.every((user) => found.includes(user)) && !found.includes(admin), 5_000);

    // Then the stack's connections are the country users', and none is the admin's
    expect([...new Set(users)].sort()).toEqual(expected);
  });

  it("the PE worker's credentials, taken from the running stack, are refused on Chile's schema by the database", async () => {
    // Given the PE worker's own URL
    const peUrl = stack.mysqlUserUrls.get(countries.PE.mysqlUser);
    expect(peUrl).toBeDefined();
    const pe = createPool(mysqlOptionsFromUrl(peUrl!, 1));
    try {
      // When it reads and writes Chile's appointments
      const read = pe.query('SELECT appointment_id FROM ??.appointments LIMIT 1', [countries.CL.mysqlSchema]);
      // (A row no one has: if the grant ever regressed, this would change nothing on the shared server.)
      const write = pe.query("UPDATE ??.appointments SET status = 'CANCELLED' WHERE appointment_id = ?", [
        countries.CL.mysqlSchema,
        'NO-SUCH-APPOINTMENT',
      ]);

      // Then MySQL refuses both, while its own schema answers
      await expect(read).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      await expect(write).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      const [[own]] = (await pe.query('SELECT COUNT(*) AS n FROM ??.appointments', [countries.PE.mysqlSchema])) as unknown as [
        [{ n: number }],
      ];
      expect(Number(own.n)).toBeGreaterThanOrEqual(0);
    } finally {
      await pe.end();
    }
  });
});
