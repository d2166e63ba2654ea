import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppointmentStatus, type Appointment, type CountryISO } from '../domain/appointment';
import {
  metricDimensions,
  metricNames,
  metricsNamespace,
  metricsServiceName,
  type EmailSkipReason,
  type NotificationMetrics,
  type PipelineMetrics,
  type ReconciliationMetrics,
} from '../observability/metrics';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/**
 * The pipeline's measurements as CloudWatch embedded-metric-format lines on stdout (Powertools
 * Metrics): CloudWatch Logs turns them into metrics, with no API call on the request's path.
 * Each is written at once with its own dimensions, so nothing waits for a flush at the end of
 * an invocation and a batch's records may each name their own country.
 */
export class PowertoolsPipelineMetrics implements PipelineMetrics, ReconciliationMetrics, NotificationMetrics {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: metricsNamespace, serviceName: metricsServiceName })) {}

  bookingAccepted(countryISO: CountryISO): void {
    this.emit(metricNames.bookingsAccepted, MetricUnit.Count, 1, { [metricDimensions.countryISO]: countryISO });
  }

  bookingRefused(errorType: string): void {
    this.emit(metricNames.bookingsRefused, MetricUnit.Count, 1, { [metricDimensions.errorType]: errorType });
  }

  statusStored(appointment: Appointment): void {
    const country = { [metricDimensions.countryISO]: appointment.countryISO };
    if (appointment.status === AppointmentStatus.CANCELLED)
      return this.emit(metricNames.appointmentsCancelled, MetricUnit.Count, 1, country);
    if (appointment.status === AppointmentStatus.COMPLETED) this.emit(metricNames.appointmentsCompleted, MetricUnit.Count, 1, country);
    else if (appointment.status === AppointmentStatus.REJECTED) {
      this.emit(metricNames.appointmentsRejected, MetricUnit.Count, 1, {
        ...country,
        [metricDimensions.reason]: appointment.rejectionReason ?? 'UNKNOWN',
      });
    } else return;
    // A country's decision: what the insured person waited for since booking.
    const waited = Date.parse(appointment.updatedAt) - Date.parse(appointment.createdAt);
    if (Number.isFinite(waited) && waited >= 0) this.emit(metricNames.decisionTime, MetricUnit.Milliseconds, waited, country);
  }

  statusChangePublished(countryISO: CountryISO): void {
    this.emit(metricNames.statusChangesPublished, MetricUnit.Count, 1, { [metricDimensions.countryISO]: countryISO });
  }

  reconciliationFindings(kind: string, count: number): void {
    this.emit(metricNames.reconciliationFindings, MetricUnit.Count, count, { [metricDimensions.finding]: kind });
  }

  emailSent(countryISO: CountryISO): void {
    this.emit(metricNames.emailsSent, MetricUnit.Count, 1, { [metricDimensions.countryISO]: countryISO });
  }

  emailSkipped(countryISO: CountryISO, reason: EmailSkipReason): void {
    this.emit(metricNames.emailsSkipped, MetricUnit.Count, 1, {
      [metricDimensions.countryISO]: countryISO,
      [metricDimensions.reason]: reason,
    });
  }

  /**
   * One line per metric, flushed at once from the one instance (which then forgets these dimensions): singleMetric()
   * would build a whole Metrics per metric, reading its environment again, 2% of a booking's CPU in a profile.
   */
  private emit(name: string, unit: Unit, value: number, dimensions: Record<string, string>): void {
    this.metrics.addDimensions(dimensions);
    this.metrics.addMetric(name, unit, value);
    this.metrics.publishStoredMetrics();
  }
}
