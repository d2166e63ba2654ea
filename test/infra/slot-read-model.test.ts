import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { slotReadModelTableDefinition } from '../../core/config/slot-read-model';
import { SlotReadModelTable } from '../../infra/slot-read-model';

/** The slot read model's table as CDK builds it, alone in a bare stack: the same keys and indexes the local stack creates. */

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((outdir) => rmSync(outdir, { recursive: true, force: true })));

function synthesize(deletionProtection: boolean): Template {
  // A temp dir of our own, or the synthesis leaves cdk.out folders behind in the system's.
  const outdir = mkdtempSync(path.join(tmpdir(), 'slot-read-model-'));
  outdirs.push(outdir);
  const stack = new Stack(new App({ outdir }), 'Slots');
  new SlotReadModelTable(stack, 'SlotReadModel', { deletionProtection });
  return Template.fromStack(stack);
}

const local = slotReadModelTableDefinition('local');

describe('the slot read model table (CDK)', () => {
  it('given the construct, when synthesized, then the table has the keys the local stack creates, on demand, with point-in-time recovery', () => {
    const template = synthesize(true);

    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: local.KeySchema,
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('given the construct, when synthesized, then it has the eight free-slot indexes, each projecting ALL, exactly as the local table', () => {
    const [table] = Object.values(synthesize(true).findResources('AWS::DynamoDB::Table')) as { Properties: Record<string, unknown> }[];

    const indexes = table?.Properties.GlobalSecondaryIndexes as { IndexName: string; Projection: unknown }[];
    expect(indexes).toHaveLength(8);
    expect(indexes.every((index) => (index.Projection as { ProjectionType: string }).ProjectionType === 'ALL')).toBe(true);
    expect(indexes).toEqual(local.GlobalSecondaryIndexes);
    // In CDK's order: the same definitions, no more.
    expect(table?.Properties.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions));
    expect(table?.Properties.AttributeDefinitions).toHaveLength(local.AttributeDefinitions.length);
  });

  it('given a disposable environment, when synthesized, then the table can be deleted', () => {
    synthesize(false).hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});
