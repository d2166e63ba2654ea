import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { freeSlotIndexes, slotReadModel } from '../core/config/slot-read-model';

export interface SlotReadModelTableProps {
  /** DynamoDB refuses deletion (the deployment settings' `deletionProtection`). */
  readonly deletionProtection: boolean;
}

/**
 * The slots and catalog the API reads (issue 32), built from the declaration the adapter and the local stack
 * share (core/config/slot-read-model.ts): its keys and the eight sparse free-slot indexes.
 *
 * CloudFormation adds or removes one global secondary index per stack update: a change to the set of indexes
 * on a deployed table takes one deployment per index.
 */
export class SlotReadModelTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SlotReadModelTableProps) {
    super(scope, id);
    const string = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    // As the appointments table: on demand, point-in-time recovery, retained when the stack is deleted (CDK's default),
    // refusing deletion unless the environment is disposable.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: string(slotReadModel.partitionKey),
      sortKey: string(slotReadModel.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
    });
    for (const index of freeSlotIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: string(index.name),
        sortKey: string(slotReadModel.freeSortKey),
        // A page is one Query: no fetch back from the base table.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
