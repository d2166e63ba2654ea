import { countries, type Country } from '../domain/countries';
import type { RejectionReason } from '../domain/appointment';
import { spokenDateTime } from '../domain/zoned-time';
import type { AppointmentReminderDue, AppointmentStatusChanged } from '../messages/appointment-messages';

/** One email, ready for SES: both parts say the same things. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

type SettledStatus = Exclude<AppointmentStatusChanged['status'], 'PENDING'>;
type MoveResult = NonNullable<AppointmentStatusChanged['reschedule']>;

interface StatusWording {
  /** The status in words, as it reads after "Cita" in the subject and in the details. */
  readonly inWords: string;
  /** The first line a person reads. */
  readonly headline: string;
  /** Names the date of the change, so nobody takes it for the date of the appointment. */
  readonly changedAtLabel: string;
  readonly nextStep: string;
}

// Usted form, no regional words, so both countries read the same sentences.
const statusWordings = {
  COMPLETED: {
    inWords: 'confirmada',
    headline: 'Su cita médica está confirmada.',
    changedAtLabel: 'Fecha de confirmación',
    nextStep:
      'Acuda a su cita en la fecha, hora y lugar del espacio reservado. Si no puede asistir, cancélela desde la aplicación o llamando a la central de atención, para que el espacio quede libre para otra persona.',
  },
  REJECTED: {
    inWords: 'rechazada',
    headline: 'No pudimos reservar su cita médica.',
    changedAtLabel: 'Fecha del rechazo',
    nextStep: 'Reserve otro espacio desde la aplicación o llamando a la central de atención.',
  },
  CANCELLED: {
    inWords: 'cancelada',
    headline: 'Su cita médica fue cancelada.',
    changedAtLabel: 'Fecha de cancelación',
    nextStep: 'El espacio quedó libre. Si todavía necesita atención, reserve una nueva cita cuando lo desee.',
  },
} as const satisfies Record<SettledStatus, StatusWording>;

/** A move's email: what became of it, whatever the appointment's status (a move may settle before its booking). */
const moveWordings = {
  MOVED: {
    inWords: 'reprogramada',
    headline: 'Su cita médica fue reprogramada.',
    changedAtLabel: 'Fecha del cambio',
    nextStep:
      'Acuda a su cita en la nueva fecha, hora y lugar. El horario anterior quedó libre para otra persona. Si no puede asistir, cancélela desde la aplicación o llamando a la central de atención.',
  },
  REFUSED: {
    inWords: 'sin cambios',
    headline: 'No pudimos cambiar su cita médica: su reserva sigue como estaba.',
    changedAtLabel: 'Fecha de la respuesta',
    nextStep: 'Si todavía desea cambiarla, elija otro horario desde la aplicación o llamando a la central de atención.',
  },
} as const satisfies Record<MoveResult['outcome'], StatusWording>;

/** The reminder before an appointment: it changes nothing, so it has no status and no date of a change. */
const reminderWording: StatusWording = {
  inWords: 'recordatorio',
  headline: 'Le recordamos su cita médica.',
  changedAtLabel: '',
  nextStep:
    'Llegue unos minutos antes al centro. Si no puede asistir, cancélela desde la aplicación o llamando a la central de atención, para que el espacio quede libre para otra persona.',
};

const rejectionReasonsInWords = {
  SLOT_TAKEN: 'Otra persona asegurada reservó ese espacio antes que usted.',
} as const satisfies Record<RejectionReason, string>;

const FOOTER = 'Este correo se envió automáticamente; por favor no lo responda.';

interface Fact {
  readonly label: string;
  readonly value: string;
}

type AppointmentSlot = NonNullable<AppointmentStatusChanged['slot']>;

/**
 * Renders the email that tells the insured person what their appointment became. With its slot, subject and
 * facts say what, when and where; without one (booked before the catalog, or a deployment check's slot, which
 * no catalog has) they keep the words emails had before, which name the slot's number only.
 */
export function statusEmail(change: AppointmentStatusChanged): RenderedEmail {
  const country = countries[change.countryISO];
  if (change.reschedule) return moveEmail(change, change.reschedule, country);
  if (change.status === 'PENDING') throw new Error(`Appointment ${change.appointmentId}: a PENDING change has no email but a move's`);
  const wording = statusWordings[change.status];
  const slot = change.slot;
  const subject = slot
    ? `Cita ${wording.inWords}: ${slot.specialty.name}, ${spokenDateTime(slot.startsAt, slotClock(slot, country))}`
    : `Cita ${wording.inWords}: espacio N.º ${change.scheduleId} (código ${change.appointmentId})`;
  const facts = slot ? slotFactsOf(change, slot, country, wording) : factsOf(change, country, wording);
  return rendered(country, subject, wording, facts);
}

/**
 * A move's email: moved, the new slot's facts and the one left behind; refused, the slot kept and the one asked for,
 * with why. Subject and headline say which, so nobody reads a refusal as a change.
 */
function moveEmail(change: AppointmentStatusChanged, move: MoveResult, country: Country): RenderedEmail {
  const wording = moveWordings[move.outcome];
  const shown = move.outcome === 'MOVED' ? move.to : change.slot;
  const subject = shown
    ? `Cita ${wording.inWords}: ${shown.specialty.name}, ${spokenDateTime(shown.startsAt, slotClock(shown, country))}`
    : `Cita ${wording.inWords}: espacio N.º ${change.scheduleId} (código ${change.appointmentId})`;
  const facts = shown ? slotFactsOf(change, shown, country, wording) : factsOf(change, country, wording);
  const other =
    move.outcome === 'MOVED'
      ? { label: 'Horario anterior', value: slotInWords(move.from, move.fromScheduleId, country) }
      : { label: 'Horario solicitado', value: slotInWords(move.to, move.to.scheduleId, country) };
  const reason = move.refusalReason ? [{ label: 'Motivo', value: rejectionReasonsInWords[move.refusalReason] }] : [];
  return rendered(country, subject, wording, [...facts, other, ...reason]);
}

/** The reminder of an appointment still COMPLETED at the slot it was scheduled for (remindOfAppointment checked). */
export function reminderEmail(due: AppointmentReminderDue): RenderedEmail {
  const country = countries[due.countryISO];
  const subject = `Recordatorio de su cita: ${due.slot.specialty.name}, ${spokenDateTime(due.slot.startsAt, slotClock(due.slot, country))}`;
  return rendered(country, subject, reminderWording, whenAndWhere(due.slot, country, due.appointmentId));
}

/** A slot in one line: when, where and with whom; a slot from before the catalog by its number. */
function slotInWords(slot: AppointmentSlot | null, scheduleId: number, country: Country): string {
  if (!slot) return `Espacio N.º ${scheduleId}`;
  return `${spokenWithZone(slot.startsAt, slotClock(slot, country))}, ${slot.centre.name}, ${slot.doctor.name}`;
}

function rendered(country: Country, subject: string, wording: StatusWording, facts: readonly Fact[]): RenderedEmail {
  return {
    subject,
    text: textPart(wording, facts),
    html: htmlPart(country.locale, subject, wording, facts),
  };
}

/** The facts of an appointment booked before the catalog: all it knows of its slot is the number. */
function factsOf(change: AppointmentStatusChanged, country: Country, wording: StatusWording): Fact[] {
  return [
    { label: 'Código de cita', value: change.appointmentId },
    { label: 'Espacio', value: `N.º ${change.scheduleId}` },
    { label: 'País', value: country.localName },
    { label: 'Estado', value: capitalised(wording.inWords) },
    { label: wording.changedAtLabel, value: localDateTime(change.updatedAt, country) },
    ...rejectionFacts(change),
  ];
}

/** When and where first, as the person acts on them; the code stays for the call centre, the subject having no room for it. */
function slotFactsOf(change: AppointmentStatusChanged, slot: AppointmentSlot, country: Country, wording: StatusWording): Fact[] {
  return [
    ...whenAndWhere(slot, country, change.appointmentId),
    { label: 'Estado', value: capitalised(wording.inWords) },
    // Written as the appointment's time is, so the two dates of one email read alike.
    { label: wording.changedAtLabel, value: spokenWithZone(change.updatedAt, country) },
    ...rejectionFacts(change),
  ];
}

/** What the person acts on: when, what, with whom, where; and the code to quote on a call. */
function whenAndWhere(slot: AppointmentSlot, country: Country, appointmentId: string): Fact[] {
  const location = locationOf(slot.centre, country);
  return [
    { label: 'Fecha y hora', value: spokenWithZone(slot.startsAt, slotClock(slot, country)) },
    { label: 'Especialidad', value: slot.specialty.name },
    { label: 'Médico/a', value: slot.doctor.name },
    { label: 'Centro', value: slot.centre.name },
    ...(location ? [{ label: 'Ubicación', value: location }] : []),
    { label: 'País', value: country.localName },
    { label: 'Código de cita', value: appointmentId },
  ];
}

function rejectionFacts(change: AppointmentStatusChanged): Fact[] {
  return change.status === 'REJECTED' && change.rejectionReason
    ? [{ label: 'Motivo', value: rejectionReasonsInWords[change.rejectionReason] }]
    : [];
}

/** The slot's time is read on the centre's clock (its zone is its country's), in the country's words. */
function slotClock(slot: AppointmentSlot, country: Country): Pick<Country, 'locale' | 'timeZone'> {
  return { locale: country.locale, timeZone: slot.centre.timeZone };
}

/**
 * The centre's attributes in the order the country writes an address ("Providencia, Región Metropolitana"):
 * read from the country's declaration, so a new country's centres read right without a change here.
 */
function locationOf(centre: AppointmentSlot['centre'], country: Country): string {
  return country.centreAttributes
    .map((attribute) => centre[attribute])
    .filter((value): value is string => typeof value === 'string' && value.trim() !== '')
    .join(', ');
}

/** "martes 15 de diciembre de 2026, 10:30 (hora de Lima)": the zone named so nobody reads it as their own. */
function spokenWithZone(instant: string, clock: Pick<Country, 'locale' | 'timeZone'>): string {
  return `${spokenDateTime(instant, clock)} (hora de ${zoneCity(clock.timeZone)})`;
}

/** The instant in the country's own form and zone, with the zone named so nobody reads it as their own. */
export function localDateTime(isoInstant: string, country: Pick<Country, 'locale' | 'timeZone'>): string {
  const format = new Intl.DateTimeFormat(country.locale, { timeZone: country.timeZone, dateStyle: 'full', timeStyle: 'short' });
  return `${format.format(new Date(isoInstant))} (hora de ${zoneCity(country.timeZone)})`;
}

/** "America/Lima" → "Lima": the city an IANA zone is named after. */
function zoneCity(timeZone: string): string {
  return (timeZone.split('/').at(-1) ?? timeZone).replaceAll('_', ' ');
}

function capitalised(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function textPart(wording: StatusWording, facts: readonly Fact[]): string {
  return [
    wording.headline,
    '',
    ...facts.map((fact) => `${fact.label}: ${fact.value}`),
    '',
    `Qué hacer ahora: ${wording.nextStep}`,
    '',
    FOOTER,
    '',
  ].join('\n');
}

// Inline styles only: most mail clients drop <style> blocks and external sheets.
function htmlPart(locale: string, subject: string, wording: StatusWording, facts: readonly Fact[]): string {
  const rows = facts
    .map(
      (fact) =>
        `<tr><th scope="row" style="text-align:left;font-weight:normal;color:#52606d;padding:4px 16px 4px 0;vertical-align:top">${escapeHtml(fact.label)}</th>` +
        `<td style="padding:4px 0;vertical-align:top">${escapeHtml(fact.value)}</td></tr>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(locale)}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(wording.headline)}</h1>
<table role="presentation" style="border-collapse:collapse;font-size:15px">
${rows}
</table>
<p style="font-size:15px;margin:16px 0 0"><strong>Qué hacer ahora:</strong> ${escapeHtml(wording.nextStep)}</p>
<p style="font-size:12px;color:#7b8794;margin:24px 0 0">${escapeHtml(FOOTER)}</p>
</div>
</body>
</html>
`;
}

const htmlEntities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Makes a value safe as HTML text or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => htmlEntities[character] ?? character);
}
