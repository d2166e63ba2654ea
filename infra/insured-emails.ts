import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { environment } from '../core/config/environment';
import { idempotencyRecordAttributes } from '../core/config/idempotency-records';
import type { WorkerQueue } from './appointment-routing';
import { consume } from './appointment-workers';
import { appointmentsFunction } from './appointments-function';
import { deployedFunctions } from './bundling';
import { optionalStackOutputs } from './stack-outputs';

/** What Powertools idempotency does with a record: read it, claim it (conditional put), complete it, or free it on a failure. */
const IDEMPOTENCY_RECORD_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export interface InsuredEmailsProps {
  /** The address every email comes from; the stack makes it an SES identity. */
  readonly senderEmail: string;
  /** The email queue and its DLQ, from the routing's email route. */
  readonly queue: WorkerQueue;
  /** The user pool whose accounts hold the insured people's addresses. */
  readonly userPool: cognito.IUserPool;
  readonly deletionProtection: boolean;
}

/**
 * The insured person's email about each stored status change: the sender's SES identity (SES mails a
 * verification link to it), the idempotency records that make a redelivered change send nothing, and the
 * notification worker consuming the email queue.
 */
export class InsuredEmails extends Construct {
  readonly senderIdentity: ses.EmailIdentity;
  readonly idempotencyRecords: dynamodb.Table;
  readonly notificationWorker: NodejsFunction;

  constructor(scope: Construct, id: string, props: InsuredEmailsProps) {
    super(scope, id);
    const { senderEmail, queue, userPool } = props;

    this.senderIdentity = new ses.EmailIdentity(this, 'SenderIdentity', { identity: ses.Identity.email(senderEmail) });

    // As the appointments table: on demand, point-in-time recovery, refusing deletion unless the environment is disposable.
    // Records expire on their own (TTL) after the topology's idempotencyDays.
    this.idempotencyRecords = new dynamodb.Table(this, 'IdempotencyRecords', {
      partitionKey: { name: idempotencyRecordAttributes.key, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: idempotencyRecordAttributes.expiry,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
    });

    this.notificationWorker = appointmentsFunction(this, deployedFunctions.notificationWorker, {
      description: 'Emails the insured person each stored status change of their appointment, once, through SES',
      timeout: Duration.seconds(queue.settings.workerTimeoutSeconds),
      environment: {
        [environment.idempotencyTableName]: this.idempotencyRecords.tableName,
        [environment.userPoolId]: userPool.userPoolId,
        [environment.senderEmail]: senderEmail,
      },
      // Outside the VPC: it only talks to DynamoDB, Cognito and SES.
    });
    this.idempotencyRecords.grant(this.notificationWorker, ...IDEMPOTENCY_RECORD_ACTIONS);
    // The address lookup by preferred_username (core/adapters/cognito-address-book.ts), on this pool only.
    userPool.grant(this.notificationWorker, 'cognito-idp:ListUsers');
    this.notificationWorker.addToRolePolicy(sendAs(this.senderIdentity, senderEmail));
    consume(this.notificationWorker, queue);
    outputLogGroupName(this, this.notificationWorker);
  }
}

/**
 * The worker's log group, for `npm run smoke -- --email`: the line the worker logs about each email SES
 * accepted is the check's proof. Named as the stack's other outputs (no construct path in the logical id),
 * since `cdk deploy --outputs-file` keys the saved outputs by it.
 */
function outputLogGroupName(scope: Construct, notificationWorker: NodejsFunction): void {
  const name = optionalStackOutputs.notificationWorkerLogGroup;
  const output = new CfnOutput(scope, name, {
    value: notificationWorker.logGroup.logGroupName,
    description: 'Log group of the notification worker: one line per email SES accepted (npm run smoke -- --email reads it)',
  });
  output.overrideLogicalId(name);
}

/**
 * SES v2 SendEmail authorizes `ses:SendEmail` against the sender's identity: this one identity, and only
 * with this From address. (SendRawEmail, templates and the identity's management are not needed.)
 */
function sendAs(identity: ses.EmailIdentity, senderEmail: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ses:SendEmail'],
    // arn:aws:ses:<region>:<account>:identity/<senderEmail>
    resources: [identity.emailIdentityArn],
    conditions: { StringEquals: { 'ses:FromAddress': senderEmail } },
  });
}
