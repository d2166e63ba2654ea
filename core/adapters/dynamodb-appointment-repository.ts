import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { AppointmentStatus, holdsItsSlot, MOVES_REMEMBERED, statusesLeadingTo, type Appointment } from '../domain/appointment';
import { appointmentsTable } from '../config/appointments-table';
import { AppointmentNotFoundError } from '../domain/errors';
import { decodeCursor, encodeCursor } from './dynamodb-cursor';
import { PENDING_MOVE, scanAppointments, toAppointment } from './dynamodb-appointment-items';
import type { PendingReschedule, RescheduleResult } from '../graphql/types.generated';
import type {
  AppointmentKey,
  AppointmentRepository,
  MoveRequestResult,
  MoveSettlement,
  MoveSettlementResult,
  SlotClaim,
  StatusChangeRequest,
  StatusChangeResult,
} from '../ports';

/** Set on an appointment another request answered with: a failed hand-off of its own no longer discards it. */
const ANSWERED_AGAIN = 'answeredAgain';

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
    // Absent rather than null: an item without them reads back the same (toAppointment).
    // A new appointment has no move pending and none made: kept absent, so the one-move-at-a-time condition holds.
    const { rejectionReason, slot, pendingReschedule: _pending, movedFrom: _moved, ...item } = appointment;
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...item, ...(rejectionReason !== null && { rejectionReason }), ...(slot && { slot }) },
        ConditionExpression: 'attribute_not_exists(#sk)',
        ExpressionAttributeNames: { '#sk': appointmentsTable.sortKey },
      }),
    );
  }

  async listByInsured(insuredId: string, page: { limit: number; cursor?: string }): Promise<{ items: Appointment[]; cursor?: string }> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        // Slot claims share the partition and sort after every appointment id.
        KeyConditionExpression: '#pk = :insuredId AND #sk < :claims',
        ExpressionAttributeNames: { '#pk': appointmentsTable.partitionKey, '#sk': appointmentsTable.sortKey },
        ExpressionAttributeValues: { ':insuredId': insuredId, ':claims': appointmentsTable.slotClaimPrefix },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : decodeListCursor(page.cursor, insuredId),
      }),
    );
    const items = (result.Items ?? []).map(toAppointment);
    // DynamoDB may hand back a LastEvaluatedKey when the page ended exactly at the last item;
    // a client would then fetch an empty page, which is harmless.
    return { items, cursor: result.LastEvaluatedKey ? encodeCursor(result.LastEvaluatedKey) : undefined };
  }

  async get(key: AppointmentKey): Promise<Appointment | undefined> {
    const current = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    return current.Item ? toAppointment(current.Item) : undefined;
  }

  async claimSlot(appointment: Appointment, replacing?: string): Promise<SlotClaim> {
    const claimKey = slotClaimKey(appointment);
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...claimKey, [HOLDER]: appointment.appointmentId },
          ConditionExpression: replacing === undefined ? 'attribute_not_exists(#sk)' : '#holder = :replacing',
          ExpressionAttributeNames: replacing === undefined ? { '#sk': appointmentsTable.sortKey } : { '#holder': HOLDER },
          ExpressionAttributeValues: replacing === undefined ? undefined : { ':replacing': replacing },
        }),
      );
      return { claimed: true, holder: appointment.appointmentId };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const claim = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: claimKey, ConsistentRead: true }));
    return { claimed: false, holder: claim.Item?.[HOLDER] as string | undefined };
  }

  async releaseSlotClaim(appointment: Appointment): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: slotClaimKey(appointment),
          ConditionExpression: '#holder = :appointmentId',
          ExpressionAttributeNames: { '#holder': HOLDER },
          ExpressionAttributeValues: { ':appointmentId': appointment.appointmentId },
        }),
      );
    } catch (error) {
      // Another booking holds it now, or it is gone: either way it is not this appointment's to release.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async changeStatus(key: AppointmentKey, change: StatusChangeRequest): Promise<StatusChangeResult> {
    // The statuses the lifecycle allows to become the target, as :from0, :from1, …
    const from: Record<string, string> = {};
    statusesLeadingTo(change.target).forEach((status, index) => (from[`:from${index}`] = status));
    const updated = Object.keys(from).length === 0 ? undefined : await this.updateStatusIfAllowed(key, change, from);
    if (updated) return { outcome: 'changed', appointment: updated };
    // The condition failed: find out whether it was done already, is forbidden, names another slot, or was never there.
    const current = await this.get(key);
    if (!current) throw new AppointmentNotFoundError(`Appointment ${key.appointmentId} of insured ${key.insuredId} does not exist`);
    if (change.scheduleId !== undefined && current.scheduleId !== change.scheduleId) return { outcome: 'elsewhere', appointment: current };
    return { outcome: current.status === change.target ? 'unchanged' : 'refused', appointment: current };
  }

  /** The appointment after the update, or undefined when its condition failed. */
  private async updateStatusIfAllowed(
    key: AppointmentKey,
    change: StatusChangeRequest,
    from: Record<string, string>,
  ): Promise<Appointment | undefined> {
    const reason = change.rejectionReason === undefined ? {} : { ':reason': change.rejectionReason };
    const atSlot = change.scheduleId === undefined ? {} : { ':scheduleId': change.scheduleId };
    // An appointment that lets its slot go has no move to wait for.
    const dropsMove = holdsItsSlot(change.target) ? '' : ' REMOVE #pending';
    // The stored appointment comes back with the same call, for the status-change notification.
    return this.updatedUnlessRefused({
      Key: keyOf(key),
      UpdateExpression: `SET #status = :target, #updatedAt = :now${change.rejectionReason === undefined ? '' : ', #reason = :reason'}${dropsMove}`,
      ConditionExpression:
        `attribute_exists(#sk) AND #status IN (${Object.keys(from).join(', ')})` +
        (change.scheduleId === undefined ? '' : ' AND #scheduleId = :scheduleId'),
      ExpressionAttributeNames: {
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#sk': appointmentsTable.sortKey,
        ...(change.rejectionReason === undefined ? {} : { '#reason': 'rejectionReason' }),
        ...(dropsMove ? { '#pending': PENDING_MOVE } : {}),
        ...(change.scheduleId === undefined ? {} : { '#scheduleId': 'scheduleId' }),
      },
      ExpressionAttributeValues: { ':target': change.target, ':now': change.at.toISOString(), ...from, ...reason, ...atSlot },
    });
  }

  /** The item after a conditional update, or undefined when its condition failed. */
  private async updatedUnlessRefused(input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>): Promise<Appointment | undefined> {
    try {
      const updated = await this.documents.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW' }));
      return toAppointment(updated.Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return undefined;
    }
  }

  async requestMove(key: AppointmentKey, move: PendingReschedule, fromScheduleId: number): Promise<MoveRequestResult> {
    const holding = whileHoldingItsSlot();
    const updated = await this.updatedUnlessRefused({
      Key: keyOf(key),
      UpdateExpression: 'SET #pending = :move',
      // One move at a time, of the slot the caller saw, while the appointment holds it.
      ConditionExpression: `attribute_not_exists(#pending) AND #scheduleId = :from AND ${holding.condition}`,
      ExpressionAttributeNames: { '#pending': PENDING_MOVE, '#scheduleId': 'scheduleId', '#status': 'status' },
      ExpressionAttributeValues: { ':move': withoutTypenames(move), ':from': fromScheduleId, ...holding.values },
    });
    if (updated) return { requested: true, appointment: updated };
    const current = await this.get(key);
    if (!current) throw new AppointmentNotFoundError(`Appointment ${key.appointmentId} of insured ${key.insuredId} does not exist`);
    return { requested: false, appointment: current };
  }

  async settleMove(key: AppointmentKey, settlement: MoveSettlement): Promise<MoveSettlementResult> {
    let item = await this.storedItem(key);
    const pending = (item[PENDING_MOVE] as PendingReschedule | undefined)?.moveId;
    if (pending === settlement.moveId) {
      const settled = await this.settlePendingMove(toAppointment(item), settlement);
      if (settled) return { outcome: 'changed', ...settled };
      // Changed meanwhile (cancelled): judged as it is now.
      item = await this.storedItem(key);
    }
    const previous = item[SETTLED_MOVE] as RescheduleResult | undefined;
    if (previous?.moveId === settlement.moveId) return { outcome: 'unchanged', appointment: toAppointment(item), result: previous };
    return { outcome: 'stale', appointment: toAppointment(item) };
  }

  private async storedItem(key: AppointmentKey): Promise<Record<string, unknown>> {
    const current = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    if (!current.Item) throw new AppointmentNotFoundError(`Appointment ${key.appointmentId} of insured ${key.insuredId} does not exist`);
    return current.Item;
  }

  /** Applies the pending move's settlement in one conditional update; undefined when another request changed it first. */
  private async settlePendingMove(
    current: Appointment,
    settlement: MoveSettlement,
  ): Promise<{ appointment: Appointment; result: RescheduleResult } | undefined> {
    const pending = current.pendingReschedule!;
    const moved = settlement.outcome === 'MOVED';
    const result: RescheduleResult = {
      moveId: pending.moveId,
      outcome: settlement.outcome,
      from: current.slot,
      fromScheduleId: current.scheduleId,
      to: pending.to,
      refusalReason: moved ? null : (settlement.refusalReason ?? null),
    };
    const history = [...current.movedFrom, { scheduleId: current.scheduleId, slot: current.slot, movedAt: settlement.at.toISOString() }];
    const holding = whileHoldingItsSlot();
    const sets = moved
      ? 'SET #scheduleId = :to, #slot = :toSlot, #movedFrom = :history, #status = :completed, #updatedAt = :now, #settled = :result'
      : 'SET #updatedAt = :now, #settled = :result';
    const appointment = await this.updatedUnlessRefused({
      Key: keyOf(current),
      UpdateExpression: `${sets} REMOVE #pending`,
      ConditionExpression: `#pending.#moveId = :moveId AND ${holding.condition}`,
      ExpressionAttributeNames: {
        '#pending': PENDING_MOVE,
        '#moveId': 'moveId',
        '#status': 'status',
        '#updatedAt': 'updatedAt',
        '#settled': SETTLED_MOVE,
        ...(moved ? { '#scheduleId': 'scheduleId', '#slot': 'slot', '#movedFrom': 'movedFrom' } : {}),
      },
      ExpressionAttributeValues: {
        ':moveId': pending.moveId,
        ':now': settlement.at.toISOString(),
        ':result': withoutTypenames(result),
        ...holding.values,
        ...(moved
          ? {
              ':to': pending.to.scheduleId,
              ':toSlot': withoutTypenames(pending.to),
              ':history': withoutTypenames(history.slice(-MOVES_REMEMBERED)),
              ':completed': AppointmentStatus.COMPLETED,
            }
          : {}),
      },
    });
    return appointment && { appointment, result };
  }

  /** Every appointment, page by page: for operators' reconciliation, never for a request path. */
  scanAll(): AsyncIterable<Appointment> {
    return scanAppointments(this.documents, this.tableName);
  }

  async discardPending(key: AppointmentKey): Promise<boolean> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          ConditionExpression: 'attribute_not_exists(#sk) OR (#status = :pending AND attribute_not_exists(#answered))',
          ExpressionAttributeNames: { '#sk': appointmentsTable.sortKey, '#status': 'status', '#answered': ANSWERED_AGAIN },
          ExpressionAttributeValues: { ':pending': AppointmentStatus.PENDING },
        }),
      );
      return true;
    } catch (error) {
      // The pipeline got it after all, or a racing request of the same booking answered with it: it stays.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  async keepAnswered(key: AppointmentKey): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          UpdateExpression: 'SET #answered = :true',
          ConditionExpression: 'attribute_exists(#sk)',
          ExpressionAttributeNames: { '#sk': appointmentsTable.sortKey, '#answered': ANSWERED_AGAIN },
          ExpressionAttributeValues: { ':true': true },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }
}

function keyOf(key: AppointmentKey) {
  return {
    [appointmentsTable.partitionKey]: key.insuredId,
    [appointmentsTable.sortKey]: key.appointmentId,
  };
}

/** `#status IN (:holding0, …)`: the statuses in which an appointment holds (or awaits) its slot, and their values. */
function whileHoldingItsSlot(): { condition: string; values: Record<string, string> } {
  const holding = statusesLeadingTo(AppointmentStatus.CANCELLED);
  return {
    condition: `#status IN (${holding.map((_, index) => `:holding${index}`).join(', ')})`,
    values: Object.fromEntries(holding.map((status, index) => [`:holding${index}`, status])),
  };
}

/** The last move its country decided, as announced (RescheduleResult): a redelivered decision announces it again. */
const SETTLED_MOVE = 'lastSettledMove';

/**
 * A value as DynamoDB keeps it: `__typename` stays out except on a centre, where it names the GraphQL type the
 * slot's centre is answered as (slotAnswer), as the appointment's own slot keeps it.
 */
function withoutTypenames<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), function (this: Record<string, unknown>, key, inner: unknown) {
    return key === '__typename' && !('centreId' in this) ? undefined : inner;
  }) as T;
}

/** The claim item's attribute naming the appointment that holds it. */
const HOLDER = 'heldBy';

/** An insured person's claim on a slot: its item names the appointment that holds it. */
function slotClaimKey(appointment: Pick<Appointment, 'insuredId' | 'countryISO' | 'scheduleId'>) {
  return {
    [appointmentsTable.partitionKey]: appointment.insuredId,
    [appointmentsTable.sortKey]: `${appointmentsTable.slotClaimPrefix}${appointment.countryISO}#${appointment.scheduleId}`,
  };
}

/** A cursor names a position in this insured person's appointments: their partition, an appointment's id. */
function decodeListCursor(cursor: string, insuredId: string): Record<string, string> {
  return decodeCursor(
    cursor,
    (key) => Object.keys(key).length === 2 && key[appointmentsTable.partitionKey] === insuredId && appointmentsTable.sortKey in key,
    INVALID_TOKEN,
  );
}
