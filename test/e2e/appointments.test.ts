import type { Pool } from 'mysql2/promise';
import { countryISOs } from '../../core/domain/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { RouterEvent } from '../../local/router/router';
import { countryRows, describeWithMysql, testMysqlUrl, testPool } from '../support/mysql';
import { apiClient, newInsuredId, pollUntil, storedItems } from './client';
import { newScheduleId } from '../support/slots';

/**
 * The local stack as a user meets it: the API over HTTP with the printed API key,
 * the pipeline finishing each appointment in its country's MySQL schema.
 */
describeWithMysql('npm start: booking appointments against the local stack', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let pool: Pool;

  beforeAll(async () => {
    // The test run's MySQL, so no second server starts; everything else as `npm start` runs it.
    // LOCAL_STACK_LOGS=1 npx jest test/e2e prints the stack's log lines.
    stack = await startLocalStack({ quiet: !process.env.LOCAL_STACK_LOGS, mysqlUrl: testMysqlUrl });
    api = apiClient(stack);
    pool = testPool();
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
  });

  it.each(countryISOs)(
    'an appointment in %s is PENDING at once, COMPLETED within seconds, and recorded in that country only',
    async (countryISO: CountryISO) => {
      // Given an insured person with no appointments
      const insuredId = newInsuredId();

      // When they book a slot
      const scheduleId = newScheduleId();
      const booked = await api.createAppointment({ insuredId, scheduleId, countryISO });

      // Then the answer is at once a PENDING appointment
      expect(booked.errors).toBeUndefined();
      const appointment = booked.data?.createAppointment;
      expect(appointment).toMatchObject({ insuredId, scheduleId, countryISO, status: 'PENDING' });
      const appointmentId = appointment?.appointmentId ?? '';
      const listedAtOnce = await api.appointments(insuredId);
      // (listed at once, it is there: still PENDING, or already COMPLETED when the pipeline beat the list, as it may in ~150 ms)
      expect(listedAtOnce.data?.appointments.items).toEqual([expect.objectContaining({ appointmentId, status: expect.stringMatching(/^(PENDING|COMPLETED)$/) as unknown })]);

      // And within seconds their list shows it COMPLETED
      const listed = await pollUntil(
        () => api.appointments(insuredId),
        (answer) => answer.data?.appointments.items[0]?.status === 'COMPLETED',
        15_000,
      );
      expect(listed.data?.appointments.items).toEqual([expect.objectContaining({ appointmentId, countryISO, status: 'COMPLETED' })]);

      // And the country's schema holds exactly one row for it, the other countries' none
      expect(await countryRows(pool, countryISO, [appointmentId])).toEqual([
        expect.objectContaining({ appointment_id: appointmentId, insured_id: insuredId, schedule_id: scheduleId, country_iso: countryISO, status: 'SCHEDULED' }),
      ]);
      for (const other of countryISOs.filter((candidate) => candidate !== countryISO)) {
        expect(await countryRows(pool, other, [appointmentId])).toEqual([]);
      }
    },
    30_000,
  );

  it('refuses a request without the API key or with a wrong one', async () => {
    // Given a valid query
    const query = '{ appointments(insuredId: "00012") { items { appointmentId } } }';

    // When it is sent without a key, and with a key that is not the printed one
    const withoutKey = await api.request(query, {}, null);
    const wrongKey = await api.request(query, {}, `${stack.apiKey}x`);

    // Then both are refused as unauthorized, with no data
    for (const answer of [withoutKey, wrongKey]) {
      expect(answer.status).toBe(401);
      expect(answer.data ?? null).toBeNull();
      expect(answer.errors).toEqual([expect.objectContaining({ errorType: 'UnauthorizedException' })]);
    }
  });

  it('answers invalid input with one ValidationError and stores and sends nothing', async () => {
    // Given an insured id of 3 digits instead of 5
    const insuredId = '123';
    const published: RouterEvent[] = [];
    const listener = (event: RouterEvent) => event.type === 'published' && published.push(event);
    stack.router.on('event', listener);

    // When it is used to book
    const answer = await api.createAppointment({ insuredId, scheduleId: newScheduleId(), countryISO: 'PE' });
    stack.router.off('event', listener);

    // Then the client gets one GraphQL error of type ValidationError that says what is wrong
    expect(answer.status).toBe(200);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors).toEqual([
      expect.objectContaining({ errorType: 'ValidationError', message: expect.stringContaining('insuredId must be exactly 5 digits') as unknown, path: ['createAppointment'] }),
    ]);

    // And nothing was stored or handed to the pipeline
    expect(await storedItems(stack, insuredId)).toEqual([]);
    expect(published).toEqual([]);
  });
});
