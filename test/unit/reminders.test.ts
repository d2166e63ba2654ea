import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { noReminders, SchedulerAppointmentReminders } from '../../core/adapters/scheduler-appointment-reminders';
import { topology } from '../../core/config/topology';
import { AppointmentStatus } from '../../core/domain/appointment';
import { reminderLeadMinutes, reminderOf } from '../../core/domain/reminders';
import { reminderEmail } from '../../core/email/status-emails';
import type { AppointmentReminderDue } from '../../core/messages/appointment-messages';
import { applyCountryOutcome } from '../../core/use-cases/apply-country-outcome';
import { remindOfAppointment } from '../../core/use-cases/remind-of-appointment';
import { slotAnswer } from '../../core/use-cases/slot-answers';
import { localLogger } from '../../local/log';
import { LocalOneTimeSchedules } from '../../local/scheduler/one-time-schedules';
import { anAppointment, aRepositoryAnswering, remindersRecorded } from '../support/appointments';
import { aSlotSnapshot } from '../support/slot-publications';
import { given } from '../steps/given';

/** The reminder before an appointment (core/domain/reminders.ts, the reminder worker, its email, its schedule). */

const NOW = new Date('2026-12-10T12:00:00.000Z');
const DAY_MS = 86_400_000;
/** A COMPLETED Lima appointment whose slot starts `daysAhead` after NOW. */
const anAppointmentIn = (daysAhead: number, status: AppointmentStatus = AppointmentStatus.COMPLETED) =>
  anAppointment(status, { slot: slotAnswer(aSlotSnapshot('PE', 100, new Date(NOW.getTime() + daysAhead * DAY_MS))) });

describe('when an appointment is reminded of', () => {
  it('given a COMPLETED appointment ten days ahead, then its reminder is the lead before its start, on its centre’s clock', () => {
    const appointment = anAppointmentIn(10);

    expect(reminderOf(appointment, 24 * 60, NOW)).toEqual({
      at: new Date(Date.parse(appointment.slot!.startsAt) - DAY_MS),
      remindsOf: appointment.slot!.startsAt,
      timeZone: 'America/Lima',
    });
  });

  it.each([
    ['booked inside the lead (starting in 12 hours)', anAppointmentIn(0.5)],
    ['PENDING', anAppointmentIn(10, AppointmentStatus.PENDING)],
    ['CANCELLED', anAppointmentIn(10, AppointmentStatus.CANCELLED)],
    ['booked before the catalog (no slot)', anAppointment(AppointmentStatus.COMPLETED)],
  ])('given an appointment %s, then it has no reminder', (_case, appointment) => {
    expect(reminderOf(appointment, 24 * 60, NOW)).toBeUndefined();
  });

  it.each([
    [undefined, 1440],
    ['', 1440],
    ['5', 5],
  ])('given REMINDER_LEAD_MINUTES=%p, then the lead is %i minutes', (configured, minutes) => {
    expect(reminderLeadMinutes(configured, 1440)).toBe(minutes);
  });

  it.each(['0', '-5', '1.5', 'una hora'])('given REMINDER_LEAD_MINUTES=%p, then it is refused, naming the variable', (configured) => {
    expect(() => reminderLeadMinutes(configured, 1440)).toThrow(/^REMINDER_LEAD_MINUTES must be a positive whole number of minutes/);
  });
});

describe('the completion worker keeps each appointment’s reminder', () => {
  const quiet = given.aQuietLogger();
  async function whenApplied(detailType: 'AppointmentScheduled' | 'AppointmentCancelled', stored: ReturnType<typeof anAppointmentIn>) {
    const recorded = remindersRecorded();
    const { appointmentId, insuredId, scheduleId, countryISO } = stored;
    const fields = { appointmentId, insuredId, scheduleId, countryISO, correlationId: 'c-1' };
    await applyCountryOutcome(
      detailType === 'AppointmentScheduled'
        ? { detailType, detail: { ...fields, scheduledAt: NOW.toISOString() } }
        : { detailType, detail: { ...fields, cancelledAt: NOW.toISOString() } },
      {
        appointments: aRepositoryAnswering({ outcome: 'changed', appointment: stored }),
        subscribers: { publish: () => Promise.resolve() },
        eventBus: { announce: () => Promise.resolve() },
        logger: quiet,
        metrics: { statusStored: jest.fn(), statusChangePublished: jest.fn() },
        now: () => NOW,
        ...recorded,
      },
    );
    return recorded.reminders;
  }

  it('given a booking COMPLETED ten days ahead, when stored, then its reminder is scheduled for the day before', async () => {
    const stored = anAppointmentIn(10);

    const reminders = await whenApplied('AppointmentScheduled', stored);

    expect(reminders.schedule).toHaveBeenCalledWith({
      appointmentId: stored.appointmentId,
      insuredId: stored.insuredId,
      correlationId: 'c-1',
      at: new Date(Date.parse(stored.slot!.startsAt) - DAY_MS),
      remindsOf: stored.slot!.startsAt,
      timeZone: 'America/Lima',
    });
    expect(reminders.remove).not.toHaveBeenCalled();
  });

  it('given a cancellation stored, then the reminder is removed; given a booking COMPLETED inside the lead, then none is made and any is removed', async () => {
    const cancelled = await whenApplied('AppointmentCancelled', anAppointmentIn(10, AppointmentStatus.CANCELLED));
    const soon = await whenApplied('AppointmentScheduled', anAppointmentIn(0.5));

    expect(cancelled.remove).toHaveBeenCalledTimes(1);
    expect(soon.schedule).not.toHaveBeenCalled();
    expect(soon.remove).toHaveBeenCalledTimes(1);
  });
});

describe('the reminder worker reads the appointment again before it reminds', () => {
  async function whenItFires(stored: ReturnType<typeof anAppointmentIn> | undefined, remindsOf: string) {
    const appointments = aRepositoryAnswering();
    (appointments.get as jest.Mock).mockResolvedValue(stored);
    const announced: AppointmentReminderDue[] = [];
    const result = await remindOfAppointment(
      { appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N', insuredId: '00012', remindsOf, correlationId: 'c-2' },
      { appointments, bus: { announce: (due) => Promise.resolve(void announced.push(due)) }, logger: given.aQuietLogger() },
    );
    return { result, announced };
  }

  it('given the appointment still COMPLETED at that start, then AppointmentReminderDue is announced with its slot', async () => {
    const stored = anAppointmentIn(1);

    const { result, announced } = await whenItFires(stored, stored.slot!.startsAt);

    expect(result).toBe(true);
    expect(announced).toEqual([
      {
        appointmentId: stored.appointmentId,
        insuredId: '00012',
        scheduleId: 100,
        countryISO: 'PE',
        correlationId: 'c-2',
        slot: stored.slot,
        remindsOf: stored.slot!.startsAt,
      },
    ]);
  });

  it.each([
    ['cancelled since', anAppointmentIn(1, AppointmentStatus.CANCELLED), undefined],
    ['moved since', anAppointmentIn(3), anAppointmentIn(1).slot!.startsAt],
    ['gone', undefined, anAppointmentIn(1).slot!.startsAt],
  ])('given the appointment %s, then nothing is announced', async (_case, stored, remindsOf) => {
    const { result, announced } = await whenItFires(stored, remindsOf ?? stored.slot!.startsAt);

    expect(result).toBe(false);
    expect(announced).toEqual([]);
  });
});

describe('the reminder email', () => {
  it('given a Lima appointment, when rendered, then it says it is a reminder, with when and where and the code', () => {
    const { slot, ...appointment } = anAppointmentIn(1);
    const email = reminderEmail({
      appointmentId: appointment.appointmentId,
      insuredId: appointment.insuredId,
      scheduleId: appointment.scheduleId,
      countryISO: appointment.countryISO,
      correlationId: 'c-3',
      slot: slot!,
      remindsOf: slot!.startsAt,
    });

    expect(email.subject).toMatch(/^Recordatorio de su cita: Medicina general, viernes 11 de diciembre de 2026, \d{2}:\d{2}$/);
    for (const part of [email.text, email.html]) {
      expect(part).toContain('Le recordamos su cita médica.');
      expect(part).toContain(appointment.appointmentId);
      expect(part).toMatch(/hora de Lima/);
    }
  });
});

describe('the reminders as Scheduler one-time schedules (the local stand-in, with the real SDK client)', () => {
  let standIn: LocalOneTimeSchedules;
  let reminders: SchedulerAppointmentReminders;
  const settings = {
    groupName: topology.reminders.scheduleGroupName,
    namePrefix: topology.reminders.schedulePrefix,
    targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:reminder-worker',
    roleArn: 'arn:aws:iam::000000000000:role/reminders',
    deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:appointment-reminders-dlq',
    retryAttempts: 3,
  };
  const reminder = (at: string) => ({
    appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
    insuredId: '00012',
    at: new Date(at),
    timeZone: 'America/Santiago',
    remindsOf: '2027-01-21T16:00:00-03:00',
    correlationId: 'c-4',
  });

  beforeAll(async () => {
    standIn = new LocalOneTimeSchedules({ invoke: () => Promise.resolve(), logger: localLogger('test', () => undefined), now: () => NOW });
    const url = await standIn.listen();
    reminders = new SchedulerAppointmentReminders(
      new SchedulerClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      settings,
    );
  });
  afterAll(() => standIn.stop());

  it('given no schedule, when scheduled, then one is made in the centre’s zone at its wall time; scheduled again, it is moved, not doubled; removed twice, no error', async () => {
    await reminders.schedule(reminder('2027-01-20T19:00:00Z'));
    await reminders.schedule(reminder('2027-01-20T20:00:00Z'));
    const held = standIn.schedules();
    await reminders.remove('01JD3S8Y1R8W6ZC7Y9T0QK2M4N');
    await reminders.remove('01JD3S8Y1R8W6ZC7Y9T0QK2M4N');

    expect(held).toEqual([
      expect.objectContaining({
        name: 'reminder-01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
        group: settings.groupName,
        // Santiago's summer clock (UTC-3): 17:00 there is 20:00 UTC.
        expression: 'at(2027-01-20T17:00:00)',
        timeZone: 'America/Santiago',
        at: new Date('2027-01-20T20:00:00Z'),
        targetArn: settings.targetArn,
        input: {
          appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
          insuredId: '00012',
          remindsOf: '2027-01-21T16:00:00-03:00',
          correlationId: 'c-4',
        },
        actionAfterCompletion: 'DELETE',
      }),
    ]);
    expect(standIn.schedules()).toEqual([]);
  });

  it('given a deployment without emails, then reminders are neither made nor removed', async () => {
    await expect(noReminders.schedule(reminder('2027-01-20T19:00:00Z'))).resolves.toBeUndefined();
    await expect(noReminders.remove('01JD3S8Y1R8W6ZC7Y9T0QK2M4N')).resolves.toBeUndefined();
  });
});
