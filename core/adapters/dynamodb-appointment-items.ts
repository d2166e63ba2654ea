import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { appointmentsTable } from '../config/appointments-table';
import type { Appointment, PendingReschedule } from '../graphql/types.generated';

/*
 * Appointment items as DynamoDB holds them, read apart from DynamoDbAppointmentRepository: the reconciler only
 * scans, and bundling the repository's writes it never makes kept its deployed bundle at the 512 KB limit.
 */

/** The move its country has not decided yet (Appointment.pendingReschedule). */
export const PENDING_MOVE = 'pendingReschedule';

/** Every appointment in the table, its insured people's slot claims left out (reconciliation, operators). */
export async function* scanAppointments(documents: DynamoDBDocumentClient, tableName: string): AsyncIterable<Appointment> {
  for await (const page of paginateScan({ client: documents }, { TableName: tableName })) {
    for (const item of page.Items ?? []) {
      if (!String(item[appointmentsTable.sortKey]).startsWith(appointmentsTable.slotClaimPrefix)) yield toAppointment(item);
    }
  }
}

export function toAppointment(item: Record<string, unknown>): Appointment {
  return {
    appointmentId: item.appointmentId as string,
    insuredId: item.insuredId as string,
    scheduleId: item.scheduleId as number,
    countryISO: item.countryISO as Appointment['countryISO'],
    status: item.status as Appointment['status'],
    rejectionReason: (item.rejectionReason as Appointment['rejectionReason'] | undefined) ?? null,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    // Appointments booked before the catalog have none.
    slot: (item.slot as Appointment['slot'] | undefined) ?? null,
    pendingReschedule: (item[PENDING_MOVE] as PendingReschedule | undefined) ?? null,
    // Appointments stored before rescheduling existed have no history.
    movedFrom: (item.movedFrom as Appointment['movedFrom'] | undefined) ?? [],
  };
}
