import { AppointmentStatus, type Appointment, type CountryISO } from '../appointment';
import type { CountrySlotStatus } from '../messages';

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
  readonly now?: () => Date;
}

/** A country row and the appointment status it should have led to, beside the one stored. */
export type RowDisagreement = CountryRowSummary & { appointmentStatus: AppointmentStatus | 'MISSING'; expected: AppointmentStatus | 'NONE' };

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
  return { appointmentsChecked: statusById.size, rowsChecked, stuckPending, rowsDisagreeingWithAppointment };
}
