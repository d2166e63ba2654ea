import type { Appointment, AppointmentStatus } from '../../core/domain/appointment';
import { topology } from '../../core/config/topology';
import type { AppointmentReminders, AppointmentRepository, StatusChangeResult } from '../../core/ports';

/** One stored appointment of insured 00012 in PE, decided a second after its booking, with `changes` on top. */
export function anAppointment(status: AppointmentStatus, changes: Partial<Appointment> = {}): Appointment {
  return {
    appointmentId: '01JD3S8Y1R8W6ZC7Y9T0QK2M4N',
    insuredId: '00012',
    scheduleId: 100,
    countryISO: 'PE',
    status,
    rejectionReason: null,
    createdAt: '2026-11-29T10:00:00.000Z',
    updatedAt: '2026-11-29T10:00:01.000Z',
    slot: null,
    pendingReschedule: null,
    movedFrom: [],
    ...changes,
  };
}

/** A repository whose every write succeeds and whose status change answers as scripted (unit tests: no table). */
export function aRepositoryAnswering(statusChange?: StatusChangeResult): AppointmentRepository {
  return {
    create: jest.fn(() => Promise.resolve()),
    get: jest.fn(() => Promise.resolve(undefined)),
    claimSlot: jest.fn(() => Promise.resolve({ claimed: true, holder: undefined })),
    releaseSlotClaim: jest.fn(() => Promise.resolve()),
    listByInsured: jest.fn(() => Promise.resolve({ items: [] })),
    changeStatus: jest.fn(() => (statusChange ? Promise.resolve(statusChange) : Promise.reject(new Error('not scripted')))),
    discardPending: jest.fn(() => Promise.resolve(true)),
    keepAnswered: jest.fn(() => Promise.resolve(true)),
    requestMove: jest.fn(() => Promise.reject(new Error('not scripted'))),
    settleMove: jest.fn(() => Promise.reject(new Error('not scripted'))),
  };
}

/** Reminders that record what they were asked (unit tests: no Scheduler), with the topology's lead. */
export function remindersRecorded(): { reminders: jest.Mocked<AppointmentReminders>; reminderLeadMinutes: number } {
  return {
    reminders: { schedule: jest.fn((_reminder) => Promise.resolve()), remove: jest.fn((_appointmentId) => Promise.resolve()) },
    reminderLeadMinutes: topology.reminders.leadMinutes,
  };
}
