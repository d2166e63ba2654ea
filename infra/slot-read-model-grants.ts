import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { freeSlotIndexes } from '../core/config/slot-read-model';

/**
 * Rights on the slot read model's table, narrower than `Table.grant`: on a table with indexes that grants
 * `<table>/index/*` too, so a function that reads the base table could also query every index (and the
 * reverse), and the wildcard is one the stack allows nowhere (test/infra/compliance.test.ts).
 */

type DynamoDbAction = `dynamodb:${string}`;

/** `actions` on the base table's items (slots and catalog entries), on none of its indexes. */
export function grantOnSlotTable(table: dynamodb.ITable, grantee: iam.IGrantable, ...actions: DynamoDbAction[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [table.tableArn] });
}

/** `actions` on the free-slot indexes, each named by its ARN as core/config/slot-read-model.ts declares it, never on the base table. */
export function grantOnFreeSlotIndexes(table: dynamodb.ITable, grantee: iam.IGrantable, ...actions: DynamoDbAction[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: freeSlotIndexArns(table) });
}

/** `arn:…:table/<name>/index/<index>` of every free-slot index. */
export function freeSlotIndexArns(table: dynamodb.ITable): string[] {
  return freeSlotIndexes.map((index) => `${table.tableArn}/index/${index.name}`);
}
