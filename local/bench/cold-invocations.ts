import { AppointmentStatus, type Appointment, type CountryISO } from '../../core/domain/appointment';
import { environment } from '../../core/config/environment';
import { countryRoute, topology } from '../../core/config/topology';
import { allDeployedFunctions } from '../../infra/bundling';
import { STAFF_GROUP } from '../../core/domain/caller';
import { appSyncEvent, cognitoIdentity, eventBridgeDeliveryRecord, snsRawDeliveryRecord, sqsEvent } from '../lambda/aws-events';
import type { LocalStack } from '../stack';
import type { Bundle } from './cold-start';

/**
 * The event and environment one cold invocation of a deployed bundle gets, as the local stack configures
 * that function (the benchmark, the deployed-bundles test); `samples` are appointments the stack completed,
 * `freshSlots` slots of the catalog no one holds (one to book, one to withdraw). None for the functions the local stack does not run (the schema
 * migration at deploy, the Cognito trigger); an environment but no event for rescheduleAppointment (see below).
 */
export function coldInvocation(
  bundle: Bundle,
  stack: LocalStack,
  samples: ReadonlyMap<CountryISO, Appointment>,
  freshSlots: { readonly toBook: number; readonly toWithdraw: number },
): { event: unknown; env: Record<string, string> } | undefined {
  const local = [...stack.functions.values()].find((fn) => deployedIdOf(fn.definition) === bundle.id);
  if (!local) return undefined;
  const env = { ...local.definition.environment };
  // An appointment the pipeline phase completed: the workers meet it again, as on a redelivery.
  const sample = samples.get((env[environment.countryISO] ?? 'PE') as CountryISO);
  if (!sample) return undefined;
  const { countryISO } = sample;
  const request = {
    appointmentId: sample.appointmentId,
    insuredId: sample.insuredId,
    scheduleId: sample.scheduleId,
    countryISO,
    correlationId: 'cold-start',
  };
  const events: Record<string, unknown> = {
    'resolvers/Mutation.createAppointment.ts': appSyncEvent('Mutation', 'createAppointment', {
      input: { insuredId: '99998', scheduleId: freshSlots.toBook, countryISO: 'PE' },
    }),
    // Cancelling the sample again after the first run answers CANCELLED and re-sends the cancellation, as a client's retry does.
    'resolvers/Mutation.cancelAppointment.ts': appSyncEvent('Mutation', 'cancelAppointment', {
      insuredId: request.insuredId,
      appointmentId: request.appointmentId,
    }),
    // No event for rescheduleAppointment: its ordinary path needs an appointment of its own per run (a move pending
    // refuses the next, a move made leaves nothing to move to), so only its load is measured.
    'resolvers/Query.appointments.ts': appSyncEvent('Query', 'appointments', { insuredId: request.insuredId }),
    'resolvers/Subscription.onAppointmentStatusChanged.ts': appSyncEvent('Subscription', 'onAppointmentStatusChanged', {
      insuredId: request.insuredId,
    }),
    'workers/country-worker.ts': sqsEvent(
      snsRawDeliveryRecord(
        {
          Message: JSON.stringify({ ...request, createdAt: sample.createdAt }),
          MessageAttributes: { [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: countryISO } },
        },
        countryRoute(countryISO).queueName,
      ),
    ),
    'workers/completion-worker.ts': sqsEvent(
      eventBridgeDeliveryRecord(
        {
          Source: topology.countryOutcomes.source,
          DetailType: 'AppointmentScheduled',
          Detail: JSON.stringify({ ...request, scheduledAt: new Date().toISOString() }),
        },
        topology.confirmations.queueName,
      ),
    ),
    // The completed sample's change as the completion worker announced it: a redelivery, answered from its
    // idempotency record (or sent, through the local user pool and SES, if there is none).
    'workers/notification-worker.ts': sqsEvent(
      eventBridgeDeliveryRecord(
        {
          Source: topology.statusChangeEvents.source,
          DetailType: topology.statusChangeEvents.detailType,
          // COMPLETED whatever the sample's copy says: the bench keeps each booking as its answer gave it (PENDING).
          Detail: JSON.stringify({ ...request, status: AppointmentStatus.COMPLETED, rejectionReason: null, updatedAt: sample.updatedAt }),
        },
        topology.emailNotifications.queueName,
      ),
    ),
    ...catalogEvents(freshSlots.toWithdraw),
    // EventBridge Scheduler invokes with no input; the reconciler reads both stores whole.
    [topology.reconciliation.entry]: {},
    // A reminder of a start the sample never had: read again, and dropped as no longer due.
    [topology.reminders.consumer.entry]: { ...request, remindsOf: '2030-01-01T09:00:00-05:00' },
  };
  return { event: events[local.definition.entry], env };
}

/** The construct id infra/bundling.ts gives the function the local stack runs from this entry. */
function deployedIdOf(definition: { entry: string; environment: Readonly<Record<string, string>> }): string | undefined {
  const countryISO = definition.environment[environment.countryISO];
  return allDeployedFunctions.find((fn) => fn.entry === definition.entry && (!countryISO || fn.id.endsWith(`-${countryISO}`)))?.id;
}

/** The catalog's functions: a week of Lima's free slots, its catalog, a doctor's hour published by staff, a withdrawal, and a slot's state. */
function catalogEvents(toWithdraw: number): Record<string, unknown> {
  const now = Date.now();
  const date = new Date(now + 7 * 86_400_000).toISOString().slice(0, 10);
  const staff = cognitoIdentity({ username: 'cold-start-agent', claims: {}, groups: [STAFF_GROUP] });
  const slot = {
    countryISO: 'PE',
    scheduleId: 2_000_000_001,
    centre: { centreId: 'pe-cold-start', name: 'Centro de prueba', attributes: { district: 'Lima' } },
    specialty: { specialtyId: 'medicina-general', name: 'Medicina General' },
    doctor: { doctorId: 'cold-start', name: 'Dra. Prueba' },
    startsAt: `${date}T14:00:00.000Z`,
    endsAt: `${date}T14:20:00.000Z`,
    availability: 'FREE',
    version: 1,
    correlationId: 'cold-start',
  };
  return {
    'resolvers/Query.availableSlots.ts': appSyncEvent('Query', 'availableSlots', {
      countryISO: 'PE',
      from: new Date(now).toISOString(),
      to: new Date(now + 7 * 86_400_000).toISOString(),
    }),
    'resolvers/Query.catalog.ts': appSyncEvent('Query', 'catalog', { countryISO: 'PE' }),
    'resolvers/Mutation.publishSlots.ts': appSyncEvent(
      'Mutation',
      'publishSlots',
      {
        input: {
          countryISO: 'PE',
          centre: { centreId: slot.centre.centreId, name: slot.centre.name, peru: { district: 'Lima' } },
          specialty: slot.specialty,
          doctor: slot.doctor,
          sessions: [{ date, from: '09:00', to: '10:00', everyMinutes: 20 }],
        },
      },
      {},
      staff,
    ),
    'resolvers/Mutation.withdrawSlot.ts': appSyncEvent('Mutation', 'withdrawSlot', { countryISO: 'PE', scheduleId: toWithdraw }, {}, staff),
    [topology.slotAvailability.consumer.entry]: sqsEvent(
      eventBridgeDeliveryRecord(
        { Source: topology.slotAvailability.source, DetailType: topology.slotAvailability.detailType, Detail: JSON.stringify(slot) },
        topology.slotAvailability.queueName,
      ),
    ),
  };
}
