import { topology } from '../../core/config/topology';
import type { Appointment } from '../../core/graphql/types.generated';
import { CORRELATION_HEADER } from '../../core/observability/correlation';
import type { PostRequest } from '../../core/adapters/kept-alive-post';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { given, type FreeSlots } from '../steps';
import { apiClient, newInsuredId, pollUntil } from './client';

type LogLine = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What an on-call person reads: each function's log line carries the appointment and the
 * client's correlation id beside the Lambda invocation it came from (request id, function name,
 * cold start), as Powertools writes them in AWS, so a line leads to its invocation and back.
 * Country rows stay in memory: the lines are what is checked here, not where the rows live.
 */
describe('the functions log lines', () => {
  let stack: LocalStack;
  let slots: FreeSlots;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      inMemoryCountryStore: true,
      // Nothing passed through from the developer's shell (POWERTOOLS_DEV would print each line over several).
      env: {},
      log: (line) => {
        if (line.startsWith('{')) lines.push(JSON.parse(line) as LogLine);
      },
    });
    // Written into the read model, not published: a publication would run Peru's country worker before the first
    // booking, which must meet it cold. The country books them as it books slots its catalog lacks.
    slots = await given.slotsInTheCatalog(stack, { PE: 3 });
  }, 60_000);
  afterAll(async () => stack?.stop());

  /** Books over HTTP as an app does, sending its own correlation id. */
  async function book(correlationId: string): Promise<Appointment> {
    const withCorrelation: PostRequest = (url, init) =>
      fetch(url, { ...init, headers: { ...init.headers, [CORRELATION_HEADER]: correlationId } });
    const answer = await apiClient(stack, { post: withCorrelation }).createAppointment({
      insuredId: newInsuredId(),
      ...slots.next('PE'),
    });
    if (!answer.data?.createAppointment) throw new Error(`Booking refused: ${JSON.stringify(answer.errors)}`);
    return answer.data.createAppointment;
  }

  const lineOf = (service: string, message: string, appointmentId: string) =>
    pollUntil(
      () =>
        Promise.resolve(lines.find((line) => line.service === service && line.message === message && line.appointmentId === appointmentId)),
      (line) => line !== undefined,
      20_000,
    );

  /** The Lambda context Powertools adds to a line of the local function `functionName`. */
  const invocationOf = (functionName: string, coldStart: boolean) => ({
    function_name: functionName,
    function_arn: stack.functions.get(functionName)?.arn,
    function_memory_size: String(topology.functionMemoryMB),
    function_request_id: expect.stringMatching(UUID) as unknown,
    cold_start: coldStart,
  });

  it('given the first booking of a fresh stack, sent with a correlation id, when each function handles it, then each line carries the appointment, that correlation id and its own cold invocation', async () => {
    const booked = await book('on-call-first-1');

    const accepted = await lineOf('createAppointment', 'Appointment accepted as PENDING', booked.appointmentId);
    const scheduled = await lineOf('countryWorker', 'Country announced AppointmentScheduled', booked.appointmentId);
    const completed = await lineOf('completionWorker', 'Appointment COMPLETED', booked.appointmentId);

    const sameAppointment = { appointmentId: booked.appointmentId, correlationId: 'on-call-first-1' };
    // The first invocation of every sandbox is a cold start, even of one started ahead (as Lambda reports it).
    expect(accepted).toEqual(expect.objectContaining({ ...sameAppointment, ...invocationOf('Mutation-createAppointment', true) }));
    expect(scheduled).toEqual(
      expect.objectContaining({ ...sameAppointment, countryISO: 'PE', ...invocationOf('country-worker-appointments-pe', true) }),
    );
    expect(completed).toEqual(
      expect.objectContaining({ ...sameAppointment, ...invocationOf('completion-worker-appointment-confirmations', true) }),
    );
    // Three functions, three invocations: the request ids differ, the correlation id ties them together.
    expect(new Set([accepted, scheduled, completed].map((line) => line?.function_request_id)).size).toBe(3);
  });

  it('given a booking after another, when the same resolver sandbox accepts it, then its line is warm and names its own request id', async () => {
    // Two bookings, so that the second meets a sandbox that has answered before, whichever test ran first.
    const firstRequestId = (
      await lineOf('createAppointment', 'Appointment accepted as PENDING', (await book('on-call-warm-2')).appointmentId)
    )?.function_request_id;
    const booked = await book('on-call-warm-3');

    const accepted = await lineOf('createAppointment', 'Appointment accepted as PENDING', booked.appointmentId);

    expect(accepted).toEqual(
      expect.objectContaining({
        appointmentId: booked.appointmentId,
        correlationId: 'on-call-warm-3',
        ...invocationOf('Mutation-createAppointment', false),
      }),
    );
    expect(accepted?.function_request_id).not.toEqual(firstRequestId);
  });
});
