import { parse } from 'graphql';
import type { AppSyncAnswer, LocalExecutor, SubscriptionOutcome } from '../../local/appsync/executor';
import { PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION } from '../../core/adapters/appsync-slot-availability';
import { SubscriptionFanOut } from '../../local/appsync/subscription-fan-out';
import {
  apiKeyCaller,
  localExecutor,
  pipelineCaller,
  PUBLISH_STATUS_CHANGE,
  requestContext,
  run,
  statusChange,
} from '../support/local-executor';
import { given } from '../steps/given';

/** @aws_subscribe, the owner check at subscribe time and AppSync's filtering by the subscriber's arguments. */
describe('the local AppSync runs subscriptions as AppSync does', () => {
  const SUBSCRIBE =
    'subscription Follow($insuredId: String!) { onAppointmentStatusChanged(insuredId: $insuredId) { appointmentId insuredId status } }';
  const subscribeAs = (
    executor: LocalExecutor,
    caller: Parameters<typeof requestContext>[0],
    insuredId: string,
  ): Promise<SubscriptionOutcome> => executor.subscribe({ document: parse(SUBSCRIBE), variables: { insuredId } }, requestContext(caller));
  const eventsOf = (outcome: SubscriptionOutcome): AsyncIterator<AppSyncAnswer> => {
    if (!('events' in outcome)) throw new Error(`refused: ${JSON.stringify(outcome.refused)}`);
    return outcome.events[Symbol.asyncIterator]();
  };

  it("given subscribers of two insured people, when a change of one is published, then only that one's subscriber hears it", async () => {
    // Given an owner check that admits everyone, and two subscribers
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': () => Promise.resolve({ data: null }) });
    const ofA = eventsOf(await subscribeAs(executor, apiKeyCaller, '00001'));
    const ofB = eventsOf(await subscribeAs(executor, apiKeyCaller, '00002'));

    // When the pipeline publishes a change of 00001, then one of 00002
    await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, { change: statusChange('00001', 'A') });
    await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, { change: statusChange('00002', 'B') });

    // Then each subscriber hears its own change first, and only what it selected
    await expect(ofA.next()).resolves.toEqual({
      done: false,
      value: { data: { onAppointmentStatusChanged: { appointmentId: 'A', insuredId: '00001', status: 'COMPLETED' } } },
    });
    await expect(ofB.next()).resolves.toEqual({
      done: false,
      value: { data: { onAppointmentStatusChanged: { appointmentId: 'B', insuredId: '00002', status: 'COMPLETED' } } },
    });
    await ofA.return?.();
    await ofB.return?.();
  });

  it("given a publish that does not select rejectionReason, when a rejection is published, then the subscriber reads it null, as AppSync sends only the mutation's selection set", async () => {
    // Given a subscriber that asks for the reason
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': () => Promise.resolve({ data: null }) });
    const outcome = await executor.subscribe(
      { document: parse('subscription { onAppointmentStatusChanged(insuredId: "00004") { appointmentId status rejectionReason } }') },
      requestContext(apiKeyCaller),
    );
    const events = eventsOf(outcome);

    // When the pipeline publishes a rejection with its reason, selecting everything but the reason
    const rejection = { ...statusChange('00004', 'R'), status: 'REJECTED', rejectionReason: 'SLOT_TAKEN' };
    const answer = await run(
      executor,
      'mutation P($change: AppointmentStatusChangeInput!) { publishAppointmentStatusChange(change: $change) { appointmentId insuredId status } }',
      pipelineCaller,
      { change: rejection },
    );

    // Then the mutation answers what it selected, and the subscriber hears the reason as null
    expect(answer).toEqual({ data: { publishAppointmentStatusChange: { appointmentId: 'R', insuredId: '00004', status: 'REJECTED' } } });
    await expect(events.next()).resolves.toEqual({
      done: false,
      value: { data: { onAppointmentStatusChanged: { appointmentId: 'R', status: 'REJECTED', rejectionReason: null } } },
    });
    await events.return?.();
  });

  it("given a publish that does not select the subscription's argument, when a change is published, then no subscriber hears it (AppSync cannot filter on what it was not sent)", async () => {
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': () => Promise.resolve({ data: null }) });
    const events = eventsOf(await subscribeAs(executor, apiKeyCaller, '00005'));
    const next = events.next();

    await run(
      executor,
      'mutation P($change: AppointmentStatusChangeInput!) { publishAppointmentStatusChange(change: $change) { appointmentId status } }',
      pipelineCaller,
      {
        change: statusChange('00005', 'S'),
      },
    );
    await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, { change: statusChange('00005', 'T') });

    // The first change is not heard; the second, which selects insuredId, is
    await expect(next).resolves.toEqual({
      done: false,
      value: { data: { onAppointmentStatusChanged: { appointmentId: 'T', insuredId: '00005', status: 'COMPLETED' } } },
    });
    await events.return?.();
  });

  it("given an owner check that refuses, when an insured person subscribes to another insuredId, then the subscription is refused with the resolver's error", async () => {
    const refusal = {
      data: null,
      errorType: 'Unauthorized',
      errorMessage: 'Not authorized to follow appointments of another insured person',
    };
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': () => Promise.resolve(refusal) });

    const outcome = await subscribeAs(executor, given.anInsuredAppSyncCaller('00012'), '00013');

    expect(outcome).toEqual({
      refused: {
        data: null,
        errors: [
          expect.objectContaining({ errorType: 'Unauthorized', path: ['onAppointmentStatusChanged'], message: refusal.errorMessage }),
        ],
      },
    });
  });

  it('given the subscription field admits the API key and user pools only, when IAM subscribes, then it is refused before its resolver runs', async () => {
    const ownerCheck = jest.fn(() => Promise.resolve({ data: null }));
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': ownerCheck });

    const outcome = await subscribeAs(executor, pipelineCaller, '00012');

    expect(outcome).toEqual({
      refused: {
        data: null,
        errors: [
          expect.objectContaining({
            errorType: 'Unauthorized',
            message: 'Not Authorized to access onAppointmentStatusChanged on type Subscription',
          }),
        ],
      },
    });
    expect(ownerCheck).not.toHaveBeenCalled();
  });

  it('given a quiet subscription waiting for its next change, when the client stops it, then it ends at once', async () => {
    // Given a subscription that has heard nothing and is waiting
    const executor = await localExecutor({ 'Subscription.onAppointmentStatusChanged': () => Promise.resolve({ data: null }) });
    const events = eventsOf(await subscribeAs(executor, apiKeyCaller, '00003'));
    const waiting = events.next();

    // When the client stops it
    await events.return?.();

    // Then the pending wait ends as done, and a later change reaches nobody
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    await run(executor, PUBLISH_STATUS_CHANGE, pipelineCaller, { change: statusChange('00003') });
    await expect(events.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('given the fan-out, when subscribers stop, then they are forgotten and a change wakes only the matching ones', async () => {
    // Given three subscribers: two of one insured person, one with no argument filter
    const fanOut = new SubscriptionFanOut();
    const first = fanOut.listen('onChange', { insuredId: '00001' });
    const second = fanOut.listen('onChange', { insuredId: '00001' });
    const everyone = fanOut.listen('onChange', {});

    // When one stops and a change of 00001 is published
    await second.return?.();
    fanOut.publish('onChange', { insuredId: '00001', status: 'COMPLETED' });

    // Then the remaining subscriber of 00001 and the unfiltered one hear it, and the stopped one is gone
    expect(fanOut.subscriberCount('onChange')).toBe(2);
    await expect(first.next()).resolves.toEqual({ done: false, value: { insuredId: '00001', status: 'COMPLETED' } });
    await expect(everyone.next()).resolves.toEqual({ done: false, value: { insuredId: '00001', status: 'COMPLETED' } });
    await expect(second.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('given a subscriber whose argument is null, when changes are published, then it hears only the one whose field is null: a null argument filters, as in AppSync', async () => {
    const fanOut = new SubscriptionFanOut();
    const ofNull = fanOut.listen('onChange', { insuredId: null });

    fanOut.publish('onChange', { insuredId: '00001', status: 'COMPLETED' });
    fanOut.publish('onChange', { insuredId: null, status: 'REJECTED' });

    await expect(ofNull.next()).resolves.toEqual({ done: false, value: { insuredId: null, status: 'REJECTED' } });
  });
});

/**
 * onSlotAvailabilityChanged(countryISO, specialtyId): AppSync matches each argument the subscription gives with the
 * pushed field of that name; one left out filters nothing, one given as null matches only null ("Real-time data",
 * "Argument null value has meaning"). Published with the projector's own mutation document.
 */
describe('the local AppSync filters availability subscribers by their arguments as AppSync does', () => {
  const availabilityChange = (countryISO: 'PE' | 'CL', specialtyId: string, scheduleId: number) => ({
    countryISO,
    specialtyId,
    scheduleId,
    availability: 'TAKEN',
    startsAt: countryISO === 'PE' ? '2026-12-15T10:30:00-05:00' : '2026-12-15T10:30:00-03:00',
    centreId: countryISO === 'PE' ? 'pe-clinica-miraflores' : 'cl-clinica-providencia',
    doctorId: 'dra-quispe',
    version: 2,
  });
  const changes = [
    availabilityChange('PE', 'cardiologia', 1),
    availabilityChange('PE', 'pediatria', 2),
    availabilityChange('CL', 'cardiologia', 3),
    availabilityChange('PE', 'cardiologia', 4),
  ];

  /** Subscribes with `query`, publishes every change with the projector's document, and answers the scheduleIds heard. */
  async function heardBy(
    query: string,
    variables: Record<string, unknown> = {},
    caller: Parameters<typeof requestContext>[0] = apiKeyCaller,
  ): Promise<{ scheduleIds: number[]; outcome: SubscriptionOutcome }> {
    const executor = await localExecutor({});
    const outcome = await executor.subscribe({ document: parse(query), variables }, requestContext(caller));
    if (!('events' in outcome)) return { scheduleIds: [], outcome };
    const events = outcome.events[Symbol.asyncIterator]();
    for (const change of changes) {
      const answer = await run(executor, PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION, pipelineCaller, { change });
      expect(answer.errors).toBeUndefined();
    }
    const scheduleIds: number[] = [];
    // The fan-out queues a change for its subscribers before the publish answers: what is not queued by now never will be.
    for (;;) {
      const next = await Promise.race([events.next(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))]);
      if (!next || next.done) break;
      scheduleIds.push((next.value.data as { onSlotAvailabilityChanged: { scheduleId: number } }).onSlotAvailabilityChanged.scheduleId);
    }
    await events.return?.();
    return { scheduleIds, outcome };
  }
  const SELECTION = '{ countryISO specialtyId scheduleId availability startsAt centreId doctorId version }';

  it('given a subscriber of PE and cardiologia, when changes of both countries and specialties are published, then it hears only the Peruvian cardiology ones, every field as published', async () => {
    const executor = await localExecutor({});
    const outcome = await executor.subscribe(
      { document: parse(`subscription { onSlotAvailabilityChanged(countryISO: PE, specialtyId: "cardiologia") ${SELECTION} }`) },
      requestContext(apiKeyCaller),
    );
    if (!('events' in outcome)) throw new Error(`refused: ${JSON.stringify(outcome.refused)}`);
    const events = outcome.events[Symbol.asyncIterator]();

    for (const change of changes) await run(executor, PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION, pipelineCaller, { change });

    await expect(events.next()).resolves.toEqual({ done: false, value: { data: { onSlotAvailabilityChanged: changes[0] } } });
    await expect(events.next()).resolves.toEqual({ done: false, value: { data: { onSlotAvailabilityChanged: changes[3] } } });
    await events.return?.();
  });

  it.each([
    [
      'of PE with specialtyId left out',
      'it hears every Peruvian change',
      'subscription { onSlotAvailabilityChanged(countryISO: PE) { scheduleId } }',
      {},
      [1, 2, 4],
    ],
    [
      'with specialtyId as a variable',
      'it hears that specialty only',
      'subscription S($c: CountryISO!, $s: ID) { onSlotAvailabilityChanged(countryISO: $c, specialtyId: $s) { scheduleId } }',
      { c: 'PE', s: 'pediatria' },
      [2],
    ],
    [
      'of CL',
      "it hears the Chilean change only, none of Peru's",
      'subscription { onSlotAvailabilityChanged(countryISO: CL) { scheduleId } }',
      {},
      [3],
    ],
    [
      'with specialtyId given as null',
      'it hears nothing: AppSync matches null with a null field, and specialtyId is never null',
      'subscription { onSlotAvailabilityChanged(countryISO: PE, specialtyId: null) { scheduleId } }',
      {},
      [],
    ],
    [
      'with specialtyId a variable the request leaves out',
      'it hears nothing: AppSync takes it as null (aws-appsync-community issue 94)',
      'subscription S($s: ID) { onSlotAvailabilityChanged(countryISO: PE, specialtyId: $s) { scheduleId } }',
      {},
      [],
    ],
  ])(
    'given a subscriber %s, when changes of both countries and specialties are published, then %s',
    async (_given, _then, query, variables, expected) => {
      const { scheduleIds } = await heardBy(query, variables);

      expect(scheduleIds).toEqual(expected);
    },
  );

  it("given an insured person's token, when they follow availability, then they may, with no resolver in the way; IAM may not subscribe, and the API key may not publish", async () => {
    const query = `subscription { onSlotAvailabilityChanged(countryISO: PE) { scheduleId } }`;

    const insured = await heardBy(query, {}, given.anInsuredAppSyncCaller('00012'));
    const iam = await heardBy(query, {}, pipelineCaller);
    const forged = await run(await localExecutor({}), PUBLISH_SLOT_AVAILABILITY_CHANGE_MUTATION, apiKeyCaller, { change: changes[0] });

    expect(insured.scheduleIds).toEqual([1, 2, 4]);
    expect(iam.outcome).toEqual({
      refused: {
        data: null,
        errors: [
          expect.objectContaining({
            errorType: 'Unauthorized',
            message: 'Not Authorized to access onSlotAvailabilityChanged on type Subscription',
          }),
        ],
      },
    });
    expect(forged.errors).toEqual([
      expect.objectContaining({
        errorType: 'Unauthorized',
        message: 'Not Authorized to access publishSlotAvailabilityChange on type Mutation',
      }),
    ]);
  });
});
