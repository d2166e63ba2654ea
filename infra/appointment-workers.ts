import { Duration } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { environment } from '../core/config/environment';
import { topology, type PublishMutation } from '../core/config/topology';
import { appointmentsFunction } from './appointments-function';
import type { AppointmentRouting, WorkerQueue } from './appointment-routing';
import { deployedFunctions } from './bundling';
import { MYSQL_CONNECTIONS_PER_WORKER, type CountryDatabase } from './country-database';
import { grantOnSlotTable } from './slot-read-model-grants';

export interface AppointmentWorkersProps {
  readonly routing: AppointmentRouting;
  readonly appointments: dynamodb.ITable;
  /** The slot read model the slot projector writes (infra/slot-read-model.ts). */
  readonly slots: dynamodb.ITable;
  readonly database: CountryDatabase;
  /** The GraphQL API the completion worker publishes each stored status change to, and the slot projector each slot's new state. */
  readonly api: appsync.GraphqlApi;
}

/**
 * The SQS consumers: one country worker per country (same module, COUNTRY_ISO
 * tells them apart) writing to MySQL and putting its decisions (AppointmentScheduled, …) and each
 * changed slot's state (SlotAvailabilityChanged) on the bus; the completion worker storing each decision
 * in DynamoDB, publishing the change to the API's subscribers and announcing it on the bus
 * (AppointmentStatusChanged); and the slot projector keeping the slot read model current and publishing each
 * slot's new state to the API's availability subscribers.
 */
export class AppointmentWorkers extends Construct {
  readonly countryWorkers: readonly NodejsFunction[];
  readonly completionWorker: NodejsFunction;
  readonly slotProjector: NodejsFunction;

  constructor(scope: Construct, id: string, props: AppointmentWorkersProps) {
    super(scope, id);
    const { routing, appointments, slots, database, api } = props;

    this.countryWorkers = deployedFunctions.countryWorkers.map((deployed) => {
      const countryQueue = routing.countryQueues.find((candidate) => candidate.route.countryISO === deployed.countryISO);
      if (!countryQueue) throw new Error(`No queue for the ${deployed.countryISO} country worker`);
      const credentials = database.countryUserSecrets.get(deployed.countryISO);
      if (!credentials) throw new Error(`No database user secret for the ${deployed.countryISO} country worker`);
      const fn = appointmentsFunction(this, deployed, {
        description: `Schedules ${deployed.countryISO} appointments and keeps its slot catalog in MySQL; announces both on the event bus`,
        timeout: Duration.seconds(countryQueue.settings.workerTimeoutSeconds),
        environment: {
          ...countryQueue.route.consumer.environment,
          [environment.eventBusName]: routing.eventBus.eventBusName,
          // Its own country's user, the ARN only: the worker reads the credentials at cold start and after a rotation.
          [environment.mysqlSecretArn]: credentials.secretArn,
          [environment.mysqlConnectionLimit]: String(MYSQL_CONNECTIONS_PER_WORKER),
        },
        network: database.clientNetwork,
      });
      // Its decisions (for the completion worker) and each changed slot's state (for the slot projector): PutEvents on this bus only.
      routing.eventBus.grantPutEventsTo(fn);
      credentials.grantRead(fn);
      // On an upgrade the migrations create the user first; a message failing during the switch is retried by its queue.
      fn.node.addDependency(database.migrated);
      fn.role?.node.addDependency(database.migrated);
      consume(fn, countryQueue);
      return fn;
    });

    this.completionWorker = appointmentsFunction(this, deployedFunctions.completionWorker, {
      description: 'Stores each country decision in DynamoDB, publishes the change to the subscribers and announces it on the event bus',
      timeout: Duration.seconds(routing.confirmations.settings.workerTimeoutSeconds),
      environment: {
        [environment.appointmentsTableName]: appointments.tableName,
        [environment.graphqlUrl]: api.graphqlUrl,
        [environment.eventBusName]: routing.eventBus.eventBusName,
      },
      // Outside the VPC: it only talks to DynamoDB, AppSync and EventBridge.
    });
    // It announces every stored change (AppointmentStatusChanged) for whatever hangs off it, emails or not.
    routing.eventBus.grantPutEventsTo(this.completionWorker);
    // A conditional status update (the lifecycle's transitions), and a consistent read when the condition fails.
    appointments.grant(this.completionWorker, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    // The internal publish mutation (SigV4) and no other field: appsync:GraphQL on that one field's ARN.
    mayPublish(api, this.completionWorker, topology.statusChanges);
    consume(this.completionWorker, routing.confirmations);

    this.slotProjector = appointmentsFunction(this, deployedFunctions.slotProjector, {
      description: "Keeps each slot's newest state, with its centre, specialty and doctor, in the slot read model",
      timeout: Duration.seconds(routing.slotAvailability.settings.workerTimeoutSeconds),
      environment: { [environment.slotsTableName]: slots.tableName, [environment.graphqlUrl]: api.graphqlUrl },
      // Outside the VPC: it only talks to DynamoDB and AppSync.
    });
    // The slot's conditional put (a newer version only), the consistent read of the stored slot when that condition
    // fails, and the puts of its catalog entries (core/adapters/dynamodb-slot-read-model.ts, apply): on the read
    // model's base table only, none of its indexes (DynamoDB maintains them), and nothing on the appointments table.
    grantOnSlotTable(slots, this.slotProjector, 'dynamodb:PutItem', 'dynamodb:GetItem');
    // Each slot's new state to the availability subscribers: its own publish mutation and no other field.
    mayPublish(api, this.slotProjector, topology.slotAvailabilityChanges);
    consume(this.slotProjector, routing.slotAvailability);
  }
}

/** appsync:GraphQL on exactly one internal publish mutation's field ARN (SigV4): a worker may call that field, nothing else of the API. */
function mayPublish(api: appsync.GraphqlApi, fn: NodejsFunction, { typeName, fieldName }: PublishMutation): void {
  api.grant(fn, appsync.IamResource.ofType(typeName, fieldName), 'appsync:GraphQL');
}

/** The worker polls its queue with the topology's batching and reports failed messages one by one. */
export function consume(fn: NodejsFunction, { queue, settings }: WorkerQueue): void {
  fn.addEventSource(
    new SqsEventSource(queue, {
      batchSize: settings.batchSize,
      maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
      maxConcurrency: settings.maxConcurrency,
      reportBatchItemFailures: true,
    }),
  );
}
