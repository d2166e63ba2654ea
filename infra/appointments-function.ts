import { RemovalPolicy, Validations, type Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { topology } from '../core/config/topology';
import {
  bundleRuntimeEnvironment,
  dependencyLockFile,
  entryPath,
  nodejsFunctionBundling,
  repositoryRoot,
  type DeployedFunction,
} from './bundling';

/** Where a function attaches to the VPC (workers and the schema migrations reach MySQL). */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Groups that open more than the shared one does, for this function alone. */
  readonly moreSecurityGroups?: readonly ec2.ISecurityGroup[];
}

export interface AppointmentsFunctionProps {
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: { readonly [name: string]: string };
  readonly network?: FunctionNetwork;
  /** For a function invoked asynchronously: Lambda's retries of its failures, and where a record of the last one goes. */
  readonly asyncInvocation?: { readonly retryAttempts: number; readonly onFailure: lambda.IDestination };
}

/** What AWSLambdaVPCAccessExecutionRole grants: Lambda manages a VPC function's network interfaces with them. */
const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

/** Days a function's logs are kept. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * A Lambda function of the stack, bundled locally with esbuild from its entry file.
 * Each gets its own log group and role: the role may write that log group only
 * (instead of AWSLambdaBasicExecutionRole's logs on `*`); callers grant the rest.
 */
export function appointmentsFunction(scope: Construct, deployed: DeployedFunction, props: AppointmentsFunctionProps): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${deployed.id}Logs`, {
    retention: LOG_RETENTION,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${deployed.id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs ${deployed.id}`,
  });
  logGroup.grantWrite(role);
  if (props.network) {
    // Lambda checks these at CreateFunction; the function depends on this role's policy, so they exist first.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] }));
  }

  const fn = new NodejsFunction(scope, deployed.id, {
    entry: entryPath(deployed),
    handler: 'handler',
    projectRoot: repositoryRoot,
    depsLockFilePath: dependencyLockFile,
    bundling: nodejsFunctionBundling,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    description: props.description,
    memorySize: props.memorySize ?? topology.functionMemoryMB,
    timeout: props.timeout,
    environment: { ...bundleRuntimeEnvironment, ...props.environment },
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    ...(props.asyncInvocation && {
      retryAttempts: props.asyncInvocation.retryAttempts,
      onFailure: props.asyncInvocation.onFailure,
    }),
    ...(props.network && {
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: [props.network.securityGroup, ...(props.network.moreSecurityGroups ?? [])],
    }),
  });

  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: props.network
      ? 'Only X-Ray PutTraceSegments/PutTelemetryRecords and the EC2 network-interface actions Lambda needs in a VPC, none of which support resource-level permissions.'
      : 'Only X-Ray PutTraceSegments/PutTelemetryRecords (active tracing), which support no resource-level permissions.',
  });
  return fn;
}
