import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { DynamoDbSlotReadModel } from '../../core/adapters/dynamodb-slot-read-model';
import { freeSlotFilters } from '../../core/config/slot-read-model';
import type { SlotSnapshot } from '../../core/domain/slots';
import type { FreeSlotQuery } from '../../core/ports';

/**
 * What the tables' adapters (core/adapters/dynamodb-*.ts) really ask of DynamoDB, each
 * request as IAM authorizes it: the action, and the index a Query names. The infra tests hold each function's
 * rights to exactly these, so a right nobody uses, or a request without its right, fails here and not in AWS.
 */

/** The IAM action of each single-item or single-table command; any other (batch, transaction) fails loudly, to be added here with its own rights. */
const actions = new Map<unknown, string>([
  [GetCommand, 'dynamodb:GetItem'],
  [PutCommand, 'dynamodb:PutItem'],
  [UpdateCommand, 'dynamodb:UpdateItem'],
  [DeleteCommand, 'dynamodb:DeleteItem'],
  [QueryCommand, 'dynamodb:Query'],
  [ScanCommand, 'dynamodb:Scan'],
]);

/** A request to the table: `dynamodb:GetItem`, or `dynamodb:Query index/<name>` for one on an index. */
export type TableRequest = string;

/** A slot as a country announces it: FREE, version 1, in Lima. */
export function aSlotSnapshot(overrides: Partial<SlotSnapshot> = {}): SlotSnapshot {
  return {
    countryISO: 'PE',
    scheduleId: 4200,
    centre: { centreId: 'pe-clinica-san-felipe', name: 'Clínica San Felipe', attributes: { district: 'Jesús María' } },
    specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
    doctor: { doctorId: 'pe-alvarez', name: 'Ángela Álvarez' },
    startsAt: '2026-12-15T13:00:00.000Z',
    endsAt: '2026-12-15T13:15:00.000Z',
    availability: 'FREE',
    version: 1,
    ...overrides,
  };
}

/**
 * The distinct requests `run` makes of the table through a fresh adapter. DynamoDB answers every request with
 * nothing found, except a conditional put, which fails its condition when `stale` (the version check) and whose
 * replaced item is `replaced`, and a GetItem, which finds `stored`.
 */
export function requestsOf(
  run: (model: DynamoDbSlotReadModel) => Promise<unknown>,
  answers: { stale?: boolean; replaced?: SlotSnapshot; stored?: SlotSnapshot } = {},
): Promise<TableRequest[]> {
  return tableRequestsOf(
    'slots',
    (documents) => {
      documents.on(QueryCommand).resolves({ Items: [] });
      documents.on(GetCommand).resolves({ Item: answers.stored });
      documents.on(PutCommand).callsFake((input: { ConditionExpression?: string }) => {
        if (input.ConditionExpression === undefined) return {};
        if (answers.stale) throw conditionFailed();
        return { Attributes: answers.replaced };
      });
    },
    (client) => run(new DynamoDbSlotReadModel(client, 'slots')),
  );
}

export const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/**
 * The distinct requests `run` makes of the table `tableName` through a client whose DynamoDB answers `{}` to
 * everything but what `answer` sets up on the document client's mock.
 */
export async function tableRequestsOf(
  tableName: string,
  answer: (documents: AwsClientStub<DynamoDBDocumentClient>) => void,
  run: (client: DynamoDBClient) => Promise<unknown>,
): Promise<TableRequest[]> {
  const documents = mockClient(DynamoDBDocumentClient);
  try {
    documents.onAnyCommand().resolves({});
    answer(documents);
    await run(new DynamoDBClient({ region: 'us-east-1' }));
    const requests = documents.calls().map((call) => {
      const command = call.args[0] as { constructor: unknown; input: { TableName?: string; IndexName?: string } };
      const action = actions.get(command.constructor);
      if (!action) throw new Error(`The adapter sent a command this test does not know: ${String(command.constructor)}`);
      if (command.input.TableName !== tableName) throw new Error(`The adapter sent ${action} to another table: ${command.input.TableName}`);
      return command.input.IndexName === undefined ? action : `${action} index/${command.input.IndexName}`;
    });
    return [...new Set(requests)].sort();
  } finally {
    documents.restore();
  }
}

/** Every combination of availableSlots' optional filters, none to all three, as the API may receive them. */
export function everyFreeSlotQuery(): FreeSlotQuery[] {
  const slot = aSlotSnapshot();
  const values = { specialtyId: slot.specialty.specialtyId, centreId: slot.centre.centreId, doctorId: slot.doctor.doctorId };
  return Array.from({ length: 2 ** freeSlotFilters.length }, (_, bits) => ({
    countryISO: 'PE' as const,
    from: new Date('2026-12-15T00:00:00.000Z'),
    to: new Date('2026-12-16T00:00:00.000Z'),
    ...Object.fromEntries(
      freeSlotFilters.filter((_, position) => bits & (1 << position)).map((filter) => [filter.field, values[filter.field]]),
    ),
  }));
}
