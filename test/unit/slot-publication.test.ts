import { ValidationError } from '../../core/domain/errors';
import {
  MAX_EVERY_MINUTES,
  MAX_SESSIONS_PER_PUBLICATION,
  MAX_SLOTS_PER_PUBLICATION,
  MIN_EVERY_MINUTES,
  publishSlotsInputOf,
  validateSlotPublication,
} from '../../core/domain/slot-publication';
import { slotTimesOf } from '../../core/domain/slot-times';
import type { SlotPublication } from '../../core/domain/slots';
import { zonedDateTime } from '../../core/domain/zoned-time';

// Before every date below: the rule about slots that have begun is tested on its own.
const now = new Date('2026-01-01T00:00:00Z');

function peruInput(overrides: Record<string, unknown> = {}) {
  return {
    countryISO: 'PE',
    centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', peru: { district: 'Miraflores' } },
    specialty: { specialtyId: 'medicina-general', name: 'Medicina General' },
    doctor: { doctorId: 'maria-quispe-huaman', name: 'Dra. María Quispe Huamán' },
    sessions: [{ date: '2026-12-15', from: '08:00', to: '13:00', everyMinutes: 20 }],
    ...overrides,
  };
}

function chileInput(overrides: Record<string, unknown> = {}) {
  return {
    ...peruInput(),
    countryISO: 'CL',
    centre: {
      centreId: 'cl-clinica-providencia',
      name: 'Clínica Providencia',
      chile: { commune: 'Providencia', region: 'Región Metropolitana' },
    },
    ...overrides,
  };
}

const session = (date: string, from: string, to: string, everyMinutes = 30) => ({ date, from, to, everyMinutes });

/** The problems a ValidationError lists, or a failure when the input is accepted. */
function problemsOf(input: unknown, at = now): readonly string[] {
  try {
    validateSlotPublication(input, at);
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError, but the input was accepted');
}

function chilePublication(...sessions: ReturnType<typeof session>[]): SlotPublication {
  return validateSlotPublication(chileInput({ sessions }), now);
}

const startsIn = (publication: SlotPublication, timeZone: string) =>
  slotTimesOf(publication).map(({ startsAt }) => zonedDateTime(startsAt, timeZone));

describe('publishing slots: what is accepted', () => {
  it('given a Peruvian centre, when validated, then its district becomes its attributes and names are trimmed', () => {
    const publication = validateSlotPublication(
      peruInput({
        centre: { centreId: 'pe-clinica-miraflores', name: '  Clínica Miraflores ', peru: { district: ' Miraflores ' }, chile: null },
      }),
      now,
    );

    expect(publication).toEqual({
      countryISO: 'PE',
      centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica Miraflores', attributes: { district: 'Miraflores' } },
      specialty: { specialtyId: 'medicina-general', name: 'Medicina General' },
      doctor: { doctorId: 'maria-quispe-huaman', name: 'Dra. María Quispe Huamán' },
      sessions: [{ date: '2026-12-15', from: '08:00', to: '13:00', everyMinutes: 20 }],
    });
  });

  it('given a Chilean centre, when validated, then its attributes are exactly commune and region, in that order', () => {
    const { centre } = validateSlotPublication(chileInput(), now);

    expect(Object.entries(centre.attributes)).toEqual([
      ['commune', 'Providencia'],
      ['region', 'Región Metropolitana'],
    ]);
  });

  it('given times with :00 seconds (AWSTime allows them), when validated, then they are kept as hh:mm', () => {
    const { sessions } = validateSlotPublication(peruInput({ sessions: [session('2026-12-15', '08:00:00', '13:00:00')] }), now);

    expect(sessions).toEqual([session('2026-12-15', '08:00', '13:00')]);
  });

  it('given a publication, when turned into the GraphQL input and validated again, then it is the same publication', () => {
    const publication = chilePublication(session('2026-12-15', '08:00', '13:00'), session('2026-12-16', '14:00', '18:00', 20));

    expect(publishSlotsInputOf(publication)).toMatchObject({
      centre: { chile: { commune: 'Providencia', region: 'Región Metropolitana' } },
    });
    expect(validateSlotPublication(publishSlotsInputOf(publication), now)).toEqual(publication);
  });
});

describe('publishing slots: what is refused, each rule named', () => {
  it('given ids with capitals, spaces or a leading dash, when validated, then each id is named with its rule', () => {
    const problems = problemsOf(
      peruInput({
        centre: { centreId: 'PE-Clinica', name: 'Clínica', peru: { district: 'Miraflores' } },
        specialty: { specialtyId: 'medicina general', name: 'Medicina General' },
        doctor: { doctorId: '-quispe', name: 'Dra. Quispe' },
      }),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^centre\.centreId must be 1 to 64 lowercase letters \(a-z\), digits and dashes/),
      expect.stringMatching(/^specialty\.specialtyId must be 1 to 64 lowercase letters/),
      expect.stringMatching(/^doctor\.doctorId must be 1 to 64 lowercase letters/),
    ]);
  });

  it('given an id of 65 characters, when validated, then it is refused', () => {
    expect(problemsOf(peruInput({ doctor: { doctorId: 'a'.repeat(65), name: 'Dr. A' } }))).toEqual([
      expect.stringMatching(/^doctor\.doctorId must be 1 to 64/),
    ]);
  });

  it('given a blank name, a name too long and a blank district, when validated, then each is named', () => {
    const problems = problemsOf(
      peruInput({
        centre: { centreId: 'pe-clinica-miraflores', name: '   ', peru: { district: '' } },
        doctor: { doctorId: 'maria-quispe-huaman', name: 'x'.repeat(121) },
      }),
    );

    expect(problems).toEqual([
      'centre.name must not be empty',
      'centre.peru.district must not be empty',
      'doctor.name must be at most 120 characters',
    ]);
  });

  it('given a Peruvian centre with Chile’s field, when validated, then the message names the field that belongs to Peru', () => {
    const input = peruInput({ centre: { centreId: 'pe-clinica-miraflores', name: 'Clínica', chile: { commune: 'Ñuñoa', region: 'RM' } } });

    expect(problemsOf(input)).toEqual(['centre.chile is for CL centres; a PE centre gives its district in centre.peru']);
  });

  it('given a Chilean centre with both countries’ fields, when validated, then Peru’s field is refused', () => {
    const input = chileInput({
      centre: { centreId: 'cl-x', name: 'Clínica', chile: { commune: 'Ñuñoa', region: 'RM' }, peru: { district: 'Miraflores' } },
    });

    expect(problemsOf(input)).toEqual(['centre.peru is for PE centres; a CL centre gives its commune and region in centre.chile']);
  });

  it('given a centre without its country’s field, when validated, then the field is required with its attributes', () => {
    expect(problemsOf(chileInput({ centre: { centreId: 'cl-x', name: 'Clínica' } }))).toEqual([
      'centre.chile is required for a CL centre: its commune and region',
    ]);
  });

  it('given a Chilean centre without its region, when validated, then the region is named', () => {
    expect(problemsOf(chileInput({ centre: { centreId: 'cl-x', name: 'Clínica', chile: { commune: 'Ñuñoa' } } }))).toEqual([
      'centre.chile.region must be a string',
    ]);
  });

  it(`given no session or more than ${MAX_SESSIONS_PER_PUBLICATION}, when validated, then the count is refused with its limit`, () => {
    const december = Array.from({ length: 31 }, (_, day) => session(`2026-12-${String(day + 1).padStart(2, '0')}`, '08:00', '09:00'));
    const many = [...december, session('2027-01-01', '08:00', '09:00')];

    expect(problemsOf(peruInput({ sessions: [] }))).toEqual(['sessions must name at least one session']);
    expect(problemsOf(peruInput({ sessions: many }))).toEqual([
      `sessions: at most ${MAX_SESSIONS_PER_PUBLICATION} sessions in one publication; publish the rest separately`,
    ]);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-04-31', '15/12/2026', '2026-12-15Z', '2026-12-15T08:00'])(
    'given the date %s, when validated, then it is refused as not a calendar date YYYY-MM-DD',
    (date) => {
      expect(problemsOf(peruInput({ sessions: [session(date, '08:00', '09:00')] }))).toEqual([
        'session 1: date must be a real calendar date as YYYY-MM-DD, the centre\'s local date, for example "2026-12-15"',
      ]);
    },
  );

  it('given 29 February of a leap year, when validated, then it is accepted', () => {
    expect(validateSlotPublication(peruInput({ sessions: [session('2028-02-29', '08:00', '09:00')] }), now).sessions).toHaveLength(1);
  });

  it.each(['08:00Z', '08:00:00-05:00', '08:00+0100'])(
    'given the time %s with an offset, when validated, then the offset is refused',
    (from) => {
      expect(problemsOf(peruInput({ sessions: [session('2026-12-15', from, '13:00')] }))).toEqual([
        'session 1: from must be the centre\'s local time without an offset or Z (the centre\'s country gives its zone), for example "08:30"',
      ]);
    },
  );

  it.each(['8:00', '24:00', '08:60', '08:00:30', '08:00:00.000'])(
    'given the time %s, when validated, then it is refused as not hh:mm',
    (to) => {
      expect(problemsOf(peruInput({ sessions: [session('2026-12-15', '07:00', to)] }))).toEqual([
        'session 1: to must be a time of day as hh:mm (24-hour, whole minutes), for example "08:30"',
      ]);
    },
  );

  it('given a session that ends when or before it starts, when validated, then it is refused', () => {
    expect(problemsOf(peruInput({ sessions: [session('2026-12-15', '13:00', '13:00')] }))).toEqual([
      'session 1 (2026-12-15 13:00–13:00): from must be earlier than to',
    ]);
  });

  it.each([
    [MIN_EVERY_MINUTES - 1, `session 1: everyMinutes must be at least ${MIN_EVERY_MINUTES}`],
    [MAX_EVERY_MINUTES + 1, `session 1: everyMinutes must be at most ${MAX_EVERY_MINUTES}`],
    [12.5, 'session 1: everyMinutes must be a whole number of minutes'],
  ])('given a slot every %s minutes, when validated, then it is refused', (everyMinutes, message) => {
    expect(problemsOf(peruInput({ sessions: [session('2026-12-15', '08:00', '18:00', everyMinutes)] }))).toEqual([message]);
  });

  it('given a session too short for one slot, when validated, then it is refused', () => {
    expect(problemsOf(peruInput({ sessions: [session('2026-12-15', '08:00', '08:25', 30)] }))).toEqual([
      'session 1 (2026-12-15 08:00–08:25): no 30-minute slot fits between from and to',
    ]);
  });

  it(`given sessions that make more than ${MAX_SLOTS_PER_PUBLICATION} slots, when validated, then the total is refused with the limit`, () => {
    // 287 slots a day: four days make 1,148.
    const sessions = ['2026-12-14', '2026-12-15', '2026-12-16', '2026-12-17'].map((date) => session(date, '00:00', '23:55', 5));

    expect(problemsOf(peruInput({ sessions }))).toEqual([
      `the sessions make 1148 slots; at most ${MAX_SLOTS_PER_PUBLICATION} in one publication, publish the rest separately`,
    ]);
  });

  it('given a session whose first slot has begun, when validated, then it is refused; one starting later the same day is accepted', () => {
    const at = new Date('2026-12-15T13:00:00Z'); // 08:00 in Lima

    expect(problemsOf(peruInput({ sessions: [session('2026-12-15', '08:00', '13:00')] }), at)).toEqual([
      'session 1 (2026-12-15 08:00–13:00): its first slot has already begun; publish slots that start later',
    ]);
    expect(validateSlotPublication(peruInput({ sessions: [session('2026-12-15', '08:30', '13:00')] }), at).sessions).toHaveLength(1);
  });

  it('given two sessions of one day that overlap, when validated, then both are named; sessions that only touch are accepted', () => {
    const overlapping = [
      session('2026-12-15', '08:00', '13:00'),
      session('2026-12-16', '08:00', '13:00'),
      session('2026-12-15', '12:30', '14:00'),
    ];

    expect(problemsOf(peruInput({ sessions: overlapping }))).toEqual([
      'sessions 1 and 3 overlap on 2026-12-15 (08:00–13:00 and 12:30–14:00)',
    ]);
    expect(
      validateSlotPublication(
        peruInput({ sessions: [session('2026-12-15', '08:00', '13:00'), session('2026-12-15', '13:00', '14:00')] }),
        now,
      ).sessions,
    ).toHaveLength(2);
  });

  it('given a session only in the hour Santiago skips, when validated, then it is refused: none of its times exist', () => {
    expect(problemsOf(chileInput({ sessions: [session('2026-09-06', '00:00', '00:59', 15)] }))).toEqual([
      'session 1 (2026-09-06 00:00–00:59): its times do not exist in America/Santiago (the clocks skip them that day)',
    ]);
  });

  it('given an input breaking several rules across fields, when validated, then every one is named in one error', () => {
    const input = peruInput({
      centre: { centreId: 'pe-x', name: 'Clínica' },
      sessions: [session('2026-12-15', '09:00', '08:00'), session('2026-12-16', '08:00', '08:10'), session('2026-12-16', '08:05', '09:00')],
    });

    expect(problemsOf(input)).toEqual([
      'centre.peru is required for a PE centre: its district',
      'session 1 (2026-12-15 09:00–08:00): from must be earlier than to',
      'session 2 (2026-12-16 08:00–08:10): no 30-minute slot fits between from and to',
      'sessions 2 and 3 overlap on 2026-12-16 (08:00–08:10 and 08:05–09:00)',
    ]);
  });

  it('given an unknown field or not an object, when validated, then it is refused by name', () => {
    expect(problemsOf({ ...peruInput(), price: 10 })).toEqual(['input: unknown field(s): price']);
    expect(problemsOf(peruInput({ sessions: ['monday'] }))).toEqual(['session 1: must be an object with date, from, to and everyMinutes']);
    expect(problemsOf(null)).toEqual(['input must be an object']);
  });

  it('given an unknown country, when validated, then the countries are listed', () => {
    expect(problemsOf(peruInput({ countryISO: 'AR' }))).toEqual(['countryISO must be one of PE, CL']);
  });
});

describe('a publication’s slots (slotTimesOf)', () => {
  it('given a Lima morning every 20 minutes, then it makes 15 slots of 20 minutes, 08:00 to 13:00 at -05:00', () => {
    const times = slotTimesOf(validateSlotPublication(peruInput(), now));

    expect(times).toHaveLength(15);
    expect(times[0]).toEqual({ startsAt: new Date('2026-12-15T13:00:00Z'), endsAt: new Date('2026-12-15T13:20:00Z') });
    expect(times.at(-1)).toEqual({ startsAt: new Date('2026-12-15T17:40:00Z'), endsAt: new Date('2026-12-15T18:00:00Z') });
  });

  it('given a session whose length is not a whole number of slots, then the last slot ends before `to`', () => {
    const publication = validateSlotPublication(peruInput({ sessions: [session('2026-12-15', '08:00', '09:10', 20)] }), now);

    expect(startsIn(publication, 'America/Lima')).toEqual([
      '2026-12-15T08:00:00-05:00',
      '2026-12-15T08:20:00-05:00',
      '2026-12-15T08:40:00-05:00',
    ]);
    expect(slotTimesOf(publication).at(-1)?.endsAt).toEqual(new Date('2026-12-15T14:00:00Z'));
  });

  it('given sessions out of order, then the slots come soonest first', () => {
    const publication = validateSlotPublication(
      peruInput({ sessions: [session('2026-12-16', '08:00', '09:00'), session('2026-12-15', '14:00', '15:00')] }),
      now,
    );

    expect(startsIn(publication, 'America/Lima')).toEqual([
      '2026-12-15T14:00:00-05:00',
      '2026-12-15T14:30:00-05:00',
      '2026-12-16T08:00:00-05:00',
      '2026-12-16T08:30:00-05:00',
    ]);
  });

  it('given the same session twice (a publication not validated), then each slot comes once', () => {
    const publication = validateSlotPublication(peruInput({ sessions: [session('2026-12-15', '08:00', '09:00')] }), now);
    const doubled = { ...publication, sessions: [...publication.sessions, ...publication.sessions] };

    expect(slotTimesOf(doubled)).toHaveLength(2);
  });

  it('given a Chilean summer and winter morning, then the same 08:00 is 11:00 UTC in December and 12:00 UTC in July', () => {
    const times = slotTimesOf(chilePublication(session('2026-07-15', '08:00', '08:30'), session('2026-12-15', '08:00', '08:30')));

    expect(times.map(({ startsAt }) => startsAt.toISOString())).toEqual(['2026-07-15T12:00:00.000Z', '2026-12-15T11:00:00.000Z']);
  });

  // Chile moves its clocks forward at 24:00 of the first Saturday of September: that Sunday has no 00:00–00:59.
  it.each([
    ['2026-09-06', '2026-09-06T04:00:00.000Z'],
    ['2027-09-05', '2027-09-05T04:00:00.000Z'],
  ])(
    'given a Santiago session from 00:00 to 02:00 on %s, when the clocks go forward, then only 01:00 and 01:30 exist (-03:00)',
    (date, first) => {
      const publication = chilePublication(session(date, '00:00', '02:00', 30));

      expect(startsIn(publication, 'America/Santiago')).toEqual([`${date}T01:00:00-03:00`, `${date}T01:30:00-03:00`]);
      expect(slotTimesOf(publication)[0]?.startsAt.toISOString()).toBe(first);
    },
  );

  // And back at 24:00 of the first Saturday of April: that Saturday's 23:00–23:59 happens twice.
  it.each(['2026-04-04', '2027-04-03'])(
    'given a Santiago session from 22:00 to 23:59 on %s, when the clocks go back, then each wall time has one slot, at its first occurrence (-03:00)',
    (date) => {
      const publication = chilePublication(session(date, '22:00', '23:59', 20));
      const times = slotTimesOf(publication);

      expect(startsIn(publication, 'America/Santiago')).toEqual(
        ['22:00', '22:20', '22:40', '23:00', '23:20'].map((time) => `${date}T${time}:00-03:00`),
      );
      // Each slot lasts its 20 real minutes, and none starts in the repeated hour (23:00–23:59 at -04:00).
      expect(times.every(({ startsAt, endsAt }) => endsAt.getTime() - startsAt.getTime() === 20 * 60_000)).toBe(true);
      expect(times.at(-1)?.endsAt.toISOString()).toBe(zonedInstant(date, '23:40', '-03:00'));
    },
  );

  it('given the Sunday after Chile’s clocks go back (5 April 2026), then its morning is at -04:00', () => {
    expect(startsIn(chilePublication(session('2026-04-05', '00:00', '01:00', 30)), 'America/Santiago')).toEqual([
      '2026-04-05T00:00:00-04:00',
      '2026-04-05T00:30:00-04:00',
    ]);
  });

  it('given Lima sessions on the days Santiago changes its clocks, then every wall time exists once at -05:00: Peru has no daylight saving', () => {
    const publication = validateSlotPublication(
      peruInput({ sessions: [session('2026-09-06', '00:00', '01:00', 30), session('2026-04-04', '23:00', '23:59', 30)] }),
      now,
    );

    expect(startsIn(publication, 'America/Lima')).toEqual([
      '2026-04-04T23:00:00-05:00',
      '2026-09-06T00:00:00-05:00',
      '2026-09-06T00:30:00-05:00',
    ]);
  });
});

function zonedInstant(date: string, time: string, offset: string): string {
  return new Date(`${date}T${time}:00${offset}`).toISOString();
}
