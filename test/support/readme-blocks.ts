/**
 * The README's first booking, as a person types it into the explorer. The explorer test runs these
 * texts in a real browser, and test/unit/readme.test.ts checks that the README shows exactly them
 * (with SCHEDULE_ID and insuredId 00012), so the README quotes only what a test runs.
 */
export const firstBookingMutation = (scheduleId: number | 'SCHEDULE_ID') => `mutation {
  createAppointment(input: { insuredId: "00012", scheduleId: ${scheduleId}, countryISO: PE }) {
    appointmentId status createdAt
  }
}`;

export const statusChangesSubscription = (insuredId: string) =>
  `subscription { onAppointmentStatusChanged(insuredId: "${insuredId}") { appointmentId status updatedAt } }`;
