import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbAppointmentRepository } from '../core/adapters/dynamodb-appointment-repository';
import { EventBridgeReminderBus, EventBusEntries } from '../core/adapters/eventbridge-bus';
import { parseOrThrow } from '../core/domain/appointment';
import { environment, requiredEnv } from '../core/config/environment';
import { reminderInputSchema } from '../core/messages/appointment-messages';
import { createLogger, withLambdaContext } from '../core/observability/logger';
import { remindOfAppointment } from '../core/use-cases/remind-of-appointment';

const logger = createLogger('reminderWorker');
const appointments = new DynamoDbAppointmentRepository(new DynamoDBClient({}), requiredEnv(environment.appointmentsTableName));
const bus = new EventBridgeReminderBus(new EventBusEntries(new EventBridgeClient({}), requiredEnv(environment.eventBusName)));

/**
 * Invoked by an appointment's one-time schedule (EventBridge Scheduler, asynchronously) with the schedule's Input.
 * A failure throws: Lambda retries the asynchronous invocation (twice), then its on-failure destination records it
 * in the reminders' dead-letter queue. (Scheduler's own retries and DLQ only cover handing the event to Lambda.)
 */
export const handler = withLambdaContext(logger, async (event: unknown) => {
  const input = parseOrThrow(reminderInputSchema, event);
  return { announced: await remindOfAppointment(input, { appointments, bus, logger }) };
});
