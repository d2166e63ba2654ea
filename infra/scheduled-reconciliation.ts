import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { environment } from '../core/config/environment';
import { topology } from '../core/config/topology';
import { appointmentsFunction } from './appointments-function';
import { deployedFunctions } from './bundling';
import type { CountryDatabase } from './country-database';
import { grantOnSlotTable } from './slot-read-model-grants';

export interface ScheduledReconciliationProps {
  readonly appointments: dynamodb.ITable;
  /** The slot read model, compared with every country's catalog. */
  readonly slots: dynamodb.ITable;
  readonly database: CountryDatabase;
}

/**
 * The reconciliation in AWS: the same use case `npm run reconcile` runs, in a function inside the
 * VPC (the country databases sit in isolated subnets, out of an operator's reach), invoked by
 * EventBridge Scheduler at the topology's rate. It reads DynamoDB through a gateway endpoint and
 * every country's rows and catalog as the read-only reconciler user, and reports its findings as metrics
 * (alarmed on in infra/operations.ts) and log lines.
 */
export class ScheduledReconciliation extends Construct {
  readonly reconciler: NodejsFunction;

  constructor(scope: Construct, id: string, props: ScheduledReconciliationProps) {
    super(scope, id);
    const { appointments, slots, database } = props;
    const { reconciliation } = topology;

    // The isolated subnets have no route out: DynamoDB is reached through a gateway endpoint (no hourly charge).
    database.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [database.clientNetwork.subnets],
    });
    const toDynamoDb = new ec2.SecurityGroup(this, 'DynamoDbAccess', {
      vpc: database.vpc,
      description: 'HTTPS out to DynamoDB, for the reconciler: no subnet here routes anywhere but to the VPC endpoints',
      allowAllOutbound: false,
    });
    toDynamoDb.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'DynamoDB through its gateway endpoint');

    this.reconciler = appointmentsFunction(this, deployedFunctions.reconciler, {
      description: 'Compares DynamoDB with every country database and reports what the pipeline could not settle',
      timeout: Duration.seconds(reconciliation.timeoutSeconds),
      environment: {
        [environment.appointmentsTableName]: appointments.tableName,
        [environment.slotsTableName]: slots.tableName,
        [environment.mysqlSecretArn]: database.reconcilerSecret.secretArn,
        [environment.mysqlConnectionLimit]: '1',
      },
      network: { ...database.clientNetwork, moreSecurityGroups: [toDynamoDb] },
    });
    // It reads every appointment: a Scan, and nothing that writes.
    appointments.grant(this.reconciler, 'dynamodb:Scan');
    // It compares every slot of the read model with the catalogs: a Scan of the base table, none of the free-slot
    // indexes (which hold only free slots), and nothing that writes: a drift is reported, never repaired from here.
    grantOnSlotTable(slots, this.reconciler, 'dynamodb:Scan');
    database.reconcilerSecret.grantRead(this.reconciler);
    // The migrations create its database user first.
    this.reconciler.node.addDependency(database.migrated);

    // Scheduler's role, granted by hand: the target's default grant adds `<function>:*` (versions) it never invokes.
    const invoker = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler invokes the reconciler',
    });
    invoker.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.reconciler.functionArn] }));
    const schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Runs the reconciliation every ${reconciliation.everyMinutes} minutes`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(reconciliation.everyMinutes)),
      // No retries: the next run comes within minutes and sees the same stores.
      target: new schedulerTargets.LambdaInvoke(this.reconciler, { retryAttempts: 0, role: invoker.withoutPolicyUpdates() }),
    });
    schedule.node.addDependency(invoker);
  }
}
