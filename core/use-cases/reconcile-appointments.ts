import type { Appointment, CountryISO } from '../domain/appointment';
// From the generated types, not domain/appointment: the reconciler's bundle then carries no input validation (zod).
import { AppointmentStatus } from '../graphql/types.generated';
import type { CountrySlotStatus } from '../messages/appointment-messages';
import type { ReconciliationMetrics } from '../observability/metrics';
import type { StructuredLogger } from '../ports';
import { retryWindowSeconds, topology } from '../config/topology';
import { reconcileSlotReadModel, type SlotDrift, type SlotReconciliation, type SlotReconciliationPorts } from './reconcile-slot-read-model';

/**
 * How long the pipeline may still be working on a change: its country queue, then the confirmation queue (an
 * appointment's decision) or the slot-availability queue (a slot's snapshot), each retrying it until its max receive
 * count, a visibility timeout apart. Younger PENDING appointments may yet complete, and a younger change to a slot
 * may yet reach the read model, on their own.
 */
export const PIPELINE_RETRY_WINDOW_MS =
  (Math.max(...topology.countryRoutes.map(retryWindowSeconds)) +
    Math.max(retryWindowSeconds(topology.confirmations), retryWindowSeconds(topology.slotAvailability))) *
  1000;

/** What a country database holds for one appointment. */
export interface CountryRowSummary {
  readonly appointmentId: string;
  readonly countryISO: CountryISO;
  readonly scheduleId: number;
  readonly status: CountrySlotStatus;
  readonly scheduledAt: Date;
}

export interface ReconciliationPorts {
  /** Every appointment in DynamoDB. */
  readonly appointments: () => AsyncIterable<Appointment> | Iterable<Appointment>;
  /** Every row of every country schema. */
  readonly countryRows: () => AsyncIterable<CountryRowSummary> | Iterable<CountryRowSummary>;
  /** The slot read model and the country catalogs; absent where the catalogs are out of reach (the local stack without MySQL). */
  readonly slots?: SlotReconciliationPorts;
  readonly now?: () => Date;
}

/** A country row and the appointment status it should have led to, beside the one stored. */
export type RowDisagreement = CountryRowSummary & {
  appointmentStatus: AppointmentStatus | 'MISSING';
  expected: AppointmentStatus | 'NONE';
};

export interface Reconciliation {
  readonly appointmentsChecked: number;
  readonly rowsChecked: number;
  /** PENDING for longer than the threshold: the pipeline lost or is holding it (look in the DLQs). */
  readonly stuckPending: Appointment[];
  /**
   * A country row, older than the threshold, whose appointment does not have the status the row
   * leads to: a lost decision (look in the confirmation DLQ), a cancellation that has not freed its
   * slot yet (cancel again), or an OVERBOOKED row from before slots were enforced (staff must rebook).
   */
  readonly rowsDisagreeingWithAppointment: RowDisagreement[];
  /** The read model against the catalogs: undefined when they were not compared (no `slots` ports). */
  readonly slots?: SlotReconciliation;
}

/** The appointment status each country row status leads to; an OVERBOOKED row always needs a person. */
const expectedAppointmentStatus: { readonly [Row in CountrySlotStatus]: AppointmentStatus | 'NONE' } = {
  SCHEDULED: AppointmentStatus.COMPLETED,
  REJECTED: AppointmentStatus.REJECTED,
  CANCELLED: AppointmentStatus.CANCELLED,
  OVERBOOKED: 'NONE',
};

/**
 * Compares DynamoDB with the country schemas. Anything younger than `olderThanMs`
 * may still be travelling through the pipeline, so it is not reported.
 */
export async function reconcileAppointments(olderThanMs: number, ports: ReconciliationPorts): Promise<Reconciliation> {
  const cutoff = (ports.now?.() ?? new Date()).getTime() - olderThanMs;
  const statusById = new Map<string, AppointmentStatus>();
  const stuckPending: Appointment[] = [];
  for await (const appointment of ports.appointments()) {
    statusById.set(appointment.appointmentId, appointment.status);
    if (appointment.status === AppointmentStatus.PENDING && Date.parse(appointment.createdAt) < cutoff) {
      stuckPending.push(appointment);
    }
  }
  let rowsChecked = 0;
  const rowsDisagreeingWithAppointment: RowDisagreement[] = [];
  for await (const row of ports.countryRows()) {
    rowsChecked++;
    const appointmentStatus = statusById.get(row.appointmentId) ?? 'MISSING';
    const expected = expectedAppointmentStatus[row.status];
    if (appointmentStatus !== expected && row.scheduledAt.getTime() < cutoff) {
      rowsDisagreeingWithAppointment.push({ ...row, appointmentStatus, expected });
    }
  }
  // The same cutoff, taken before the read model is read: a change older than it had the whole retry window to arrive.
  const slots = ports.slots ? await reconcileSlotReadModel(cutoff, ports.slots) : undefined;
  return { appointmentsChecked: statusById.size, rowsChecked, stuckPending, rowsDisagreeingWithAppointment, ...(slots && { slots }) };
}

/** The kinds of finding, each with its own remedy: what operators count, alarm on and read in the logs. */
export const findingKinds = ['stuckPending', 'lostDecision', 'cancellationNotFreed', 'overbooked', 'slotReadModelDrift'] as const;
export type FindingKind = (typeof findingKinds)[number];

/** What names the case of each kind in its log lines: an operator looks it up by this key. */
export const findingCaseKey: { readonly [Kind in FindingKind]: 'appointmentId' | 'scheduleId' } = {
  stuckPending: 'appointmentId',
  lostDecision: 'appointmentId',
  cancellationNotFreed: 'appointmentId',
  overbooked: 'appointmentId',
  slotReadModelDrift: 'scheduleId',
};

/**
 * The slots of one run whose drift is logged line by line; the metric counts them all. A lost read model would
 * otherwise write a line per slot of the catalog (~24,000 for the demo) every run.
 */
export const MAX_SLOT_DRIFTS_LOGGED = 100;

/** Which kind of finding a disagreeing country row is. */
export function findingKindOf(row: RowDisagreement): Exclude<FindingKind, 'stuckPending' | 'slotReadModelDrift'> {
  if (row.status === 'OVERBOOKED') return 'overbooked';
  if (row.status === 'SCHEDULED' && row.appointmentStatus === AppointmentStatus.CANCELLED) return 'cancellationNotFreed';
  return 'lostDecision';
}

/** What to do about a finding of each kind, in words an operator acts on. */
export const remedyFor: { readonly [Kind in FindingKind]: string } = {
  stuckPending: "look for it in the DLQs (npm run redrive, or the SQS console in AWS) and the workers' logs",
  lostDecision: `the decision was lost or is held: look in ${topology.confirmations.deadLetterQueueName}`,
  cancellationNotFreed: 'the cancellation has not freed the slot: cancel the appointment again',
  overbooked: 'its slot was booked twice before slots were enforced; the first booking keeps it, so rebook this insured person',
  slotReadModelDrift: `the read model missed the slot's latest snapshot: look for it in ${topology.slotAvailability.deadLetterQueueName} and the country DLQs, and in the slot projector's logs`,
};

export interface ReportedReconciliationPorts extends ReconciliationPorts {
  readonly metrics: ReconciliationMetrics;
  readonly logger: StructuredLogger;
}

/**
 * The scheduled reconciliation: compares the stores, logs each finding on a line of its own with
 * its appointment id (so an alarm leads to the cases), and counts every kind, zeros included (a
 * missing data point then means the reconciliation did not run, never that it found nothing).
 */
export async function reportReconciliation(olderThanMs: number, ports: ReportedReconciliationPorts): Promise<Reconciliation> {
  const result = await reconcileAppointments(olderThanMs, ports);
  const counts = Object.fromEntries(findingKinds.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  for (const appointment of result.stuckPending) {
    counts.stuckPending++;
    const { appointmentId, insuredId, countryISO, scheduleId, createdAt } = appointment;
    ports.logger.warn(`Reconciliation finding: stuckPending: ${remedyFor.stuckPending}`, {
      finding: 'stuckPending',
      appointmentId,
      insuredId,
      countryISO,
      scheduleId,
      createdAt,
    });
  }
  for (const row of result.rowsDisagreeingWithAppointment) {
    const kind = findingKindOf(row);
    counts[kind]++;
    const { appointmentId, countryISO, scheduleId, status, appointmentStatus, expected } = row;
    ports.logger.warn(`Reconciliation finding: ${kind}: ${remedyFor[kind]}`, {
      finding: kind,
      appointmentId,
      countryISO,
      scheduleId,
      rowStatus: status,
      appointmentStatus,
      expected,
    });
  }
  reportSlotDrifts(result.slots?.slotsDrifting ?? [], ports.logger);
  counts.slotReadModelDrift = result.slots?.slotsDrifting.length ?? 0;
  for (const kind of findingKinds) ports.metrics.reconciliationFindings(kind, counts[kind]);
  ports.logger.info('Reconciliation done', {
    appointmentsChecked: result.appointmentsChecked,
    rowsChecked: result.rowsChecked,
    ...(result.slots && {
      readModelSlotsChecked: result.slots.readModelSlotsChecked,
      countrySlotsChecked: result.slots.countrySlotsChecked,
    }),
    olderThanMs,
    ...counts,
  });
  return result;
}

/** A line per drifting slot with its scheduleId and both states, up to MAX_SLOT_DRIFTS_LOGGED, then one line for the rest. */
function reportSlotDrifts(drifts: readonly SlotDrift[], logger: StructuredLogger): void {
  const kind = 'slotReadModelDrift';
  for (const drift of drifts.slice(0, MAX_SLOT_DRIFTS_LOGGED)) {
    const { countryISO, scheduleId, reason, country, readModel } = drift;
    logger.warn(`Reconciliation finding: ${kind}: ${remedyFor[kind]}`, {
      finding: kind,
      countryISO,
      scheduleId,
      drift: reason,
      countryAvailability: country.availability,
      countryVersion: country.version,
      countryChangedAt: country.changedAt.toISOString(),
      readModelAvailability: readModel === 'MISSING' ? 'MISSING' : readModel.availability,
      ...(readModel !== 'MISSING' && { readModelVersion: readModel.version }),
    });
  }
  if (drifts.length > MAX_SLOT_DRIFTS_LOGGED) {
    logger.warn(`Reconciliation finding: ${kind}: ${drifts.length - MAX_SLOT_DRIFTS_LOGGED} more slots drift than are logged`, {
      finding: kind,
      notLogged: drifts.length - MAX_SLOT_DRIFTS_LOGGED,
    });
  }
}
