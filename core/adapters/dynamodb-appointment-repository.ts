import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AppointmentStatus, statusesLeadingTo, type Appointment } from '../appointment';
import { appointmentsTable } from '../appointments-table';
import { AppointmentNotFoundError, ValidationError } from '../errors';
import type { AppointmentKey, AppointmentRepository, Completion } from '../ports';

const INVALID_TOKEN = 'nextToken is not valid for this insuredId: pass the nextToken of the previous page unchanged';

/** Appointments in DynamoDB: pk insuredId, sk appointmentId (a ULID). */
export class DynamoDbAppointmentRepository implements AppointmentRepository {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async create(appointment: Appointment): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: appointment,
        ConditionExpression: 'attribute_not_exists(#sk)',
        ExpressionAttributeNames: { '#sk': appointmentsTable.sortKey },
      }),
    );
  }

  async listByInsured(
    insuredId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: Appointment[]; cursor?: string }> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :insuredId',
        ExpressionAttributeNames: { '#pk': appointmentsTable.partitionKey },
        ExpressionAttributeValues: { ':insuredId': insuredId },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, insuredId),
      }),
    );
    const items = (result.Items ?? []).map(toAppointment);
    // DynamoDB may hand back a LastEvaluatedKey when the page ended exactly at the last item;
    // a client would then fetch an empty page, which is harmless.
    return { items, cursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : undefined };
  }

  async markCompleted(key: AppointmentKey, now: Date): Promise<Completion> {
    // The statuses the domain allows to become COMPLETED, as :from0, :from1, …
    const from: Record<string, string> = {};
    statusesLeadingTo(AppointmentStatus.COMPLETED).forEach((status, index) => (from[`:from${index}`] = status));
    try {
      const updated = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          // The stored appointment comes back with the same call, for the status-change notification.
          ReturnValues: 'ALL_NEW',
          UpdateExpression: 'SET #status = :completed, #updatedAt = :now',
          ConditionExpression: `attribute_exists(#sk) AND #status IN (${Object.keys(from).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt', '#sk': appointmentsTable.sortKey },
          ExpressionAttributeValues: {
            ':completed': AppointmentStatus.COMPLETED,
            ':now': now.toISOString(),
            ...from,
          },
        }),
      );
      return { outcome: 'completed', appointment: toAppointment(updated.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // The condition failed: find out whether it was done already or was never there.
    const current = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }),
    );
    if (current.Item?.status === AppointmentStatus.COMPLETED) return { outcome: 'already-completed', appointment: toAppointment(current.Item) };
    if (!current.Item) throw new AppointmentNotFoundError(`Appointment ${key.appointmentId} of insured ${key.insuredId} does not exist`);
    throw new Error(`Appointment ${key.appointmentId} is ${String(current.Item.status)} and cannot become COMPLETED`);
  }

  /** Every appointment, page by page: for operators' reconciliation, never for a request path. */
  async *scanAll(): AsyncIterable<Appointment> {
    for await (const page of paginateScan({ client: this.documents }, { TableName: this.tableName })) {
      for (const item of page.Items ?? []) yield toAppointment(item);
    }
  }

  async discardPending(key: AppointmentKey): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': AppointmentStatus.PENDING },
        }),
      );
    } catch (error) {
      // Gone already, or the pipeline got it after all: either way nothing is left waiting.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function keyOf(key: AppointmentKey) {
  return {
    [appointmentsTable.partitionKey]: key.insuredId,
    [appointmentsTable.sortKey]: key.appointmentId,
  };
}

function toAppointment(item: Record<string, unknown>): Appointment {
  return {
    appointmentId: item.appointmentId as string,
    insuredId: item.insuredId as string,
    scheduleId: item.scheduleId as number,
    countryISO: item.countryISO as Appointment['countryISO'],
    status: item.status as Appointment['status'],
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

// The cursor is the LastEvaluatedKey, base64url JSON: opaque to clients, checked on the way back.
function encodeCursor(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

function decodeCursor(cursor: string, insuredId: string): Record<string, string> {
  let key: unknown;
  try {
    key = <unknown>JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError([INVALID_TOKEN]);
  }
  const record = key as Record<string, unknown> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    Object.keys(record).length !== 2 ||
    record[appointmentsTable.partitionKey] !== insuredId ||
    typeof record[appointmentsTable.sortKey] !== 'string'
  ) {
    throw new ValidationError([INVALID_TOKEN]);
  }
  return record as Record<string, string>;
}
