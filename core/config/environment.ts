/**
 * The environment variables the Lambda entry files read. The CDK stack and the
 * local stack set them by these names, so a name is written once.
 */
export const environment = {
  appointmentsTableName: 'APPOINTMENTS_TABLE_NAME',
  /** The slot read model (core/config/slot-read-model.ts): availableSlots and catalog read it, the projector writes it. */
  slotsTableName: 'SLOTS_TABLE_NAME',
  appointmentRequestsTopicArn: 'APPOINTMENT_REQUESTS_TOPIC_ARN',
  eventBusName: 'APPOINTMENTS_EVENT_BUS_NAME',
  /** The country a country worker serves (`PE`, `CL`, …). */
  countryISO: 'COUNTRY_ISO',
  /** Secrets Manager secret with the RDS credentials (AWS). */
  mysqlSecretArn: 'MYSQL_SECRET_ARN',
  /** mysql://user:password@host:port (local stack and tests); wins over the secret when set. */
  mysqlUrl: 'MYSQL_URL',
  /** `memory` keeps country rows in the worker's memory: the local stack without MySQL only. */
  countryStore: 'COUNTRY_STORE',
  /** The AppSync GraphQL endpoint the completion worker and the slot projector publish their changes to (SigV4). */
  graphqlUrl: 'APPOINTMENTS_GRAPHQL_URL',
  /** The DynamoDB table of the notification worker's idempotency records (Powertools idempotency). */
  idempotencyTableName: 'IDEMPOTENCY_TABLE_NAME',
  /** The Cognito user pool whose accounts hold the insured people's addresses. */
  userPoolId: 'USER_POOL_ID',
  /** The verified SES identity emails are sent from (`cdk deploy -c senderEmail=…`). */
  senderEmail: 'SENDER_EMAIL',
  /** EventBridge Scheduler's group of the reminders' one-time schedules (the completion worker creates them there). */
  reminderScheduleGroup: 'REMINDER_SCHEDULE_GROUP',
  /** What a reminder's schedule invokes: the reminder worker's ARN. */
  reminderTargetArn: 'REMINDER_TARGET_ARN',
  /** The role Scheduler assumes to invoke it, which may invoke that function only. */
  reminderRoleArn: 'REMINDER_ROLE_ARN',
  /** Where Scheduler puts a reminder it could not deliver (an SQS queue's ARN). */
  reminderDeadLetterArn: 'REMINDER_DEAD_LETTER_ARN',
  /** How long before its start an appointment is reminded of, in minutes (default: the topology's, 24 hours). */
  reminderLeadMinutes: 'REMINDER_LEAD_MINUTES',
  /** Connections one worker instance may hold. */
  mysqlConnectionLimit: 'MYSQL_CONNECTION_LIMIT',
} as const;

export type EnvironmentName = (typeof environment)[keyof typeof environment];

export function requiredEnv(name: EnvironmentName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}
