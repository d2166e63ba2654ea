import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { zonedDateTime } from '../domain/zoned-time';
import type { ReminderInput } from '../messages/appointment-messages';
import type { AppointmentReminders, DueReminder } from '../ports';

/** Where the reminders' schedules live and what they invoke, as the stack deploys them. */
export interface ReminderScheduleSettings {
  readonly groupName: string;
  readonly namePrefix: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly deadLetterArn: string;
  readonly retryAttempts: number;
}

/**
 * The reminders as EventBridge Scheduler one-time schedules, one per appointment, named from its id: created,
 * or updated when one exists (a moved appointment, a redelivered decision), and deleted on cancellation.
 * `at()` takes the centre's wall time in its zone (ScheduleExpressionTimezone), so the schedule reads as the
 * centre's clock; Scheduler deletes it once it has fired (ActionAfterCompletion DELETE).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
 */
export class SchedulerAppointmentReminders implements AppointmentReminders {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly settings: ReminderScheduleSettings,
  ) {}

  async schedule(reminder: DueReminder): Promise<void> {
    const input = this.scheduleOf(reminder);
    try {
      await this.scheduler.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.scheduler.send(new UpdateScheduleCommand(input));
    }
  }

  async remove(appointmentId: string): Promise<void> {
    try {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: this.nameOf(appointmentId), GroupName: this.settings.groupName }));
    } catch (error) {
      // Never scheduled (booked inside the lead), fired already, or removed by an earlier delivery.
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  private scheduleOf(reminder: DueReminder): CreateScheduleCommandInput {
    const { groupName, targetArn, roleArn, deadLetterArn, retryAttempts } = this.settings;
    const input: ReminderInput = {
      appointmentId: reminder.appointmentId,
      insuredId: reminder.insuredId,
      remindsOf: reminder.remindsOf,
      correlationId: reminder.correlationId,
    };
    return {
      Name: this.nameOf(reminder.appointmentId),
      GroupName: groupName,
      // The centre's wall time, without its offset: Scheduler reads it in ScheduleExpressionTimezone.
      ScheduleExpression: `at(${zonedDateTime(reminder.at, reminder.timeZone).slice(0, 19)})`,
      ScheduleExpressionTimezone: reminder.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: targetArn,
        RoleArn: roleArn,
        Input: JSON.stringify(input),
        RetryPolicy: { MaximumRetryAttempts: retryAttempts },
        DeadLetterConfig: { Arn: deadLetterArn },
      },
    };
  }

  private nameOf(appointmentId: string): string {
    return `${this.settings.namePrefix}${appointmentId}`;
  }
}

/** A deployment without emails (`cdk deploy` without senderEmail) reminds nobody: no schedule is made or removed. */
export const noReminders: AppointmentReminders = {
  schedule: () => Promise.resolve(),
  remove: () => Promise.resolve(),
};
