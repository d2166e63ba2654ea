import type { LocalLogger } from '../log';
import type { LocalRouter, RouterEvent } from './router';

/** One JSON line per step a message takes through the router, with the appointmentId when the body has one. */
export function routerEventLogger(logger: LocalLogger, router: LocalRouter): (event: RouterEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'published':
        if (event.queues.length === 0)
          logger.warn('Published; no subscription filter policy matched, so no queue got it', {
            topicArn: event.topicArn,
            messageId: event.messageId,
            ...keysOf(event.body),
          });
        else
          logger.info(`Published to SNS → ${event.queues.join(', ')}`, {
            topicArn: event.topicArn,
            messageId: event.messageId,
            queues: event.queues,
            ...keysOf(event.body),
          });
        return;
      case 'publish-refused':
        logger.warn(`SNS refused the publish (${event.errorCode}, fault injected)`, {
          topicArn: event.topicArn,
          errorCode: event.errorCode,
          ...keysOf(event.body),
        });
        return;
      case 'event-refused':
        logger.warn(`EventBridge refused the event (${event.errorCode}, fault injected)`, {
          eventBusName: event.eventBusName,
          errorCode: event.errorCode,
          ...keysOf(event.body),
        });
        return;
      case 'event-put':
        if (event.rules.length === 0)
          logger.info('Event put; no rule matched', { eventBusName: event.eventBusName, eventId: event.eventId, ...keysOf(event.body) });
        else
          logger.info(`Event put on ${event.eventBusName} → rules ${event.rules.join(', ')}`, {
            eventBusName: event.eventBusName,
            eventId: event.eventId,
            rules: event.rules,
            ...keysOf(event.body),
          });
        return;
      case 'enqueued':
        // SNS and rule deliveries are told by the lines above.
        if (!/^(sns|rule) /.test(event.via))
          logger.info(`Message put on ${event.queue} (${event.via})`, {
            queue: event.queue,
            messageId: event.messageId,
            ...keysOf(event.body),
          });
        return;
      case 'delivered':
        logger.info(`Delivered from ${event.queue} to ${event.consumer}`, {
          queue: event.queue,
          function: event.consumer,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          batchSize: event.batchSize,
          ...keysOf(event.body),
        });
        return;
      case 'processed':
        logger.info(`Processed; deleted from ${event.queue}`, {
          queue: event.queue,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          ...keysOf(event.body),
        });
        return;
      case 'failed': {
        const { maxReceiveCount } = router.queueSettings(event.queue);
        const next = event.receiveCount >= maxReceiveCount ? 'moves to the dead-letter queue' : 'is redelivered';
        logger.warn(`Failed; after its visibility timeout it ${next}`, {
          queue: event.queue,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          maxReceiveCount,
          retryInMs: Math.max(0, event.retryAt - Date.now()),
          reason: event.reason,
          ...keysOf(event.body),
        });
        return;
      }
      case 'dead-lettered':
        logger.error(`Dead-lettered to ${event.deadLetterQueue} after ${event.receiveCount} receives`, {
          queue: event.queue,
          deadLetterQueue: event.deadLetterQueue,
          messageId: event.messageId,
          receiveCount: event.receiveCount,
          ...keysOf(event.body),
        });
        return;
      case 'stale-delete':
        logger.warn('Processed after its visibility timeout ran out: it was received again and stays on the queue', {
          queue: event.queue,
          messageId: event.messageId,
          ...keysOf(event.body),
        });
        return;
      case 'invocation-finished':
        return;
    }
  };
}

/** appointmentId and correlationId from a message body (an appointment request, or an EventBridge event's detail). */
function keysOf(body: string): { appointmentId?: string; correlationId?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  const source = typeof record.detail === 'object' && record.detail !== null ? (record.detail as Record<string, unknown>) : record;
  return {
    ...(typeof source.appointmentId === 'string' ? { appointmentId: source.appointmentId } : {}),
    ...(typeof source.correlationId === 'string' ? { correlationId: source.correlationId } : {}),
  };
}
