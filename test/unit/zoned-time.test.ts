import { countries } from '../../core/domain/countries';
import { localWallTimeToInstant, spokenDateTime, zonedDateTime } from '../../core/domain/zoned-time';

describe('an instant in a centre’s own zone (zonedDateTime)', () => {
  it('given an instant in December, when written for Lima, then it is Lima’s wall time with -05:00, seconds and no milliseconds', () => {
    expect(zonedDateTime('2026-12-15T15:30:00.789Z', 'America/Lima')).toBe('2026-12-15T10:30:00-05:00');
  });

  it('given an instant in July, when written for Lima, then it is still -05:00: Peru does not change its clocks', () => {
    expect(zonedDateTime(new Date('2026-07-15T15:30:00Z'), 'America/Lima')).toBe('2026-07-15T10:30:00-05:00');
  });

  it('given an instant in the Chilean summer (December), when written for Santiago, then it carries -03:00', () => {
    expect(zonedDateTime('2026-12-15T13:30:00Z', 'America/Santiago')).toBe('2026-12-15T10:30:00-03:00');
  });

  it('given an instant in the Chilean winter (July), when written for Santiago, then it carries -04:00', () => {
    expect(zonedDateTime('2026-07-15T14:30:00Z', 'America/Santiago')).toBe('2026-07-15T10:30:00-04:00');
  });

  it('given a zone at UTC, when written, then the offset is +00:00, never Z (a client always reads an offset)', () => {
    expect(zonedDateTime('2026-12-15T10:30:05Z', 'UTC')).toBe('2026-12-15T10:30:05+00:00');
  });

  it('given midnight in Santiago, when written, then the hour is 00, not 24', () => {
    expect(zonedDateTime('2026-12-15T03:00:00Z', 'America/Santiago')).toBe('2026-12-15T00:00:00-03:00');
  });

  it('given something that is not an instant, when written, then it is refused', () => {
    expect(() => zonedDateTime('tomorrow', 'America/Lima')).toThrow(RangeError);
  });
});

describe('a wall time of a zone as an instant (localWallTimeToInstant)', () => {
  it('given 10:30 in Lima, then it is 15:30 UTC', () => {
    expect(localWallTimeToInstant('2026-12-15', '10:30', 'America/Lima')).toEqual(new Date('2026-12-15T15:30:00Z'));
  });

  it('given 00:30 on the Sunday Chile moves its clocks forward (6 September 2026), then there is no such instant', () => {
    expect(localWallTimeToInstant('2026-09-06', '00:30', 'America/Santiago')).toBeUndefined();
    expect(localWallTimeToInstant('2026-09-06', '01:00', 'America/Santiago')).toEqual(new Date('2026-09-06T04:00:00Z'));
  });

  it('given 23:30 on the Saturday Chile moves its clocks back (4 April 2026), then it is the first of its two occurrences (-03:00)', () => {
    expect(localWallTimeToInstant('2026-04-04', '23:30', 'America/Santiago')).toEqual(new Date('2026-04-05T02:30:00Z'));
  });
});

describe('a date and time as the country writes it in an email (spokenDateTime)', () => {
  it('given an instant, when spoken for Peru, then it is Lima’s weekday, date and 24-hour time in Spanish', () => {
    expect(spokenDateTime('2026-12-15T15:30:00Z', countries.PE)).toBe('martes 15 de diciembre de 2026, 10:30');
  });

  it('given the same instant, when spoken for Chile, then it is Santiago’s time (summer, -03:00)', () => {
    expect(spokenDateTime('2026-12-15T15:30:00Z', countries.CL)).toBe('martes 15 de diciembre de 2026, 12:30');
  });

  it('given a morning in Chile, when spoken, then the hour has two digits and the day none padded', () => {
    expect(spokenDateTime(new Date('2026-09-05T12:05:00Z'), countries.CL)).toBe('sábado 5 de septiembre de 2026, 08:05');
  });

  it('given a September date in Peru, when spoken, then the month is written as Peru writes it, in lower case', () => {
    expect(spokenDateTime('2026-09-08T13:05:00Z', countries.PE)).toBe('martes 8 de setiembre de 2026, 08:05');
  });

  it('given an afternoon, when spoken, then the clock is 24-hour', () => {
    expect(spokenDateTime('2027-01-04T21:00:00Z', countries.PE)).toBe('lunes 4 de enero de 2027, 16:00');
  });
});
