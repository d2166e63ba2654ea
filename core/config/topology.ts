import { countryISOs } from '../domain/countries';
import { environment } from './environment';
import type { CountryISO } from '../graphql/types.generated';

/**
 * The routing topology: the single declaration of how an appointment travels.
 * The CDK stack builds its topic, queues, rule and event sources from it and the
 * local stack routes messages by it, so no name, filter or pattern is written twice.
 */

export interface QueueSettings {
  /** Logical name: the CDK construct id and the local queue's name. */
  readonly queueName: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** At least six times the worker's timeout, as AWS advises for SQS event sources. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Concurrent worker invocations at most: keeps MySQL connections bounded. */
  readonly maxConcurrency: number;
  readonly workerTimeoutSeconds: number;
  readonly deadLetterQueueName: string;
}

/** A Lambda entry file, relative to the repository root, and the environment it is given beyond the shared names. */
export interface LambdaEntry {
  readonly entry: string;
  readonly environment?: { readonly [name: string]: string };
}

export interface CountryRoute extends QueueSettings {
  readonly countryISO: CountryISO;
  /** SNS subscription filter policy on the message attributes. */
  readonly filterPolicy: { readonly [attribute: string]: readonly string[] };
  /** The country worker, deployed once per country from one module. */
  readonly consumer: LambdaEntry;
}

/** SNS message attribute that carries the country and that filter policies match. */
export const ROUTING_ATTRIBUTE = 'countryISO';

const workerQueueDefaults = {
  batchSize: 10,
  // No window: a decision someone is waiting for goes out at once; under a backlog the poller fills batches anyway.
  maxBatchingWindowSeconds: 0,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  maxConcurrency: 2,
  workerTimeoutSeconds: 10,
} as const;

/** The one event bus: country decisions and stored status changes travel on it. */
const eventBusName = 'appointments';
const countryOutcomeSource = 'appointments.country-worker';
const statusChangeSource = 'appointments.completion-worker';
const statusChangeDetailType = 'AppointmentStatusChanged';
const reminderSource = 'appointments.reminder-worker';
const reminderDetailType = 'AppointmentReminderDue';
/** The detail-type of each decision a country announces, and the status it gives the appointment. */
const countryOutcomeDetailTypes = [
  'AppointmentScheduled',
  'AppointmentRejected',
  'AppointmentCancelled',
  'AppointmentRescheduled',
  'AppointmentRescheduleRefused',
] as const;
/** The detail-type of a slot's state, which a country announces after every change to one of its catalog's slots. */
const slotAvailabilityDetailType = 'SlotAvailabilityChanged';

/**
 * An internal mutation a worker calls with SigV4 (IAM only) so that AppSync pushes its result to the subscription
 * that names it in @aws_subscribe. NONE data source: the mutation answers with its own input. `code` is its
 * APPSYNC_JS resolver file, deployed by the CDK stack and run by the local stack.
 */
export interface PublishMutation {
  readonly typeName: 'Mutation';
  readonly fieldName: string;
  readonly subscriptionFieldName: string;
  readonly code: string;
}

const statusChanges = {
  typeName: 'Mutation',
  fieldName: 'publishAppointmentStatusChange',
  subscriptionFieldName: 'onAppointmentStatusChanged',
  code: 'resolvers/Mutation.publishAppointmentStatusChange.ts',
} as const satisfies PublishMutation;

const slotAvailabilityChanges = {
  typeName: 'Mutation',
  fieldName: 'publishSlotAvailabilityChange',
  subscriptionFieldName: 'onSlotAvailabilityChanged',
  code: 'resolvers/Mutation.publishSlotAvailabilityChange.ts',
} as const satisfies PublishMutation;

export const topology = {
  appointmentRequests: {
    topicName: 'appointment-requests',
    routingAttribute: ROUTING_ATTRIBUTE,
  },
  countryRoutes: countryISOs.map((countryISO): CountryRoute => ({
    ...workerQueueDefaults,
    countryISO,
    queueName: `appointments-${countryISO.toLowerCase()}`,
    deadLetterQueueName: `appointments-${countryISO.toLowerCase()}-dlq`,
    filterPolicy: { [ROUTING_ATTRIBUTE]: [countryISO] },
    consumer: { entry: 'workers/country-worker.ts', environment: { [environment.countryISO]: countryISO } },
  })),
  /** Country workers announce each decision on this bus; one rule takes them all to the confirmation queue. */
  countryOutcomes: {
    eventBusName,
    source: countryOutcomeSource,
    detailTypes: countryOutcomeDetailTypes,
    ruleName: 'country-outcomes-to-confirmations',
    rulePattern: {
      source: [countryOutcomeSource],
      'detail-type': [...countryOutcomeDetailTypes],
    },
  },
  confirmations: {
    ...workerQueueDefaults,
    queueName: 'appointment-confirmations',
    deadLetterQueueName: 'appointment-confirmations-dlq',
    consumer: { entry: 'workers/completion-worker.ts' } satisfies LambdaEntry,
  } satisfies QueueSettings & { consumer: LambdaEntry },
  /**
   * What the completion worker announces on the bus after storing a status (and again on a redelivery):
   * every consumer of what an appointment became subscribes to this, never to a country's raw decision.
   */
  statusChangeEvents: {
    eventBusName,
    source: statusChangeSource,
    detailType: statusChangeDetailType,
  },
  /**
   * The insured person's email: a rule takes every announced status change to the email queue, whose
   * notification worker sends each (appointment, status) once. Idempotency records outlive the DLQ's
   * 14-day retention, so a redriven or redelivered change never sends a second email.
   */
  emailNotifications: {
    ...workerQueueDefaults,
    queueName: 'appointment-emails',
    deadLetterQueueName: 'appointment-emails-dlq',
    ruleName: 'status-changes-to-emails',
    // Reminders travel the same route, so they keep its once-only guarantee.
    rulePattern: { source: [statusChangeSource, reminderSource], 'detail-type': [statusChangeDetailType, reminderDetailType] },
    idempotencyDays: 15,
    consumer: { entry: 'workers/notification-worker.ts' } satisfies LambdaEntry,
  } satisfies QueueSettings & { ruleName: string; rulePattern: object; idempotencyDays: number; consumer: LambdaEntry },
  /**
   * One reminder email per COMPLETED appointment, `leadMinutes` before it starts: the completion worker keeps one
   * EventBridge Scheduler one-time schedule per appointment in this group (named from its id, replaced when it
   * moves, deleted when it is cancelled, deleted by Scheduler once fired). The schedule invokes the reminder
   * worker, which re-reads the appointment and, if it still starts then, puts AppointmentReminderDue on the bus
   * for the email route. A reminder Scheduler cannot deliver goes to the dead-letter queue.
   */
  reminders: {
    scheduleGroupName: 'appointment-reminders',
    schedulePrefix: 'reminder-',
    leadMinutes: 24 * 60,
    source: reminderSource,
    detailType: reminderDetailType,
    /** Where a reminder no retry delivered waits: Scheduler's dead-letter events and the worker's on-failure records. */
    deadLetterQueueName: 'appointment-reminders-dlq',
    /** Scheduler's retries when it cannot hand the invocation to Lambda (throttled, not found) before the dead-letter queue. */
    retryAttempts: 3,
    /**
     * Lambda's retries of the worker's own failures: Scheduler invokes it asynchronously, so Scheduler's retries never
     * see them; after these (2 is Lambda's most) the on-failure destination sends the record to the dead-letter queue.
     */
    asyncRetryAttempts: 2,
    timeoutSeconds: 10,
    consumer: { entry: 'workers/reminder-worker.ts' } satisfies LambdaEntry,
  },
  /**
   * The slot read model: a country announces each slot's state after every change (published, booked, freed,
   * withdrawn) and a rule takes those events to the availability queue, whose projector keeps the newest
   * version of each slot in DynamoDB, where availableSlots and catalog read.
   */
  slotAvailability: {
    ...workerQueueDefaults,
    // Publications arrive a thousand slots at a time: full batches, and a few projectors, drain them sooner.
    maxConcurrency: 4,
    queueName: 'slot-availability',
    deadLetterQueueName: 'slot-availability-dlq',
    eventBusName,
    source: countryOutcomeSource,
    detailType: slotAvailabilityDetailType,
    ruleName: 'slot-availability-to-read-model',
    rulePattern: { source: [countryOutcomeSource], 'detail-type': [slotAvailabilityDetailType] },
    consumer: { entry: 'workers/slot-projector.ts' } satisfies LambdaEntry,
  } satisfies QueueSettings & {
    eventBusName: string;
    source: string;
    detailType: string;
    ruleName: string;
    rulePattern: object;
    consumer: LambdaEntry;
  },
  /**
   * The fields a Lambda function answers: one function per field, its file named after it. AppSync gives up on
   * a Lambda data source after 30 s. A subscription's resolver runs once, when a client subscribes (the owner check).
   */
  resolvers: [
    { typeName: 'Mutation', fieldName: 'createAppointment', entry: 'resolvers/Mutation.createAppointment.ts', timeoutSeconds: 10 },
    { typeName: 'Mutation', fieldName: 'cancelAppointment', entry: 'resolvers/Mutation.cancelAppointment.ts', timeoutSeconds: 10 },
    {
      typeName: 'Mutation',
      fieldName: 'rescheduleAppointment',
      entry: 'resolvers/Mutation.rescheduleAppointment.ts',
      timeoutSeconds: 10,
    },
    { typeName: 'Query', fieldName: 'appointments', entry: 'resolvers/Query.appointments.ts', timeoutSeconds: 10 },
    { typeName: 'Query', fieldName: 'availableSlots', entry: 'resolvers/Query.availableSlots.ts', timeoutSeconds: 10 },
    { typeName: 'Query', fieldName: 'catalog', entry: 'resolvers/Query.catalog.ts', timeoutSeconds: 10 },
    { typeName: 'Mutation', fieldName: 'publishSlots', entry: 'resolvers/Mutation.publishSlots.ts', timeoutSeconds: 10 },
    { typeName: 'Mutation', fieldName: 'withdrawSlot', entry: 'resolvers/Mutation.withdrawSlot.ts', timeoutSeconds: 10 },
    {
      typeName: 'Subscription',
      fieldName: 'onAppointmentStatusChanged',
      entry: 'resolvers/Subscription.onAppointmentStatusChanged.ts',
      timeoutSeconds: 10,
    },
  ],
  /**
   * The APPSYNC_JS resolver of every field in `resolvers`: it invokes the field's function with the event a direct
   * Lambda resolver gets and raises the errors the function answers with under their own errorType.
   */
  lambdaResolverCode: 'resolvers/lambda-data-source.ts',
  /**
   * The internal mutation the completion worker calls (IAM) after each stored status change;
   * AppSync resolves it with a NONE data source and pushes it to onAppointmentStatusChanged.
   */
  statusChanges,
  /** The internal mutation the slot projector calls (IAM) once the read model holds a slot's new state; pushed to onSlotAvailabilityChanged. */
  slotAvailabilityChanges,
  /** Every internal publish mutation: each gets its NONE data source and resolver, in AWS and locally, and only its own worker may call it. */
  publishMutations: [statusChanges, slotAvailabilityChanges],
  /**
   * The reconciliation, run on a schedule (EventBridge Scheduler in AWS, the local scheduler under
   * npm start): it reports only what is older than the pipeline's retries, so running every 5 minutes
   * adds at most 5 minutes to the time a stuck appointment takes to be seen, for a scan of the table
   * and of every country's rows each time.
   */
  reconciliation: {
    entry: 'workers/reconciler.ts',
    everyMinutes: 5,
    timeoutSeconds: 60,
  } satisfies LambdaEntry & { everyMinutes: number; timeoutSeconds: number },
  /** Memory of every function, the CDK stack's and the local stack's (Lambda scales CPU with it). */
  functionMemoryMB: 512,
} as const;

/**
 * How long a queue keeps retrying a message before its DLQ holds it: max receive count times the
 * visibility timeout, plus the batching window. Past that a message is dead-lettered or its worker is not consuming.
 */
export function retryWindowSeconds(queue: QueueSettings): number {
  return queue.visibilityTimeoutSeconds * queue.maxReceiveCount + queue.maxBatchingWindowSeconds;
}

export function countryRoute(countryISO: CountryISO): CountryRoute {
  const route = topology.countryRoutes.find((candidate) => candidate.countryISO === countryISO);
  if (!route) throw new Error(`No route is declared for country ${countryISO}`);
  return route;
}
