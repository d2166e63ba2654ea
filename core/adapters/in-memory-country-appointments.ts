import type { Country } from '../domain/countries';
import type { AppointmentCancellationRequested, AppointmentRequested, CountrySlotStatus } from '../messages/appointment-messages';
import type { CountryAppointmentStore } from '../ports';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';

/**
 * Country rows kept in the worker's memory: the local stack's fallback when the
 * machine has no MySQL, so bookings still complete. The same rules as MySQL's
 * schema: one SCHEDULED row per slot, decisions kept on redelivery, cancellations
 * remembered before their booking arrives. Lost on restart; never used in AWS.
 */
export class InMemoryCountryAppointments implements CountryAppointmentStore {
  readonly countryISO: Country['iso'];
  private readonly rows = new Map<string, CountryRowSummary>();
  /** scheduleId → the appointment whose SCHEDULED row holds it. */
  private readonly slotHolders = new Map<number, string>();

  constructor(country: Country) {
    this.countryISO = country.iso;
  }

  book(request: AppointmentRequested): Promise<CountrySlotStatus> {
    const existing = this.rows.get(request.appointmentId);
    if (existing) return Promise.resolve(existing.status);
    const status = this.slotHolders.has(request.scheduleId) ? 'REJECTED' : 'SCHEDULED';
    if (status === 'SCHEDULED') this.slotHolders.set(request.scheduleId, request.appointmentId);
    this.rows.set(request.appointmentId, this.row(request, status));
    return Promise.resolve(status);
  }

  cancel(cancellation: AppointmentCancellationRequested): Promise<CountrySlotStatus> {
    const existing = this.rows.get(cancellation.appointmentId);
    if (existing?.status === 'SCHEDULED') this.slotHolders.delete(existing.scheduleId);
    this.rows.set(cancellation.appointmentId, existing ? { ...existing, status: 'CANCELLED' } : this.row(cancellation, 'CANCELLED'));
    return Promise.resolve('CANCELLED');
  }

  allRows(): Iterable<CountryRowSummary> {
    return this.rows.values();
  }

  private row(message: AppointmentRequested | AppointmentCancellationRequested, status: CountrySlotStatus): CountryRowSummary {
    return {
      appointmentId: message.appointmentId,
      countryISO: this.countryISO,
      scheduleId: message.scheduleId,
      status,
      scheduledAt: new Date(),
    };
  }
}
