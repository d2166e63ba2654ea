import { environment } from '../../core/config/environment';
import { topology } from '../../core/config/topology';
import { deployedFunctions } from '../../infra/bundling';
import {
  environmentOf,
  functionLogicalId,
  resource,
  resourcesOfType,
  rightsOf,
  SENDER_EMAIL,
  statementsOf,
  synthesizeAppointmentsApp,
  SYNTHESIS_TIMEOUT_MS,
  type PolicyStatement,
  type SynthesizedApp,
} from './synthesized-app';

/**
 * The reminders in AWS (with the email route, `-c senderEmail=…`): Scheduler's group, the reminder worker, the
 * role Scheduler invokes it with, and what the completion worker may do to schedules. routing.test.ts checks a
 * stack without emails has none of it.
 */
let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesizeAppointmentsApp({ context: { senderEmail: SENDER_EMAIL }, validateAgainstCloudFormationRules: false });
}, SYNTHESIS_TIMEOUT_MS);
afterAll(() => synthesized.cleanup());

const { reminders } = topology;
const completionWorkerEnv = () =>
  environmentOf(resource(synthesized.template, functionLogicalId(synthesized, deployedFunctions.completionWorker.id)));
/** The role Scheduler assumes: the one whose trust names scheduler.amazonaws.com and that the completion worker passes. */
const invokerRoleId = () => (completionWorkerEnv()[environment.reminderRoleArn] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];

describe('reminders in AWS', () => {
  it('given the stack, when synthesized, then one Scheduler group holds the reminders, and the completion worker is told where, what to invoke and the lead (24 hours)', () => {
    const groups = resourcesOfType(synthesized.template, 'AWS::Scheduler::ScheduleGroup');

    expect(groups.map(([, group]) => group.Properties.Name)).toEqual([reminders.scheduleGroupName]);
    expect(completionWorkerEnv()).toMatchObject({
      [environment.reminderScheduleGroup]: expect.anything() as unknown,
      [environment.reminderTargetArn]: { 'Fn::GetAtt': [functionLogicalId(synthesized, deployedFunctions.reminderWorker.id), 'Arn'] },
      [environment.reminderLeadMinutes]: String(24 * 60),
    });
  });

  it('given the completion worker, when its rights are read, then it may create, update and delete the reminders’ schedules of their group only, and pass Scheduler the invoker role only', () => {
    const statements = statementsOf(synthesized, deployedFunctions.completionWorker.id);
    const scheduling = rightsOf(statements).filter((right) => right.startsWith('scheduler:') || right.startsWith('iam:'));
    const passRole = statements.find((statement) => [statement.Action].flat().includes('iam:PassRole')) as PolicyStatement & {
      Condition?: unknown;
    };

    expect(scheduling.map((right) => right.replace(/ .*/, ''))).toEqual([
      'iam:PassRole',
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
    ]);
    for (const right of scheduling.filter((candidate) => candidate.startsWith('scheduler:'))) {
      expect(right).toMatch(new RegExp(`:schedule/${reminders.scheduleGroupName}/${reminders.schedulePrefix}\\*$`));
    }
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [invokerRoleId(), 'Arn'] });
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
  });

  it("given Scheduler's role, when read, then only Scheduler may assume it, and it may invoke the reminder worker and dead-letter to the reminders' queue, nothing else", () => {
    const role = resource(synthesized.template, invokerRoleId());
    const rights = resourcesOfType(synthesized.template, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(invokerRoleId()))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement)
      .flatMap((statement) => [statement.Action].flat());

    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(rights.sort()).toEqual(['lambda:InvokeFunction', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
  });

  it('given the reminder worker, when its rights are read, then it may read an appointment, put events on the bus and record its failures in the DLQ, nothing else', () => {
    const rights = rightsOf(statementsOf(synthesized, deployedFunctions.reminderWorker.id)).map((right) => right.replace(/ .*/, ''));

    expect(rights).toEqual(['dynamodb:GetItem', 'events:PutEvents', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
  });

  it("given Scheduler invokes the reminder worker asynchronously, when its invoke configuration is read, then Lambda retries its failures twice and records the last in the reminders' DLQ", () => {
    // Scheduler's own retries and DLQ never see a function error: without this a failed reminder would be dropped.
    const configs = resourcesOfType(synthesized.template, 'AWS::Lambda::EventInvokeConfig').map(([, config]) => config.Properties);
    const deadLetterQueue = resourcesOfType(synthesized.template, 'AWS::SQS::Queue').find(([id]) =>
      id.includes(reminders.deadLetterQueueName.replace(/-/g, '')),
    );

    expect(configs).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: functionLogicalId(synthesized, deployedFunctions.reminderWorker.id) },
        MaximumRetryAttempts: reminders.asyncRetryAttempts,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetterQueue?.[0], 'Arn'] } } },
      }),
    ]);
  });

  it("given the reminders' dead-letter queue, when it holds a message, then an alarm fires", () => {
    const alarms = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Alarm').map(([, alarm]) =>
      String(alarm.Properties.AlarmDescription),
    );

    expect(alarms.filter((description) => description.includes(reminders.deadLetterQueueName))).toHaveLength(1);
  });
});
