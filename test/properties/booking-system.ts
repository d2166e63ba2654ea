import type { Pool } from 'mysql2/promise';
import { DynamoDbAppointmentRepository } from '../../core/adapters/dynamodb-appointment-repository';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { MysqlCountryAppointments } from '../../core/adapters/mysql-country-appointments';
import { MysqlSlotCatalog } from '../../core/adapters/mysql-slot-catalog';
import { countries } from '../../core/domain/countries';
import type { Caller } from '../../core/domain/caller';
import type { Appointment, AppointmentStatusChange } from '../../core/graphql/types.generated';
import type { CountryMessage, CountryOutcome } from '../../core/messages/appointment-messages';
import type { AppointmentKey, AppointmentRepository, MoveSettlement, StatusChangeRequest, StructuredLogger } from '../../core/ports';
import { applyCountryOutcome, type ApplyCountryOutcomePorts } from '../../core/use-cases/apply-country-outcome';
import { bookOrCancelInCountry, type BookOrCancelInCountryPorts } from '../../core/use-cases/book-or-cancel-in-country';
import { cancelAppointment, type CancelAppointmentPorts } from '../../core/use-cases/cancel-appointment';
import { createAppointment, type CreateAppointmentPorts } from '../../core/use-cases/create-appointment';
import { rescheduleAppointment, type RescheduleAppointmentPorts } from '../../core/use-cases/reschedule-appointment';
import type { Country, CountryMessage as ModelMessage, Decision } from '../model/booking-model';
import type { TestTable } from '../support/dynamodb';

/**
 * The real system for the booking properties: the use cases as the functions run them, on dynalite (the API's
 * store and the slot read model) and MariaDB (the countries' rows), with the two queues between them held here
 * in memory. The test decides which message is delivered when, how often, and whether its worker "crashes" after
 * its work and before SQS hears it finished, standing for SQS's at-least-once, unordered delivery.
 */

/** One stored change of an appointment, as the repository saw it before and after (NONE: not stored; GONE: discarded). */
export interface StoredChange {
  readonly appointmentId: string;
  readonly from: Appointment['status'] | 'NONE';
  readonly to: Appointment['status'] | 'GONE';
  readonly by: string;
}

/**
 * The repository, recording every change it stores: reads the item before and after each write. Steps that run
 * requests at once (racing bookings) write other items meanwhile, never another status of the same one.
 */
export class RecordingRepository implements AppointmentRepository {
  readonly changes: StoredChange[] = [];

  constructor(readonly inner: DynamoDbAppointmentRepository) {}

  async create(appointment: Appointment): Promise<void> {
    await this.inner.create(appointment);
    this.changes.push({ appointmentId: appointment.appointmentId, from: 'NONE', to: appointment.status, by: 'create' });
  }

  get(key: AppointmentKey): Promise<Appointment | undefined> {
    return this.inner.get(key);
  }

  claimSlot(appointment: Appointment, replacing?: string) {
    return this.inner.claimSlot(appointment, replacing);
  }

  releaseSlotClaim(appointment: Appointment): Promise<void> {
    return this.inner.releaseSlotClaim(appointment);
  }

  listByInsured(insuredId: string, page: { limit: number; cursor?: string }) {
    return this.inner.listByInsured(insuredId, page);
  }

  changeStatus(key: AppointmentKey, change: StatusChangeRequest) {
    return this.recorded(key, 'changeStatus', () => this.inner.changeStatus(key, change));
  }

  discardPending(key: AppointmentKey): Promise<boolean> {
    return this.recorded(key, 'discardPending', () => this.inner.discardPending(key));
  }

  keepAnswered(key: AppointmentKey): Promise<boolean> {
    return this.inner.keepAnswered(key);
  }

  requestMove(key: AppointmentKey, move: Parameters<AppointmentRepository['requestMove']>[1], fromScheduleId: number) {
    return this.recorded(key, 'requestMove', () => this.inner.requestMove(key, move, fromScheduleId));
  }

  settleMove(key: AppointmentKey, settlement: MoveSettlement) {
    return this.recorded(key, 'settleMove', () => this.inner.settleMove(key, settlement));
  }

  private async recorded<T>(key: AppointmentKey, by: string, write: () => Promise<T>): Promise<T> {
    const before = await this.inner.get(key);
    const result = await write();
    const after = await this.inner.get(key);
    const from = before?.status ?? 'NONE';
    const to = after?.status ?? 'GONE';
    if (from !== to) this.changes.push({ appointmentId: key.appointmentId, from, to, by });
    return result;
  }
}

const quiet: StructuredLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The API key's caller: acts as staff, so any insured person's appointments. */
export const developer: Caller = { kind: 'developer' };

export interface BookingSystem {
  readonly appointments: RecordingRepository;
  readonly countryQueue: CountryMessage[];
  readonly confirmationQueue: CountryOutcome[];
  readonly create: CreateAppointmentPorts;
  readonly cancel: CancelAppointmentPorts;
  readonly reschedule: RescheduleAppointmentPorts;
  readonly inCountry: Record<Country, BookOrCancelInCountryPorts>;
  readonly completion: ApplyCountryOutcomePorts;
  /** What subscribers were pushed, in the order the completion worker published it. */
  readonly pushes: AppointmentStatusChange[];
  /** How many of the next publishes SNS refuses (after the SDK's own retries): an outage, or a passing one. */
  refusedPublishes: number;
  deliverToCountry(message: CountryMessage): Promise<void>;
  deliverDecision(outcome: CountryOutcome): Promise<void>;
}

/** A fresh pair of queues and a fresh change log around the shared table and database. */
export function aBookingSystem(table: TestTable, pool: Pool): BookingSystem {
  const appointments = new RecordingRepository(new DynamoDbAppointmentRepository(table.client, table.tableName));
  const slots = new DynamoDbSlotReadModel(table.client, table.slotsTableName);
  const countryQueue: CountryMessage[] = [];
  const confirmationQueue: CountryOutcome[] = [];
  const requests = {
    publish: (message: CountryMessage): Promise<void> => {
      if (system.refusedPublishes > 0) {
        system.refusedPublishes -= 1;
        // Refused after the SDK's retries, which take their backoff: racing requests go on meanwhile.
        return new Promise((_, reject) => setTimeout(() => reject(new Error('SNS refused the publish')), 20));
      }
      countryQueue.push(message);
      return Promise.resolve();
    },
  };
  const inCountry = (countryISO: Country): BookOrCancelInCountryPorts => ({
    countryAppointments: new MysqlCountryAppointments(pool, countries[countryISO]),
    outcomes: {
      publish: (outcome) => {
        confirmationQueue.push(outcome);
        return Promise.resolve();
      },
    },
    slots: new MysqlSlotCatalog(pool, countries[countryISO]),
    // The slot read model's feed is not under test here: the run's slots are written into the read model directly.
    availability: { announce: () => Promise.resolve() },
    logger: quiet,
  });
  const pushes: AppointmentStatusChange[] = [];
  const completion: ApplyCountryOutcomePorts = {
    appointments,
    subscribers: {
      publish: (change) => {
        pushes.push(change);
        return Promise.resolve();
      },
    },
    eventBus: { announce: () => Promise.resolve() },
    logger: quiet,
    metrics: { statusStored: () => undefined, statusChangePublished: () => undefined },
    reminders: { schedule: () => Promise.resolve(), remove: () => Promise.resolve() },
    reminderLeadMinutes: 24 * 60,
  };
  const system: BookingSystem = {
    appointments,
    countryQueue,
    confirmationQueue,
    create: {
      appointments,
      requests,
      slots,
      logger: quiet,
      metrics: { bookingAccepted: () => undefined, bookingRefused: () => undefined },
    },
    cancel: { appointments, requests, logger: quiet, metrics: { statusStored: () => undefined } },
    reschedule: { appointments, requests, slots, logger: quiet },
    inCountry: { PE: inCountry('PE'), CL: inCountry('CL') },
    completion,
    pushes,
    refusedPublishes: 0,
    deliverToCountry: (message) => bookOrCancelInCountry(message, system.inCountry[message.countryISO]),
    deliverDecision: (outcome) => applyCountryOutcome(outcome, completion),
  };
  return system;
}

export const book = (system: BookingSystem, insuredId: string, countryISO: Country, scheduleId: number, correlationId: string) =>
  createAppointment({ insuredId, scheduleId, countryISO }, developer, correlationId, system.create);

export const cancel = (system: BookingSystem, appointment: AppointmentKey, correlationId: string) =>
  cancelAppointment(
    { insuredId: appointment.insuredId, appointmentId: appointment.appointmentId },
    developer,
    correlationId,
    system.cancel,
  );

export const reschedule = (system: BookingSystem, appointment: AppointmentKey, scheduleId: number, correlationId: string) =>
  rescheduleAppointment(
    { insuredId: appointment.insuredId, appointmentId: appointment.appointmentId, scheduleId },
    developer,
    correlationId,
    system.reschedule,
  );

/** A real country message as the model writes it, to compare the two queues. */
export function asModelMessage(message: CountryMessage): ModelMessage {
  const { appointmentId, scheduleId } = message;
  const countryISO = message.countryISO;
  switch (message.type) {
    case 'AppointmentCancellationRequested':
      return { kind: 'cancel', appointmentId, countryISO, scheduleId };
    case 'AppointmentRescheduleRequested':
      return { kind: 'move', appointmentId, countryISO, scheduleId, to: message.toScheduleId, moveId: message.moveId };
    default:
      return { kind: 'book', appointmentId, countryISO, scheduleId };
  }
}

/** A real decision as the model writes it. */
export function asModelDecision(outcome: CountryOutcome): Decision {
  const { appointmentId } = outcome.detail;
  switch (outcome.detailType) {
    case 'AppointmentScheduled':
      return { kind: 'scheduled', appointmentId, scheduleId: outcome.detail.scheduleId };
    case 'AppointmentRejected':
      return { kind: 'rejected', appointmentId, scheduleId: outcome.detail.scheduleId };
    case 'AppointmentCancelled':
      return { kind: 'cancelled', appointmentId, scheduleId: outcome.detail.scheduleId };
    case 'AppointmentRescheduled':
      return { kind: 'moved', appointmentId, moveId: outcome.detail.moveId };
    case 'AppointmentRescheduleRefused':
      return { kind: 'moveRefused', appointmentId, moveId: outcome.detail.moveId };
  }
}
