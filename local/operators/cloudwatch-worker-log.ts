import { paginateFilterLogEvents, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LogLine, NotificationWorkerLog } from './confirmation-email';

/**
 * The notification worker's log group through CloudWatch Logs' FilterLogEvents: the quoted term as the
 * filter pattern (a term match, whatever the line's format), from `since`, every page to the end
 * (a page may come back empty while more follow: the API reference's `nextToken`,
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html).
 * Needs logs:FilterLogEvents on the group.
 */
export class CloudWatchWorkerLog implements NotificationWorkerLog {
  constructor(
    private readonly client: CloudWatchLogsClient,
    readonly logGroupName: string,
  ) {}

  async linesMentioning(term: string, since: Date): Promise<readonly LogLine[]> {
    const lines: LogLine[] = [];
    const pages = paginateFilterLogEvents(
      { client: this.client },
      { logGroupName: this.logGroupName, filterPattern: JSON.stringify(term), startTime: since.getTime() },
    );
    for await (const page of pages) {
      for (const event of page.events ?? [])
        if (event.message !== undefined && event.timestamp !== undefined)
          lines.push({ message: event.message, timestamp: event.timestamp });
    }
    return lines;
  }
}
