import type { SQSEvent } from 'aws-lambda';
import { topology } from '../../core/config/topology';
import type { RouterEvent } from '../../local/router/router';
import type { LocalStack } from '../../local/stack';
import { describeWithMysql } from '../support/mysql';
import { given, http, then, when, type FreeSlots } from '../steps';

// Every queue keeps the topology's batch size, batching window and max receive count;
// only the visibility timeout is cut to a second, so a redelivery takes seconds, not minutes.
const VISIBILITY_TIMEOUT_SECONDS = 1;

describeWithMysql('npm start: messages that keep failing', () => {
  let stack: LocalStack;
  /** Queues whose consumer is "down": every invocation fails, as if the function could not reach its database. */
  const down = new Set<string>();
  /** The last country's: the one whose worker goes down. */
  let slots: FreeSlots;
  const lastCountry = topology.countryRoutes[topology.countryRoutes.length - 1]?.countryISO ?? 'CL';

  beforeAll(async () => {
    stack = await given.aLocalStack({
      adjustQueue: (settings) => ({ ...settings, visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS }),
      hooks: {
        aroundInvoke: (queue: string, event: SQSEvent, invoke: (event: SQSEvent) => Promise<unknown>) =>
          down.has(queue) ? Promise.reject(new Error(`${queue}'s consumer is down (fault injected by the test)`)) : invoke(event),
      },
    });
    slots = await given.freeSlotsIn(stack, { [lastCountry]: 1 });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('a message a country worker cannot read comes back each visibility timeout, then waits in the DLQ', async () => {
    // Given a country queue with its max receive count
    const route = topology.countryRoutes[0];
    if (!route) throw new Error('The topology declares no country');
    const receiveCounts: number[] = [];
    let messageId = '';
    const listener = (event: RouterEvent) => {
      if (event.type === 'delivered' && event.messageId === messageId) receiveCounts.push(event.receiveCount);
    };
    stack.router.on('event', listener);

    // When a message that is not an appointment request lands on it
    messageId = stack.router.sendMessage(route.queueName, 'this is not an appointment', {
      [topology.appointmentRequests.routingAttribute]: { dataType: 'String', stringValue: route.countryISO },
    });
    const deadLettered = await stack.router.waitFor((event) => event.type === 'dead-lettered' && event.messageId === messageId, 20_000);
    stack.router.off('event', listener);

    // Then the worker got it once per allowed receive, each time with a higher receive count
    expect(receiveCounts).toEqual(Array.from({ length: route.maxReceiveCount }, (_, index) => index + 1));
    expect(deadLettered).toMatchObject({
      queue: route.queueName,
      deadLetterQueue: route.deadLetterQueueName,
      receiveCount: route.maxReceiveCount,
    });

    // And an operator finds it in the queue's DLQ, unchanged, and the queue itself is empty
    expect(stack.router.deadLetters(route.queueName)).toContainEqual(
      expect.objectContaining({
        messageId,
        body: 'this is not an appointment',
        attributes: expect.objectContaining({ ApproximateReceiveCount: String(route.maxReceiveCount) }) as unknown,
      }),
    );
    await stack.router.waitForIdle(5_000);
    expect(stack.router.stats()[route.queueName]).toEqual({ messages: 0, inFlightInvocations: 0 });
  }, 30_000);

  it('an appointment whose country was down is completed once its DLQ is redriven', async () => {
    // Given the last country's worker is down
    const route = topology.countryRoutes[topology.countryRoutes.length - 1];
    if (!route) throw new Error('The topology declares no country');
    down.add(route.queueName);
    const developer = when.over(http(stack));
    const insuredId = given.anInsuredPerson();

    // When an appointment is booked there, it is accepted but dead-letters after its receives
    const booked = then.theAppointmentIs(await developer.bookAppointment({ insuredId, ...slots.next(route.countryISO) }), 'PENDING');
    const appointmentId = booked.appointmentId;
    await stack.router.waitFor(
      (event) => event.type === 'dead-lettered' && event.queue === route.queueName && event.body.includes(appointmentId),
      20_000,
    );
    expect(then.listed(await developer.listAppointments(insuredId)).items).toEqual([
      expect.objectContaining({ appointmentId, status: 'PENDING' }),
    ]);

    // And the worker is back and an operator redrives the DLQ
    down.delete(route.queueName);
    const moved = stack.router.redrive(route.deadLetterQueueName);

    // Then the appointment goes through and is COMPLETED, and the DLQ is empty
    expect(moved).toBe(1);
    await then.theAppointmentBecomes(developer, booked, 'COMPLETED', 15_000);
    expect(then.listed(await developer.listAppointments(insuredId)).items).toEqual([
      expect.objectContaining({ appointmentId, status: 'COMPLETED' }),
    ]);
    expect(stack.router.deadLetters(route.queueName)).toEqual([]);
  }, 45_000);
});
