import { createConnection, createPool, type Connection, type RowDataPacket } from 'mysql2/promise';
import { mysqlOptionsFromUrl } from '../../core/adapters/mysql-connection';
import { countries, countryISOs } from '../../core/domain/countries';
import type { Appointment, CountryISO } from '../../core/graphql/types.generated';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { describeWithMysql, slotRows, testMysqlUrl, testPool } from '../support/mysql';
import { newScheduleId } from '../support/slots';
import { apiClient, newInsuredId, pollUntil } from './client';

const SETTLED_WITHIN_MS = 20_000;

/**
 * The local stack as `npm start` runs it, watched from MySQL's side: its country workers sign
 * in as their countries' users, not as the admin of the MYSQL_URL, and the pipeline works
 * with no more than those users' rights.
 */
describeWithMysql('npm start: the country workers sign in to MySQL as their countries\' users', () => {
  let stack: LocalStack;
  let observer: Connection;
  /** Connections open before the stack started (this observer's, other suites' leftovers): not the stack's. */
  let before: Set<number>;

  beforeAll(async () => {
    observer = await createConnection({ uri: testMysqlUrl });
    before = new Set((await processList()).map((row) => row.id));
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await observer?.end();
  });

  async function processList(): Promise<{ id: number; user: string }[]> {
    const [rows] = await observer.query<RowDataPacket[]>('SELECT ID AS id, USER AS user FROM information_schema.PROCESSLIST');
    return rows.map((row) => ({ id: Number(row['id']), user: String(row['user']) }));
  }

  const api = () => apiClient(stack);
  const settled = async (appointment: Appointment) =>
    pollUntil(
      async () => (await api().appointments(appointment.insuredId, 100)).data?.appointments.items.find((item) => item.appointmentId === appointment.appointmentId),
      (found) => found !== undefined && found.status !== 'PENDING',
      SETTLED_WITHIN_MS,
    );
  const book = async (countryISO: CountryISO, scheduleId: number): Promise<Appointment> => {
    const answer = await api().createAppointment({ insuredId: newInsuredId(), scheduleId, countryISO });
    if (!answer.data?.createAppointment) throw new Error(`Booking refused: ${JSON.stringify(answer.errors)}`);
    return answer.data.createAppointment;
  };

  it.each(countryISOs)('in %s, a booking, a rival for its slot, its cancellation and a new booking of the slot all settle with the country user\'s rights', async (countryISO) => {
    // Given a slot booked by one insured person
    const scheduleId = newScheduleId();
    const holder = await book(countryISO, scheduleId);
    expect((await settled(holder))?.status).toBe('COMPLETED');

    // When a rival books it, the holder cancels, and a third person books it
    const rival = await book(countryISO, scheduleId);
    const rivalOutcome = await settled(rival);
    const cancelled = await api().cancelAppointment(holder.insuredId, holder.appointmentId);
    await stack.router.waitForIdle(10_000);
    const next = await book(countryISO, scheduleId);

    // Then the rival is REJECTED, the cancellation sticks, the slot goes to the third, and the schema agrees
    expect(rivalOutcome).toMatchObject({ status: 'REJECTED', rejectionReason: 'SLOT_TAKEN' });
    expect(cancelled.data?.cancelAppointment).toMatchObject({ status: 'CANCELLED' });
    expect((await settled(next))?.status).toBe('COMPLETED');
    const pool = testPool();
    try {
      expect(await slotRows(pool, countryISO, scheduleId)).toEqual([
        { appointment_id: holder.appointmentId, status: 'CANCELLED' },
        { appointment_id: rival.appointmentId, status: 'REJECTED' },
        { appointment_id: next.appointmentId, status: 'SCHEDULED' },
      ]);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('the process list shows the stack connected as each country\'s user, and never as the admin', async () => {
    // Given both countries' workers have worked: their pools keep their connections open
    await Promise.all(countryISOs.map(async (countryISO) => settled(await book(countryISO, newScheduleId()))));
    const expected = Object.values(countries).map((country) => country.mysqlUser).sort();
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
      const write = pe.query("UPDATE ??.appointments SET status = 'CANCELLED'", [countries.CL.mysqlSchema]);

      // Then MySQL refuses both, while its own schema answers
      await expect(read).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      await expect(write).rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
      await expect(pe.query('SELECT COUNT(*) AS n FROM ??.appointments', [countries.PE.mysqlSchema])).resolves.toBeDefined();
    } finally {
      await pe.end();
    }
  });
});
