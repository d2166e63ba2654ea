import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AppointmentStatusChange } from '../../core/graphql/types.generated';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoDbClient } from '../../local/dynamodb/dynalite';
import { connectRealtime } from '../../local/realtime-client';
import { AwsServiceError, type PublishInput } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql } from '../support/mysql';
import { subscribeToStatusChanges } from '../support/status-change-subscriber';
import { given, http, then, when, type AppointmentsApi, type FreeSlots } from '../steps';
import { storedItems } from './client';

/**
 * What a client reads when a request fails, over HTTP and the realtime socket against the local
 * stack, as AppSync hands it over: each error the API answers with under its own errorType (raised
 * by the fields' APPSYNC_JS resolver), a fault as `Lambda:Unhandled` with its message only, and
 * pushes that carry exactly what the publish mutation selected.
 */
describeWithMysql('errors and pushes as AppSync hands them to clients', () => {
  let stack: LocalStack;
  /** A developer with the API key. */
  let developer: AppointmentsApi;
  let slots: FreeSlots;
  /** Bookings of this insured person find SNS refusing every publish. */
  const unpublishable = given.anInsuredPerson();

  beforeAll(async () => {
    const refusePublish = (input: PublishInput) =>
      (JSON.parse(input.Message ?? '{}') as { insuredId?: string }).insuredId === unpublishable
        ? new AwsServiceError('InternalError', 'SNS is down (fault injected)', 500)
        : undefined;
    stack = await given.aLocalStack({ hooks: { refusePublish } });
    slots = await given.freeSlotsIn(stack, { PE: 2, CL: 1 });
    developer = when.over(http(stack));
  }, 90_000);
  afterAll(() => stack?.stop());

  const asInsured = (insuredId: string) => when.over(http(stack, given.aSignedInInsuredPerson(stack, insuredId)));

  describe('each error the API answers with reaches the client under its own errorType', () => {
    it('given an invalid insuredId, when booking, then ValidationError names the field and nothing is stored or published', async () => {
      const { answer, published } = await when.watchingThePipeline(stack, () =>
        developer.bookAppointment({ insuredId: '12', ...slots.next('PE') }),
      );

      then.refusedWith(answer, 'ValidationError', { message: /^insuredId must be exactly 5 digits/, path: ['createAppointment'] });
      then.nothingWasStoredOrPublished({ stored: await storedItems(stack, '12'), published });
    });

    it("given a scheduleId its country's catalog lacks, when booking, then ValidationError sends the client to availableSlots and nothing is stored or published", async () => {
      const insuredId = given.anInsuredPerson();
      const slot = given.aSlotTheCatalogLacks('CL');

      const { answer, published } = await when.watchingThePipeline(stack, () => developer.bookAppointment({ insuredId, ...slot }));

      then.refusedWith(answer, 'ValidationError', {
        message: `scheduleId ${slot.scheduleId} is not a slot of CL's catalog: choose one from availableSlots`,
        path: ['createAppointment'],
      });
      then.nothingWasStoredOrPublished({ stored: await storedItems(stack, insuredId), published });
    });

    it('given a slot of the catalog that has begun, when booking, then ValidationError says so and nothing is stored or published', async () => {
      const insuredId = given.anInsuredPerson();
      const slot = await given.aSlotThatHasBegun(stack, 'PE');

      const { answer, published } = await when.watchingThePipeline(stack, () => developer.bookAppointment({ insuredId, ...slot }));

      // (its start as the centre's clock read it: Lima's offset)
      then.refusedWith(answer, 'ValidationError', {
        message: new RegExp(
          `^Slot ${slot.scheduleId} started at \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}-05:00: choose a slot that has not begun$`,
        ),
        path: ['createAppointment'],
      });
      then.nothingWasStoredOrPublished({ stored: await storedItems(stack, insuredId), published });
    });

    it("given an insured person, when they list another insured person's appointments, then Unauthorized", async () => {
      const me = asInsured(given.anInsuredPerson());

      const answer = await me.listAppointments(given.anInsuredPerson());

      then.refusedWith(answer, 'Unauthorized', { message: 'another insured person' });
    });

    it('given an appointmentId the insured person does not have, when cancelling, then AppointmentNotFoundError', async () => {
      const answer = await developer.cancelAppointment({ insuredId: given.anInsuredPerson(), appointmentId: '01JD0000000000000000000000' });

      then.refusedWith(answer, 'AppointmentNotFoundError', { path: ['cancelAppointment'] });
    });

    it("given an appointment that starts within its country's notice, when its insured person cancels it, then NoticePeriodError names the period and it stays COMPLETED; staff who override the notice cancel it", async () => {
      const insuredId = given.anInsuredPerson();
      const slot = await given.aSlotStartingIn(stack, 'PE', 60);
      const booked = then.theAppointmentIs(await developer.bookAppointment({ insuredId, ...slot }), 'PENDING');
      expect((await then.theOutcomeOf(developer, booked))?.status).toBe('COMPLETED');

      const byInsured = await asInsured(insuredId).cancelAppointment(booked);
      const listedAfter = await then.theOutcomeOf(developer, booked);
      const byStaff = await when.over(http(stack, given.staff(stack))).cancelAppointment({ ...booked, overrideNotice: true });

      then.refusedWith(byInsured, 'NoticePeriodError', {
        message: new RegExp(
          `^Appointments in Peru can be cancelled until 2 hours before they start; appointment ${booked.appointmentId} starts at \\S+-05:00, in (1 hour|\\d+ minutes)\\. Call-centre staff may still cancel it\\.$`,
        ),
        path: ['cancelAppointment'],
      });
      expect(listedAfter?.status).toBe('COMPLETED');
      expect(byStaff.errors).toBeUndefined();
      expect(byStaff.appointment?.status).toBe('CANCELLED');
    });

    it('given SNS refusing every publish, when booking, then SchedulingUnavailableError tells the client to retry and nothing is left stored', async () => {
      const answer = await developer.bookAppointment({ insuredId: unpublishable, ...slots.next('CL') });

      then.refusedWith(answer, 'SchedulingUnavailableError', { message: 'Please try again' });
      expect(await storedItems(stack, unpublishable)).toEqual([]);
    });

    it('given a slot someone else holds, when the loser is REJECTED, then the push carries rejectionReason SLOT_TAKEN, and cancelling it answers AppointmentNotCancellableError', async () => {
      // Given two insured people wanting one slot, one subscriber hearing both
      const [first, second] = given.insuredPeople(2) as [string, string];
      const subscriber = await subscribeToStatusChanges(stack, [first, second]);
      const slot = slots.next('PE');

      // When both book it, one after the other
      const held = await developer.bookAppointment({ insuredId: first, ...slot });
      const lost = await developer.bookAppointment({ insuredId: second, ...slot });
      const loserId = lost.appointment?.appointmentId ?? '';
      await subscriber.waitUntil(() => subscriber.statusesOf(loserId).includes('REJECTED'), 15_000);
      await subscriber.close();

      // Then the loser's push names the reason, and its cancellation is refused by name
      then.accepted(held);
      expect(subscriber.received.filter((change) => change.appointmentId === loserId && change.status === 'REJECTED')[0]).toEqual(
        expect.objectContaining({ insuredId: second, status: 'REJECTED', rejectionReason: 'SLOT_TAKEN' }),
      );
      const cancelled = await developer.cancelAppointment({ insuredId: second, appointmentId: loserId });
      then.refusedWith(cancelled, 'AppointmentNotCancellableError', { message: 'REJECTED' });
    });
  });

  it('given a publish that does not select rejectionReason, when a rejection is published, then a subscriber that asks for it reads null', async () => {
    // Given a subscriber asking for every field of the change
    const insuredId = given.anInsuredPerson();
    const connection = await connectRealtime(stack, { 'x-api-key': stack.apiKey });
    const heard: AppointmentStatusChange[] = [];
    await connection.subscribe<{ onAppointmentStatusChanged: AppointmentStatusChange }>(
      {
        query: `subscription { onAppointmentStatusChanged(insuredId: "${insuredId}") { appointmentId insuredId status rejectionReason updatedAt } }`,
      },
      (data) => heard.push(data.onAppointmentStatusChanged),
    );

    // When an IAM caller publishes a rejection with its reason, selecting everything but the reason
    const change = {
      appointmentId: '01JD0000000000000000000001',
      insuredId,
      scheduleId: 1,
      countryISO: 'PE',
      status: 'REJECTED',
      rejectionReason: 'SLOT_TAKEN',
      updatedAt: new Date().toISOString(),
    };
    const published = await publishAsPipeline(stack, 'appointmentId insuredId status updatedAt', change);
    await waitFor(() => heard.length > 0);
    await connection.close();

    // Then the mutation answers its own selection, and the subscriber gets the reason as null
    expect(published).toEqual({
      data: {
        publishAppointmentStatusChange: { appointmentId: change.appointmentId, insuredId, status: 'REJECTED', updatedAt: change.updatedAt },
      },
    });
    expect(heard).toEqual([
      { appointmentId: change.appointmentId, insuredId, status: 'REJECTED', rejectionReason: null, updatedAt: change.updatedAt },
    ]);
  });

  // Last: it breaks the stack's table on purpose.
  it("given the function fails (its table is gone), when a client lists, then the error is Lambda:Unhandled with the function's message, whatever the error's name", async () => {
    const dynamodb = localDynamoDbClient(stack.dynamodbEndpoint);
    await dynamodb.send(new DeleteTableCommand({ TableName: stack.tableName }));
    dynamodb.destroy();

    const answer = await developer.listAppointments(given.anInsuredPerson());

    then.refusedWith(answer, 'Lambda:Unhandled', { message: /^Requested resource not found$/, path: ['appointments'] });
  });
});

/** The internal publish mutation, signed with SigV4 as the completion worker signs it, selecting `selection`. */
async function publishAsPipeline(stack: LocalStack, selection: string, change: Record<string, unknown>): Promise<unknown> {
  const url = new URL(stack.graphqlUrl);
  const body = JSON.stringify({
    query: `mutation P($change: AppointmentStatusChangeInput!) { publishAppointmentStatusChange(change: $change) { ${selection} } }`,
    variables: { change },
  });
  const signer = new SignatureV4({ credentials: LOCAL_CREDENTIALS, region: LOCAL_REGION, service: 'appsync', sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    }),
  );
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return response.json();
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
