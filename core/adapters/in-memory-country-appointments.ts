import type { Country } from '../countries';
import type { AppointmentRequested } from '../messages';
import type { CountryAppointmentStore } from '../ports';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';

/**
 * Country rows kept in the worker's memory: the local stack's fallback when the
 * machine has no MySQL, so bookings still complete. Lost on restart; never used in AWS.
 */
export class InMemoryCountryAppointments implements CountryAppointmentStore {
  readonly countryISO: Country['iso'];
  private readonly rows = new Map<string, CountryRowSummary>();

  constructor(country: Country) {
    this.countryISO = country.iso;
  }

  save(request: AppointmentRequested): Promise<void> {
    if (!this.rows.has(request.appointmentId)) {
      this.rows.set(request.appointmentId, { appointmentId: request.appointmentId, countryISO: this.countryISO, scheduledAt: new Date() });
    }
    return Promise.resolve();
  }

  allRows(): Iterable<CountryRowSummary> {
    return this.rows.values();
  }
}
