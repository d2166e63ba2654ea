import { AppointmentStatus, type Appointment, type CountryISO } from '../appointment';

/** What a country database holds for one appointment. */
export interface CountryRowSummary {
  readonly appointmentId: string;
  readonly countryISO: CountryISO;
  readonly scheduledAt: Date;
}

export interface ReconciliationPorts {
  /** Every appointment in DynamoDB. */
  readonly appointments: () => AsyncIterable<Appointment> | Iterable<Appointment>;
  /** Every row of every country schema. */
  readonly countryRows: () => AsyncIterable<CountryRowSummary> | Iterable<CountryRowSummary>;
  readonly now?: () => Date;
}

export interface Reconciliation {
  readonly appointmentsChecked: number;
  readonly rowsChecked: number;
  /** PENDING for longer than the threshold: the pipeline lost or is holding it (look in the DLQs). */
  readonly stuckPending: Appointment[];
  /** A country row, older than the threshold, whose appointment is missing or not COMPLETED. */
  readonly rowsWithoutCompletedAppointment: (CountryRowSummary & { status: AppointmentStatus | 'MISSING' })[];
}

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
  const rowsWithoutCompletedAppointment: Reconciliation['rowsWithoutCompletedAppointment'] = [];
  for await (const row of ports.countryRows()) {
    rowsChecked++;
    const status = statusById.get(row.appointmentId);
    if (status !== AppointmentStatus.COMPLETED && row.scheduledAt.getTime() < cutoff) {
      rowsWithoutCompletedAppointment.push({ ...row, status: status ?? 'MISSING' });
    }
  }
  return { appointmentsChecked: statusById.size, rowsChecked, stuckPending, rowsWithoutCompletedAppointment };
}
