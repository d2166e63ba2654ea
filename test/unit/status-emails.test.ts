import { countries } from '../../core/domain/countries';
import { escapeHtml, statusEmail, type RenderedEmail } from '../../core/email/status-emails';
import type { AppointmentStatusChanged } from '../../core/messages/appointment-messages';

const APPOINTMENT_ID = '01JDQ0000000000000000000AB';
// 17:30 UTC on a Sunday of the southern summer: 12:30 in Lima (UTC-5), 14:30 in Santiago (UTC-3).
const UPDATED_AT = '2026-11-29T17:30:00.000Z';

type AppointmentSlot = NonNullable<AppointmentStatusChanged['slot']>;

/** A Lima cardiology slot, as Appointment.slot answers it: the centre's offset, the district its country declares. */
const LIMA_SLOT: AppointmentSlot = {
  scheduleId: 123,
  countryISO: 'PE',
  startsAt: '2026-12-15T10:30:00-05:00',
  endsAt: '2026-12-15T11:00:00-05:00',
  centre: {
    __typename: 'PeruCentre',
    centreId: 'pe-clinica-miraflores',
    name: 'Clínica Miraflores',
    timeZone: 'America/Lima',
    district: 'Miraflores',
  },
  specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
  doctor: { doctorId: 'pe-dra-diaz', name: 'Dra. Milagros Díaz Zapata' },
};

/** A Santiago slot in the southern summer, when Chile's clocks are at -03:00 (19:00 UTC is 16:00 there). */
const SANTIAGO_SUMMER_SLOT: AppointmentSlot = {
  scheduleId: 456,
  countryISO: 'CL',
  startsAt: '2027-01-20T19:00:00Z',
  endsAt: '2027-01-20T19:30:00Z',
  centre: {
    __typename: 'ChileCentre',
    centreId: 'cl-clinica-providencia',
    name: 'Clínica Providencia',
    timeZone: 'America/Santiago',
    // In the reverse of the address order, as an answer's fields may come: the country's declaration orders them.
    region: 'Región Metropolitana',
    commune: 'Providencia',
  },
  specialty: { specialtyId: 'pediatria', name: 'Pediatría' },
  doctor: { doctorId: 'cl-dr-soto', name: 'Dr. Andrés Soto Muñoz' },
};

function changeOf(overrides: Partial<AppointmentStatusChanged>): AppointmentStatusChanged {
  return {
    appointmentId: APPOINTMENT_ID,
    insuredId: '00012',
    scheduleId: 123,
    countryISO: 'PE',
    correlationId: 'corr-1',
    status: 'COMPLETED',
    rejectionReason: null,
    updatedAt: UPDATED_AT,
    ...overrides,
  };
}

/** What a person reads in the HTML part: tags dropped, entities turned back into characters. */
function visibleTextOf(html: string): string {
  return html
    .replace(/<head>[\s\S]*<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Both parts, with runs of whitespace (Intl's no-break spaces included) made one space. */
function partsOf(email: RenderedEmail): { text: string; html: string } {
  return { text: email.text.replace(/\s+/g, ' '), html: visibleTextOf(email.html) };
}

const countryCases = [
  { countryISO: 'PE', lang: 'es-PE', localName: 'Perú', zone: 'hora de Lima', localTime: /\b12:30\b/, otherTime: /\b(2|14):30\b/ },
  { countryISO: 'CL', lang: 'es-CL', localName: 'Chile', zone: 'hora de Santiago', localTime: /\b(2|14):30\b/, otherTime: /\b12:30\b/ },
] as const;

const statusCases = [
  {
    status: 'COMPLETED',
    rejectionReason: null,
    inWords: /confirmada/i,
    nextStep: /Acuda a su cita.*Si no puede asistir, cancélela/,
  },
  {
    status: 'REJECTED',
    rejectionReason: 'SLOT_TAKEN',
    inWords: /rechazada/i,
    nextStep: /Reserve otro espacio/,
  },
  {
    status: 'CANCELLED',
    rejectionReason: null,
    inWords: /cancelada/i,
    nextStep: /El espacio quedó libre.*reserve una nueva cita/,
  },
] as const;

// The changes below have no slot, as those of appointments booked before the catalog: their emails keep the wording they always had.
describe('the Spanish status emails', () => {
  it.each([
    { given: 'no slot in the event (put before the catalog)', slot: undefined },
    { given: 'a null slot (an old appointment, or a deployment check)', slot: null },
  ])('given $given, when rendered, then the subject names the slot number and the appointment, as before', ({ slot }) => {
    // given
    const change = changeOf({ slot });

    // when
    const email = statusEmail(change);

    // then
    expect(email.subject).toBe(`Cita confirmada: espacio N.º 123 (código ${APPOINTMENT_ID})`);
    expect(email.text).toContain('Espacio: N.º 123');
    expect(email.text).not.toMatch(/Fecha y hora|Especialidad|Médico|Centro|Ubicación/);
  });

  describe.each(countryCases)('in $localName', (country) => {
    it.each(statusCases)(
      'given a change to $status, when rendered, then subject, text and HTML tell the person what they need',
      (statusCase) => {
        // given
        const change = changeOf({ countryISO: country.countryISO, status: statusCase.status, rejectionReason: statusCase.rejectionReason });

        // when
        const email = statusEmail(change);

        // then: the subject names the status in words and the appointment
        expect(email.subject).toMatch(statusCase.inWords);
        expect(email.subject).toContain(APPOINTMENT_ID);
        expect(email.subject).toContain('N.º 123');
        // then: both parts carry every fact and the next step (the HTML part's labels sit in their own cells, without a colon)
        for (const part of Object.values(partsOf(email))) {
          expect(part).toMatch(new RegExp(`Código de cita:? ${APPOINTMENT_ID}`));
          expect(part).toMatch(/Espacio:? N\.º 123/);
          expect(part).toMatch(new RegExp(`País:? ${country.localName}`));
          expect(part).toMatch(new RegExp(`Estado:? ${statusCase.inWords.source}`, 'i'));
          expect(part).toContain('domingo, 29 de noviembre de 2026');
          expect(part).toMatch(country.localTime);
          expect(part).not.toMatch(country.otherTime);
          expect(part).toContain(`(${country.zone})`);
          expect(part).toMatch(statusCase.nextStep);
        }
      },
    );

    it("given a change, when rendered, then the text part has no HTML and the HTML part is in the country's language", () => {
      // given
      const change = changeOf({ countryISO: country.countryISO });

      // when
      const email = statusEmail(change);

      // then
      expect(email.text).not.toMatch(/<\/?[a-z!][^>]*>/i);
      expect(email.text).not.toMatch(/&(amp|lt|gt|quot|#39);/);
      expect(email.html).toContain(`<html lang="${country.lang}">`);
    });
  });

  it('given a rejection because the slot was taken, when rendered, then both parts say another insured person took it and to book another', () => {
    // given
    const change = changeOf({ status: 'REJECTED', rejectionReason: 'SLOT_TAKEN' });

    // when
    const { text, html } = partsOf(statusEmail(change));

    // then
    for (const part of [text, html]) {
      expect(part).toContain('Otra persona asegurada reservó ese espacio antes que usted.');
      expect(part).toContain('Reserve otro espacio');
    }
  });

  it.each(['COMPLETED', 'CANCELLED'] as const)('given a change to %s, when rendered, then no rejection reason is given', (status) => {
    // given
    const change = changeOf({ status });

    // when
    const { text, html } = partsOf(statusEmail(change));

    // then
    expect(text).not.toContain('Motivo');
    expect(html).not.toContain('Motivo');
  });

  it('given a change near midnight, when rendered, then each country shows its own day', () => {
    // given: 04:30 UTC on the 30th is 23:30 on the 29th in Lima and 01:30 on the 30th in Santiago
    const updatedAt = '2026-11-30T04:30:00.000Z';

    // when
    const lima = partsOf(statusEmail(changeOf({ countryISO: 'PE', updatedAt }))).text;
    const santiago = partsOf(statusEmail(changeOf({ countryISO: 'CL', updatedAt }))).text;

    // then
    expect(lima).toContain('domingo, 29 de noviembre de 2026');
    expect(lima).toMatch(/\b(11|23):30\b/);
    expect(santiago).toContain('lunes, 30 de noviembre de 2026');
    expect(santiago).toMatch(/\b0?1:30\b/);
  });

  it('given a value with HTML in it, when rendered, then the HTML part shows it as text and the text part as it is', () => {
    // given: a crafted id (the message schema would refuse it) stands in for any value that needs escaping
    const crafted = `<script>alert("x")</script> & 'y'`;
    const change = changeOf({ appointmentId: crafted });

    // when
    const email = statusEmail(change);

    // then
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
    expect(visibleTextOf(email.html)).toContain(crafted);
    expect(email.text).toContain(crafted);
  });

  it('given every character HTML gives a meaning, when escaped, then each becomes its entity and the rest stays', () => {
    // given
    const value = `Perú <b>"a" & 'b'</b>`;

    // when
    const escaped = escapeHtml(value);

    // then
    expect(escaped).toBe('Perú &lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;');
  });
});

describe('the Spanish status emails of an appointment with its slot: what, when and where', () => {
  afterEach(() => jest.restoreAllMocks());

  it("given a Lima confirmation, when rendered, then both parts name the specialty, doctor, centre, district and the centre's date and time", () => {
    // given
    const change = changeOf({ countryISO: 'PE', status: 'COMPLETED', slot: LIMA_SLOT });

    // when
    const email = statusEmail(change);

    // then: the subject says what and when, as Peru writes it
    expect(email.subject).toBe('Cita confirmada: Cardiología, martes 15 de diciembre de 2026, 10:30');
    // then: both parts carry where and when, the code to quote on a call, and no slot number nobody can use
    for (const part of Object.values(partsOf(email))) {
      expect(part).toMatch(/Fecha y hora:? martes 15 de diciembre de 2026, 10:30 \(hora de Lima\)/);
      expect(part).toMatch(/Especialidad:? Cardiología/);
      expect(part).toMatch(/Médico\/a:? Dra\. Milagros Díaz Zapata/);
      expect(part).toMatch(/Centro:? Clínica Miraflores/);
      expect(part).toMatch(/Ubicación:? Miraflores/);
      expect(part).toMatch(/País:? Perú/);
      expect(part).toMatch(new RegExp(`Código de cita:? ${APPOINTMENT_ID}`));
      expect(part).toMatch(/Estado:? Confirmada/);
      expect(part).toMatch(/Fecha de confirmación:? domingo 29 de noviembre de 2026, 12:30 \(hora de Lima\)/);
      expect(part).toMatch(/Acuda a su cita/);
      expect(part).not.toContain('Espacio');
      expect(part).not.toContain('N.º');
      expect(part).not.toContain('Motivo');
    }
    expect(email.html).toContain('<html lang="es-PE">');
  });

  it("given a Santiago confirmation in summer time, when rendered, then the time is Santiago's (-03:00) and the commune comes before the region", () => {
    // given
    const change = changeOf({ countryISO: 'CL', status: 'COMPLETED', slot: SANTIAGO_SUMMER_SLOT });

    // when
    const email = statusEmail(change);

    // then
    expect(email.subject).toBe('Cita confirmada: Pediatría, miércoles 20 de enero de 2027, 16:00');
    for (const part of Object.values(partsOf(email))) {
      expect(part).toMatch(/Fecha y hora:? miércoles 20 de enero de 2027, 16:00 \(hora de Santiago\)/);
      expect(part).toMatch(/Médico\/a:? Dr\. Andrés Soto Muñoz/);
      expect(part).toMatch(/Centro:? Clínica Providencia/);
      expect(part).toMatch(/Ubicación:? Providencia, Región Metropolitana/);
      expect(part).toMatch(/País:? Chile/);
      // the type's name is no attribute the country declares
      expect(part).not.toContain('ChileCentre');
    }
    expect(email.html).toContain('<html lang="es-CL">');
  });

  it('given a rejection of a slot someone else took, when rendered, then both parts say which appointment it was, why, and to book another', () => {
    // given
    const change = changeOf({ status: 'REJECTED', rejectionReason: 'SLOT_TAKEN', slot: LIMA_SLOT });

    // when
    const email = statusEmail(change);

    // then
    expect(email.subject).toBe('Cita rechazada: Cardiología, martes 15 de diciembre de 2026, 10:30');
    for (const part of Object.values(partsOf(email))) {
      expect(part).toContain('No pudimos reservar su cita médica.');
      expect(part).toMatch(/Fecha y hora:? martes 15 de diciembre de 2026, 10:30 \(hora de Lima\)/);
      expect(part).toMatch(/Médico\/a:? Dra\. Milagros Díaz Zapata/);
      expect(part).toMatch(/Estado:? Rechazada/);
      expect(part).toMatch(/Fecha del rechazo:? domingo 29 de noviembre de 2026, 12:30 \(hora de Lima\)/);
      expect(part).toMatch(/Motivo:? Otra persona asegurada reservó ese espacio antes que usted\./);
      expect(part).toContain('Reserve otro espacio');
    }
  });

  it('given a cancellation, when rendered, then both parts say which appointment was cancelled and that its time is free', () => {
    // given
    const change = changeOf({ countryISO: 'CL', status: 'CANCELLED', slot: SANTIAGO_SUMMER_SLOT });

    // when
    const email = statusEmail(change);

    // then
    expect(email.subject).toBe('Cita cancelada: Pediatría, miércoles 20 de enero de 2027, 16:00');
    for (const part of Object.values(partsOf(email))) {
      expect(part).toContain('Su cita médica fue cancelada.');
      expect(part).toMatch(/Fecha y hora:? miércoles 20 de enero de 2027, 16:00 \(hora de Santiago\)/);
      expect(part).toMatch(/Ubicación:? Providencia, Región Metropolitana/);
      expect(part).toMatch(/Estado:? Cancelada/);
      expect(part).toMatch(/Fecha de cancelación:? domingo 29 de noviembre de 2026, 14:30 \(hora de Santiago\)/);
      expect(part).toMatch(/El espacio quedó libre/);
      expect(part).not.toContain('Motivo');
    }
  });

  it("given a country that declares its centre's attributes in another order, when rendered, then the place follows that declaration", () => {
    // given: the template knows no country; a new country's declaration is all it reads
    jest.replaceProperty(countries.CL, 'centreAttributes', ['region', 'commune'] as unknown as typeof countries.CL.centreAttributes);
    const change = changeOf({ countryISO: 'CL', slot: SANTIAGO_SUMMER_SLOT });

    // when
    const { text, html } = partsOf(statusEmail(change));

    // then
    expect(text).toContain('Ubicación: Región Metropolitana, Providencia');
    expect(html).toContain('Ubicación Región Metropolitana, Providencia');
  });

  it('given a slot in the Peruvian September, when rendered, then the month is written as Peru writes it', () => {
    // given
    const change = changeOf({ slot: { ...LIMA_SLOT, startsAt: '2026-09-08T08:05:00-05:00', endsAt: '2026-09-08T08:35:00-05:00' } });

    // when
    const email = statusEmail(change);

    // then
    expect(email.subject).toBe('Cita confirmada: Cardiología, martes 8 de setiembre de 2026, 08:05');
  });

  it('given catalog names with HTML in them, when rendered, then the HTML part shows them as text and the text part as they are', () => {
    // given: staff publish the names, so they are escaped like any other value
    const doctor = `Dr. <b>O'Higgins</b> & "Hijos"`;
    const change = changeOf({ slot: { ...LIMA_SLOT, doctor: { doctorId: 'pe-dr-x', name: doctor } } });

    // when
    const email = statusEmail(change);

    // then
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('Dr. &lt;b&gt;O&#39;Higgins&lt;/b&gt; &amp; &quot;Hijos&quot;');
    expect(visibleTextOf(email.html)).toContain(doctor);
    expect(email.text).toContain(`Médico/a: ${doctor}`);
  });
});

describe('the Spanish emails of a move (rescheduleAppointment): from when and where, to when and where', () => {
  const LATER_LIMA_SLOT: AppointmentSlot = {
    ...LIMA_SLOT,
    scheduleId: 124,
    startsAt: '2026-12-17T16:00:00-05:00',
    endsAt: '2026-12-17T16:30:00-05:00',
  };
  const MOVE_ID = '01JDQ0000000000000000000MV';

  it('given a move its country made, when rendered, then the subject says rescheduled with the new time, and both parts give the new slot and the one left', () => {
    const change = changeOf({
      scheduleId: 124,
      slot: LATER_LIMA_SLOT,
      reschedule: { moveId: MOVE_ID, outcome: 'MOVED', from: LIMA_SLOT, fromScheduleId: 123, to: LATER_LIMA_SLOT, refusalReason: null },
    });

    const email = statusEmail(change);

    expect(email.subject).toBe('Cita reprogramada: Cardiología, jueves 17 de diciembre de 2026, 16:00');
    for (const part of Object.values(partsOf(email))) {
      expect(part).toContain('Su cita médica fue reprogramada.');
      expect(part).toMatch(/Fecha y hora:? jueves 17 de diciembre de 2026, 16:00 \(hora de Lima\)/);
      expect(part).toMatch(
        /Horario anterior:? martes 15 de diciembre de 2026, 10:30 \(hora de Lima\), Clínica Miraflores, Dra\. Milagros Díaz Zapata/,
      );
      expect(part).toMatch(/Estado:? Reprogramada/);
      expect(part).toMatch(/Fecha del cambio:? domingo 29 de noviembre de 2026, 12:30 \(hora de Lima\)/);
      expect(part).not.toContain('Motivo');
    }
  });

  it('given a move its country refused, when rendered, then the subject says nothing changed with the time kept, and both parts give the slot asked for and why', () => {
    const change = changeOf({
      slot: LIMA_SLOT,
      reschedule: {
        moveId: MOVE_ID,
        outcome: 'REFUSED',
        from: LIMA_SLOT,
        fromScheduleId: 123,
        to: LATER_LIMA_SLOT,
        refusalReason: 'SLOT_TAKEN',
      },
    });

    const email = statusEmail(change);

    expect(email.subject).toBe('Cita sin cambios: Cardiología, martes 15 de diciembre de 2026, 10:30');
    for (const part of Object.values(partsOf(email))) {
      expect(part).toContain('No pudimos cambiar su cita médica: su reserva sigue como estaba.');
      expect(part).toMatch(/Fecha y hora:? martes 15 de diciembre de 2026, 10:30 \(hora de Lima\)/);
      expect(part).toMatch(/Horario solicitado:? jueves 17 de diciembre de 2026, 16:00 \(hora de Lima\)/);
      expect(part).toMatch(/Motivo:? Otra persona asegurada reservó ese espacio antes que usted\./);
    }
  });

  it('given a move from a slot booked before the catalog, when rendered, then the slot left is named by its number', () => {
    const change = changeOf({
      scheduleId: 124,
      slot: LATER_LIMA_SLOT,
      reschedule: { moveId: MOVE_ID, outcome: 'MOVED', from: null, fromScheduleId: 77, to: LATER_LIMA_SLOT, refusalReason: null },
    });

    expect(statusEmail(change).text).toMatch(/^Horario anterior: Espacio N\.º 77$/m);
  });

  it('given a PENDING change that settles no move, when rendered, then it is refused: only a move is told while PENDING', () => {
    expect(() => statusEmail(changeOf({ status: 'PENDING' }))).toThrow(/a PENDING change has no email but a move's/);
  });
});
