import type { AppSyncUsage } from './appsync/appsync-usage';
import type { DynamoDbUsage } from './dynamodb/billed-capacity';
import type { FunctionUsage } from './lambda/lambda-usage';
import type { RouterUsage } from './router/router-usage';

/**
 * Every billable request the local stack stood in for since it started, by the service that would bill it in AWS
 * (issue 27). Plain counts that only grow: take one before a phase and one after, and the difference is the phase's.
 */
export interface StackUsage {
  /** When the snapshot was taken (epoch ms): the time-driven counts (empty receives, connection-minutes) run to it. */
  readonly at: number;
  readonly appsync: AppSyncUsage;
  /** By the local function's name. */
  readonly lambda: Readonly<Record<string, FunctionUsage>>;
  /** `byCaller` by the local function's name (by SDK app id for other callers). */
  readonly dynamodb: DynamoDbUsage;
  readonly sns: { readonly publishes: RouterUsage['snsPublishes'] };
  readonly sqs: RouterUsage['sqs'];
  readonly eventBridge: { readonly events: RouterUsage['eventBridgeEvents'] };
  /**
   * Target invocations of the rate schedules (the reconciler: a fixed monthly cost, whatever the bookings) and of the
   * one-time schedules (the reminders, one per booking that gets one).
   */
  readonly scheduler: { readonly rateInvocations: number; readonly oneTimeInvocations: number };
  readonly ses: { readonly emails: number };
  readonly cognito: { readonly listUsersCalls: number };
}
