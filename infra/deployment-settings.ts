import type { Node } from 'constructs';
import { topology } from '../core/config/topology';
import { reminderLeadMinutes } from '../core/domain/reminders';

/** What differs between deployments of the same stack, read from CDK context (cdk.json or `-c name=value`). */
export interface DeploymentSettings {
  /** RDS and DynamoDB refuse deletion; turn off only for a disposable environment. */
  readonly deletionProtection: boolean;
  /** A standby MySQL in a second AZ (doubles the database cost). */
  readonly multiAz: boolean;
  /** An existing SNS topic the DLQ alarms notify (paging, chat, e-mail); without it the alarms only show in the console. */
  readonly alarmTopicArn?: string;
  /**
   * A developer's stack: the API also accepts an API key (acting as staff) and answers
   * introspection, so explorers and codegen work against it. Never for real users' data.
   */
  readonly development: boolean;
  /**
   * The address the insured people's emails come from (`-c senderEmail=citas@example.com`): the stack makes it
   * an SES identity and deploys the email route. Without it no email is sent and nothing of that route exists.
   */
  readonly senderEmail?: string;
  /** How long before its start each appointment is reminded of, in minutes (`-c reminderLeadMinutes=60`; default 24 hours). */
  readonly reminderLeadMinutes: number;
}

export const defaultDeploymentSettings: DeploymentSettings = {
  deletionProtection: true,
  multiAz: false,
  development: false,
  reminderLeadMinutes: topology.reminders.leadMinutes,
};

export function deploymentSettingsFromContext(node: Node): DeploymentSettings {
  const alarmTopicArn: unknown = node.tryGetContext('alarmTopicArn');
  if (alarmTopicArn !== undefined && typeof alarmTopicArn !== 'string') throw new Error('Context alarmTopicArn must be an SNS topic ARN');
  const senderEmail = senderEmailContext(node);
  return {
    deletionProtection: booleanContext(node, 'deletionProtection', defaultDeploymentSettings.deletionProtection),
    multiAz: booleanContext(node, 'multiAz', defaultDeploymentSettings.multiAz),
    development: booleanContext(node, 'development', defaultDeploymentSettings.development),
    reminderLeadMinutes: reminderLeadMinutes(contextText(node, 'reminderLeadMinutes'), defaultDeploymentSettings.reminderLeadMinutes),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
    ...(senderEmail ? { senderEmail } : {}),
  };
}

// The shape of a plain address (one @, no spaces, a dot in the domain): a typo fails synth, not the deploy halfway.
const EMAIL_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function senderEmailContext(node: Node): string | undefined {
  const value: unknown = node.tryGetContext('senderEmail');
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !EMAIL_ADDRESS.test(value)) {
    throw new Error(
      `Context senderEmail must be the email address the emails are sent from (-c senderEmail=citas@example.com), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

// `-c name=false` arrives as the string "false"; cdk.json gives a real boolean.
function booleanContext(node: Node, name: string, fallback: boolean): boolean {
  const value: unknown = node.tryGetContext(name);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${name} must be true or false, got ${JSON.stringify(value)}`);
}

// `-c name=60` arrives as a string; cdk.json may give a number.
function contextText(node: Node, name: string): string | undefined {
  const value: unknown = node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error(`Context ${name} must be a number, got ${JSON.stringify(value)}`);
  return String(value);
}
