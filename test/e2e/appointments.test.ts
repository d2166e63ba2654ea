import type { Pool } from 'mysql2/promise';
import { countryISOs } from '../../core/domain/countries';
import type { CountryISO } from '../../core/graphql/types.generated';
import type { LocalStack } from '../../local/stack';
import { countryRows, describeWithMysql, testPool } from '../support/mysql';
import { given, http, then, when, type AppointmentsApi, type FreeSlots } from '../steps';
import { apiClient, storedItems } from './client';

/**
 * The local stack as a user meets it: the API over HTTP with the printed API key,
 * the pipeline finishing each appointment in its country's MySQL schema.
 */
describeWithMysql('npm start: booking appointments against the local stack', () => {
  let stack: LocalStack;
  /** A user with the printed API key: a developer. */
  let developer: AppointmentsApi;
  let pool: Pool;
  let slots: FreeSlots;

  beforeAll(async () => {
    // The test run's MySQL, so no second server starts; everything else as `npm start` runs it.
    // LOCAL_STACK_LOGS=1 npx jest test/e2e prints the stack's log lines.
    stack = await given.aLocalStack();
    slots = await given.freeSlotsIn(stack, { PE: 2, CL: 1 });
    developer = when.over(http(stack));
    pool = testPool();
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    await pool?.end();
  });

  it.each(countryISOs)(
    'an appointment in %s is PENDING at once, COMPLETED within seconds, and recorded in that country only',
    async (countryISO: CountryISO) => {
      // Given an insured person with no appointments
      const insuredId = given.anInsuredPerson();

      // When they book a slot
      const slot = slots.next(countryISO);
      const booked = await developer.bookAppointment({ insuredId, ...slot });

      // Then the answer is at once a PENDING appointment
      const appointment = then.theAppointmentIs(booked, 'PENDING');
      expect(appointment).toMatchObject({ insuredId, scheduleId: slot.scheduleId, countryISO, status: 'PENDING' });
      const appointmentId = appointment.appointmentId;
      const listedAtOnce = then.listed(await developer.listAppointments(insuredId));
      // (listed at once, it is there: still PENDING, or already COMPLETED when the pipeline beat the list, as it may in ~150 ms)
      expect(listedAtOnce.items).toEqual([
        expect.objectContaining({ appointmentId, status: expect.stringMatching(/^(PENDING|COMPLETED)$/) as unknown }),
      ]);

      // And within seconds their list shows it COMPLETED
      await then.theAppointmentBecomes(developer, appointment, 'COMPLETED', 15_000);
      expect(then.listed(await developer.listAppointments(insuredId)).items).toEqual([
        expect.objectContaining({ appointmentId, countryISO, status: 'COMPLETED' }),
      ]);

      // And the country's schema holds exactly one row for it, the other countries' none
      expect(await countryRows(pool, countryISO, [appointmentId])).toEqual([
        expect.objectContaining({
          appointment_id: appointmentId,
          insured_id: insuredId,
          schedule_id: slot.scheduleId,
          country_iso: countryISO,
          status: 'SCHEDULED',
        }),
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

    // When it is sent without a key, and with a key that is not the printed one (raw requests: no step sends a wrong key)
    const api = apiClient(stack);
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

    // When it is used to book
    const { answer, published } = await when.watchingThePipeline(stack, () =>
      developer.bookAppointment({ insuredId, ...slots.next('PE') }),
    );

    // Then the client gets one GraphQL error of type ValidationError that says what is wrong
    expect(answer.httpStatus).toBe(200);
    then.refusedWith(answer, 'ValidationError', { message: 'insuredId must be exactly 5 digits', path: ['createAppointment'] });

    // And nothing was stored or handed to the pipeline
    then.nothingWasStoredOrPublished({ stored: await storedItems(stack, insuredId), published });
  });
});
