import { escapeHtml, statusEmail, type RenderedEmail } from '../../core/email/status-emails';
import type { AppointmentStatusChanged } from '../../core/messages/appointment-messages';

const APPOINTMENT_ID = '01JDQ0000000000000000000AB';
// 17:30 UTC on a Sunday of the southern summer: 12:30 in Lima (UTC-5), 14:30 in Santiago (UTC-3).
const UPDATED_AT = '2026-11-29T17:30:00.000Z';

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

describe('the Spanish status emails', () => {
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
