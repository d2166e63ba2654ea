import { validateCreateAppointmentInput } from '../../core/domain/appointment';
import { deploymentChecks } from '../../core/domain/reserved-check-slots';
import { ValidationError } from '../../core/domain/errors';

const { insuredId: checkInsuredId, firstScheduleId, lastScheduleId } = deploymentChecks;

describe('slots reserved for deployment checks (npm run smoke)', () => {
  it.each([firstScheduleId, lastScheduleId])(
    'given the check insuredId and check slot %i, when validated, then the booking is accepted as sent',
    (scheduleId) => {
      expect(validateCreateAppointmentInput({ insuredId: checkInsuredId, scheduleId, countryISO: 'PE' })).toEqual({
        insuredId: checkInsuredId,
        scheduleId,
        countryISO: 'PE',
      });
    },
  );

  it.each([firstScheduleId, lastScheduleId])(
    'given a real insured person and check slot %i, when validated, then it is refused: the slot is reserved for checks',
    (scheduleId) => {
      const booking = { insuredId: '00012', scheduleId, countryISO: 'CL' };

      expect(() => validateCreateAppointmentInput(booking)).toThrow(ValidationError);
      expect(() => validateCreateAppointmentInput(booking)).toThrow(`scheduleId ${scheduleId} is reserved for deployment checks`);
    },
  );

  it.each([1, firstScheduleId - 1])(
    'given the check insuredId and real slot %i, when validated, then it is refused: checks book only their own slots',
    (scheduleId) => {
      const booking = { insuredId: checkInsuredId, scheduleId, countryISO: 'PE' };

      expect(() => validateCreateAppointmentInput(booking)).toThrow(ValidationError);
      expect(() => validateCreateAppointmentInput(booking)).toThrow(
        `insuredId ${checkInsuredId} is reserved for deployment checks (npm run smoke) and may book only their slots`,
      );
    },
  );

  it('given a real insured person and the slot just below the reserved range, when validated, then it is accepted', () => {
    expect(validateCreateAppointmentInput({ insuredId: '00012', scheduleId: firstScheduleId - 1, countryISO: 'CL' })).toMatchObject({
      scheduleId: firstScheduleId - 1,
    });
  });

  it('given a booking that breaks a field rule as well, when validated, then the field rule is named (the reserved range is checked on valid fields only)', () => {
    expect(() => validateCreateAppointmentInput({ insuredId: '0001', scheduleId: firstScheduleId, countryISO: 'PE' })).toThrow(
      /insuredId must be exactly 5 digits/,
    );
  });
});
