import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchWorkerLog } from '../../local/operators/cloudwatch-worker-log';

/** How `npm run smoke -- --email` reads the notification worker's log group in AWS. */
describe("the notification worker's log in CloudWatch Logs", () => {
  const logs = mockClient(CloudWatchLogsClient);
  afterEach(() => logs.reset());
  afterAll(() => logs.restore());

  it("given lines spread over pages, one of them empty, when the check asks for an appointment's lines, then it filters on the quoted id from the booking on and reads every page", async () => {
    // Given FilterLogEvents answering in three pages, the middle one empty (AWS says a page may be)
    const pages = [
      { events: [{ message: '{"appointmentId":"01JA"}', timestamp: 1 }], nextToken: 'page-2' },
      { events: [], nextToken: 'page-3' },
      { events: [{ message: 'INFO {"appointmentId":"01JA","status":"COMPLETED"}', timestamp: 3 }] },
    ];
    // Copied as asked: the SDK's paginator reuses one input object from page to page.
    const asked: object[] = [];
    logs.on(FilterLogEventsCommand).callsFake((input: object) => {
      asked.push(JSON.parse(JSON.stringify(input)) as object);
      return pages.shift();
    });
    const log = new CloudWatchWorkerLog(new CloudWatchLogsClient({ region: 'us-east-1' }), '/aws/lambda/notification-worker');

    // When it looks for the appointment's lines
    const lines = await log.linesMentioning('01JA', new Date(1_000));

    // Then every page was read, each asked the same way
    expect(lines).toEqual([
      { message: '{"appointmentId":"01JA"}', timestamp: 1 },
      { message: 'INFO {"appointmentId":"01JA","status":"COMPLETED"}', timestamp: 3 },
    ]);
    expect(asked).toEqual([
      { logGroupName: '/aws/lambda/notification-worker', filterPattern: '"01JA"', startTime: 1_000 },
      { logGroupName: '/aws/lambda/notification-worker', filterPattern: '"01JA"', startTime: 1_000, nextToken: 'page-2' },
      { logGroupName: '/aws/lambda/notification-worker', filterPattern: '"01JA"', startTime: 1_000, nextToken: 'page-3' },
    ]);
  });
});
