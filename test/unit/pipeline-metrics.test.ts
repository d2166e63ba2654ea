import { PowertoolsPipelineMetrics } from '../../core/adapters/powertools-pipeline-metrics';
import { AppointmentStatus, type Appointment } from '../../core/domain/appointment';
import { metricNames, metricsNamespace } from '../../core/observability/metrics';
import { anAppointment } from '../support/appointments';

/** One embedded-metric-format line as CloudWatch Logs reads it: the metric's value and its dimensions. */
interface EmfLine {
  readonly _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  readonly [key: string]: unknown;
}

describe("the pipeline metrics, as CloudWatch reads them from the functions' output", () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const emitted = () =>
    written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('CloudWatchMetrics'))
      .map((line) => JSON.parse(line) as EmfLine)
      .map((line) => {
        const [definition] = line._aws.CloudWatchMetrics;
        const metric = definition?.Metrics[0];
        const dimensions = Object.fromEntries((definition?.Dimensions[0] ?? []).map((name) => [name, line[name]]));
        return { namespace: definition?.Namespace, name: metric?.Name, unit: metric?.Unit, value: line[metric?.Name ?? ''], dimensions };
      });
  const decided = (status: AppointmentStatus, changes: Partial<Appointment> = {}) =>
    anAppointment(status, { updatedAt: '2026-11-29T10:00:00.450Z', ...changes });

  it('given a booking accepted and one refused, when they are measured, then each is one count with its country or its errorType', () => {
    const metrics = new PowertoolsPipelineMetrics();

    metrics.bookingAccepted('CL');
    metrics.bookingRefused('ValidationError');

    expect(emitted()).toEqual([
      {
        namespace: metricsNamespace,
        name: metricNames.bookingsAccepted,
        unit: 'Count',
        value: 1,
        dimensions: { service: 'appointments', countryISO: 'CL' },
      },
      {
        namespace: metricsNamespace,
        name: metricNames.bookingsRefused,
        unit: 'Count',
        value: 1,
        dimensions: { service: 'appointments', errorType: 'ValidationError' },
      },
    ]);
  });

  it('given one email sent and one skipped, when measured, then each is one count by country, the skip with its reason (what the dashboard reads)', () => {
    const metrics = new PowertoolsPipelineMetrics();

    metrics.emailSent('PE');
    metrics.emailSkipped('CL', 'NO_VERIFIED_ADDRESS');

    expect(emitted()).toEqual([
      {
        namespace: metricsNamespace,
        name: metricNames.emailsSent,
        unit: 'Count',
        value: 1,
        dimensions: { service: 'appointments', countryISO: 'PE' },
      },
      {
        namespace: metricsNamespace,
        name: metricNames.emailsSkipped,
        unit: 'Count',
        value: 1,
        dimensions: { service: 'appointments', countryISO: 'CL', reason: 'NO_VERIFIED_ADDRESS' },
      },
    ]);
  });

  it('given a COMPLETED appointment stored 450 ms after its booking, when measured, then it counts as completed and its decision time is 450 ms', () => {
    new PowertoolsPipelineMetrics().statusStored(decided(AppointmentStatus.COMPLETED));

    expect(emitted().map(({ name, value, dimensions }) => ({ name, value, dimensions }))).toEqual([
      { name: metricNames.appointmentsCompleted, value: 1, dimensions: { service: 'appointments', countryISO: 'PE' } },
      { name: metricNames.decisionTime, value: 450, dimensions: { service: 'appointments', countryISO: 'PE' } },
    ]);
  });

  it('given a REJECTED appointment, when measured, then it counts as rejected with its reason, and its decision time is measured too', () => {
    new PowertoolsPipelineMetrics().statusStored(decided(AppointmentStatus.REJECTED, { rejectionReason: 'SLOT_TAKEN' }));

    expect(emitted().map(({ name, dimensions }) => ({ name, dimensions }))).toEqual([
      { name: metricNames.appointmentsRejected, dimensions: { service: 'appointments', countryISO: 'PE', reason: 'SLOT_TAKEN' } },
      { name: metricNames.decisionTime, dimensions: { service: 'appointments', countryISO: 'PE' } },
    ]);
  });

  it('given a cancellation stored, when measured, then it counts as cancelled and no decision time: the insured person decided, not the country', () => {
    new PowertoolsPipelineMetrics().statusStored(decided(AppointmentStatus.CANCELLED));

    expect(emitted().map(({ name }) => name)).toEqual([metricNames.appointmentsCancelled]);
  });

  it('given a status change pushed to the subscribers, when measured, then it counts as published for its country', () => {
    new PowertoolsPipelineMetrics().statusChangePublished('PE');

    expect(emitted().map(({ name, dimensions }) => ({ name, dimensions }))).toEqual([
      { name: metricNames.statusChangesPublished, dimensions: { service: 'appointments', countryISO: 'PE' } },
    ]);
  });
});
