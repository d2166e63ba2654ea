import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Stack, type App, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { createAppointmentsApp } from '../../infra/appointments-app';
import type { AppointmentsStack } from '../../infra/appointments-stack';
import { repositoryRoot } from '../../infra/bundling';
import { SlotReadModelTable } from '../../infra/slot-read-model';

/** A synthesis takes 2–7 s alone; a busy CI machine can take several times that. */
export const SYNTHESIS_TIMEOUT_MS = 120_000;

/** The sender address the tests deploy with (`-c senderEmail=…`): the stack then has its email route. */
export const SENDER_EMAIL = 'citas@example.com';

export interface SynthesizedApp {
  readonly app: App;
  readonly stack: AppointmentsStack;
  readonly template: Template;
  /** Removes the cloud assembly written to a temp dir. */
  readonly cleanup: () => void;
}

export interface SynthesisOptions {
  /** Extra CDK context, as `-c name=value` would give. */
  readonly context?: Record<string, unknown>;
  /**
   * CloudFormation's own rules (the cdk.json feature flag) take most of a synthesis (~3 s);
   * the file that checks compliance keeps them, files that only read the template may skip them.
   */
  readonly validateAgainstCloudFormationRules?: boolean;
}

/**
 * The app as `cdk synth` builds it (cdk.json's context, cdk-nag registered, so an
 * unacknowledged finding throws here), except that the functions are not bundled:
 * the tests assert the template, and `npm run synth` bundles for real.
 */
export function synthesizeAppointmentsApp(options: SynthesisOptions = {}): SynthesizedApp {
  const outdir = mkdtempSync(path.join(tmpdir(), 'appointments-cdk-'));
  const cdkJson = JSON.parse(readFileSync(path.join(repositoryRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  try {
    const { app, stack } = createAppointmentsApp({
      outdir,
      context: {
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': [],
        ...(options.validateAgainstCloudFormationRules === false && { '@aws-cdk/core:validateAgainstDefaultRules': false }),
        ...options.context,
      },
    });
    const template = Template.fromStack(stack);
    return { app, stack, template, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
}

/** The template's resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

export function resource(template: Template, logicalId: string): CfnResource {
  const found = (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources[logicalId];
  if (!found) throw new Error(`No resource ${logicalId} in the template`);
  return found;
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export function referencedLogicalId(value: unknown): string {
  const reference = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] } | null;
  if (typeof reference?.Ref === 'string') return reference.Ref;
  const getAtt = reference?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  throw new Error(`Not a reference to a resource: ${JSON.stringify(value)}`);
}

/** A Lambda function's environment variables. */
export function environmentOf(fn: CfnResource): Record<string, unknown> {
  return (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/** The function each event source mapping feeds, by the queue it polls. */
export function consumersByQueue(template: Template): Map<string, CfnResource> {
  return new Map(
    resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([, mapping]) => [
      referencedLogicalId(mapping.Properties.EventSourceArn),
      resource(template, referencedLogicalId(mapping.Properties.FunctionName)),
    ]),
  );
}

/** The logical id of the function the stack deploys under this construct id (the ids in infra/bundling's deployedFunctions). */
export function functionLogicalId(synthesized: SynthesizedApp, id: string): string {
  const fn = synthesized.stack.node.findAll().find((construct) => construct instanceof NodejsFunction && construct.node.id === id);
  if (!(fn instanceof NodejsFunction)) throw new Error(`The stack deploys no function ${id}`);
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
}

/** The logical id of the queue the function deployed under this id polls (its one event source mapping). */
export function queueConsumedBy(synthesized: SynthesizedApp, functionId: string): string {
  const fnId = functionLogicalId(synthesized, functionId);
  const mappings = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => referencedLogicalId(mapping.Properties.FunctionName) === fnId,
  );
  if (mappings.length !== 1) throw new Error(`${functionId} has ${mappings.length} event sources, not one`);
  return referencedLogicalId((mappings[0] as [string, CfnResource])[1].Properties.EventSourceArn);
}

/** The logical id of the CloudFormation resource a construct (or its default child) synthesizes to. */
export function logicalIdOf(synthesized: SynthesizedApp, construct: IConstruct): string {
  return synthesized.stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** The logical ids of the stack's appointments table and of the slot read model's table. */
export function tableLogicalIds(synthesized: SynthesizedApp): { readonly appointments: string; readonly slots: string } {
  const slots = synthesized.stack.node.findAll().find((construct) => construct instanceof SlotReadModelTable);
  if (!(slots instanceof SlotReadModelTable)) throw new Error('The stack has no slot read model table');
  return {
    appointments: logicalIdOf(synthesized, synthesized.stack.node.findChild('Appointments')),
    slots: logicalIdOf(synthesized, slots.table),
  };
}

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every IAM statement the role of the function deployed under this id holds. */
export function statementsOf(synthesized: SynthesizedApp, functionId: string): PolicyStatement[] {
  const roleId = referencedLogicalId(resource(synthesized.template, functionLogicalId(synthesized, functionId)).Properties.Role);
  return resourcesOfType(synthesized.template, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as unknown[]).some((role) => referencedLogicalId(role) === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/**
 * Every right the statements allow beyond the function's own logs and traces, one `<action> <resource>` per
 * action and resource (renderedArn), sorted: the same list however CDK merges statements (minimizePolicies).
 */
export function rightsOf(statements: readonly PolicyStatement[]): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => `${action} ${renderedArn(resource)}`)),
    )
    .filter((right) => !/^(logs|xray):/.test(right))
    .sort();
}

/**
 * An ARN the template builds with Fn::Join, written out with `${…}` placeholders for what
 * CloudFormation fills in: `${AWS::Region}` for a Ref, `${Api.ApiId}` for a GetAtt.
 */
export function renderedArn(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join) return join[1].map(renderedArn).join(join[0]);
  const getAtt = (value as { 'Fn::GetAtt'?: unknown[] } | null)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt.every((part): part is string => typeof part === 'string')) return `\${${getAtt.join('.')}}`;
  return `\${${referencedLogicalId(value)}}`;
}

/** EventBridge pattern semantics for what the topology declares: exact values per top-level field. */
export function patternMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, allowed]) => {
    if (!Array.isArray(allowed)) throw new Error(`This test only knows exact-value patterns, got ${field}: ${JSON.stringify(allowed)}`);
    return allowed.includes(event[field]);
  });
}
