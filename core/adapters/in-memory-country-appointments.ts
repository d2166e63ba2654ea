import type { Country } from '../domain/countries';
import { slotTimesOf } from '../domain/slot-times';
import type {
  CatalogCentre,
  CatalogDoctor,
  CatalogSpecialty,
  SlotAvailability,
  SlotPublication,
  SlotSnapshot,
  SlotTime,
} from '../domain/slots';
import type {
  AppointmentCancellationRequested,
  AppointmentRequested,
  AppointmentRescheduleRequested,
  CountryMoveResult,
  CountryRow,
  CountrySlotStatus,
} from '../messages/appointment-messages';
import { moveResultOf } from '../messages/appointment-messages';
import type { CountryAppointmentStore, CountryDecision, CountrySlotCatalog, SlotWithdrawalOutcome } from '../ports';
import type { CountryRowSummary } from '../use-cases/reconcile-appointments';

/** A catalog slot as the country keeps it: what MySQL's `slots` row holds. */
interface StoredSlot {
  readonly scheduleId: number;
  readonly centreId: string;
  readonly specialtyId: string;
  readonly doctorId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  withdrawn: boolean;
  version: number;
}

/**
 * Country rows and slot catalog kept in the worker's memory: the local stack's fallback when the
 * machine has no MySQL, so bookings still complete. The same rules as MySQL's schema
 * (MysqlCountryAppointments, MysqlSlotCatalog): one SCHEDULED row per slot, decisions kept on
 * redelivery, cancellations remembered before their booking arrives; one slot per doctor and start;
 * a withdrawn slot rejects bookings and a held one
 * cannot be withdrawn; every change grows the slot's version. JavaScript runs one call at a time to
 * its end here, which is what MySQL's locks give the other. Lost on restart; never used in AWS.
 */
export class InMemoryCountryAppointments implements CountryAppointmentStore, CountrySlotCatalog {
  readonly countryISO: Country['iso'];
  private readonly rows = new Map<string, CountryRowSummary>();
  /** appointmentId → the id of the last move applied to its row (MySQL's last_move_id). */
  private readonly lastMoves = new Map<string, string>();
  /** scheduleId → the appointment whose SCHEDULED row holds it. */
  private readonly slotHolders = new Map<number, string>();
  private readonly centres = new Map<string, CatalogCentre>();
  private readonly specialties = new Map<string, CatalogSpecialty>();
  private readonly doctors = new Map<string, CatalogDoctor>();
  private readonly slots = new Map<number, StoredSlot>();
  /** `doctorId start` → scheduleId: a doctor is at one place at a time. */
  private readonly slotByDoctorAndStart = new Map<string, number>();
  /** The next catalog number, MySQL's AUTO_INCREMENT: from 1, as migration 3 numbers them in a schema with nothing booked yet. */
  private nextScheduleId = 1;

  constructor(country: Country) {
    this.countryISO = country.iso;
  }

  book(request: AppointmentRequested): Promise<CountryDecision> {
    const existing = this.rows.get(request.appointmentId);
    if (existing) return Promise.resolve(this.decided(request, rowOf(existing)));
    const status = this.isBookable(request.scheduleId) ? 'SCHEDULED' : 'REJECTED';
    if (status === 'SCHEDULED') this.slotHolders.set(request.scheduleId, request.appointmentId);
    this.rows.set(request.appointmentId, this.row(request, request.scheduleId, status));
    return Promise.resolve(this.decided(request, { status, scheduleId: request.scheduleId }));
  }

  cancel(cancellation: AppointmentCancellationRequested): Promise<CountryDecision> {
    const existing = this.rows.get(cancellation.appointmentId);
    if (existing?.status === 'SCHEDULED') this.slotHolders.delete(existing.scheduleId);
    const cancelled = existing
      ? { ...existing, status: 'CANCELLED' as const }
      : this.row(cancellation, cancellation.scheduleId, 'CANCELLED');
    this.rows.set(cancellation.appointmentId, cancelled);
    return Promise.resolve(this.decided(cancellation, rowOf(cancelled)));
  }

  /** The row, and the slots the message and the row name, each bumped once, as MySQL's round trip does. */
  private decided(message: AppointmentRequested | AppointmentCancellationRequested, row: CountryRow): CountryDecision {
    const touched = [...new Set([message.scheduleId, row.scheduleId])];
    return { row, slots: touched.flatMap((scheduleId) => this.bumped(scheduleId) ?? []) };
  }

  move(request: AppointmentRescheduleRequested): Promise<CountryMoveResult> {
    const { appointmentId, toScheduleId, moveId } = request;
    const existing = this.rows.get(appointmentId);
    const lastMove = this.lastMoves.get(appointmentId);
    const movable = !existing || (existing.status === 'SCHEDULED' && existing.scheduleId === request.scheduleId);
    if (movable && (lastMove === undefined || lastMove < moveId) && this.isBookable(toScheduleId)) {
      if (existing) this.slotHolders.delete(existing.scheduleId);
      this.slotHolders.set(toScheduleId, appointmentId);
      this.rows.set(appointmentId, existing ? { ...existing, scheduleId: toScheduleId } : this.row(request, toScheduleId, 'SCHEDULED'));
      this.lastMoves.set(appointmentId, moveId);
    } else if (
      existing &&
      (existing.status === 'SCHEDULED' || existing.status === 'OVERBOOKED') &&
      (lastMove === undefined || lastMove < moveId)
    ) {
      // Refused: recorded, so a redelivery once the slot is free is refused again, as it was settled.
      this.lastMoves.set(appointmentId, moveId);
    }
    const row = this.rows.get(appointmentId);
    return Promise.resolve(moveResultOf(row && rowOf(row), this.lastMoves.get(appointmentId) ?? null, request));
  }

  /** Neither withdrawn nor held by an active row. */
  private isBookable(scheduleId: number): boolean {
    return this.slots.get(scheduleId)?.withdrawn !== true && !this.slotHolders.has(scheduleId);
  }

  allRows(): Iterable<CountryRowSummary> {
    return this.rows.values();
  }

  publish(publication: SlotPublication): Promise<SlotSnapshot[]> {
    const { centre, specialty, doctor } = publication;
    this.centres.set(centre.centreId, { ...centre, attributes: { ...centre.attributes } });
    this.specialties.set(specialty.specialtyId, { ...specialty });
    this.doctors.set(doctor.doctorId, { ...doctor });
    // An existing slot of the doctor at a start (this publication's earlier run, or another centre's) is kept as it is.
    const slots = slotTimesOf(publication).map((time) => this.existingSlot(doctor.doctorId, time) ?? this.newSlot(publication, time));
    return Promise.resolve(slots.map((slot) => this.snapshotOf(slot)));
  }

  withdraw(scheduleId: number): Promise<SlotWithdrawalOutcome> {
    const slot = this.slots.get(scheduleId);
    if (!slot) return Promise.resolve({ outcome: 'unknown' });
    const held = !slot.withdrawn && this.slotHolders.has(scheduleId);
    if (!slot.withdrawn && !held) {
      slot.withdrawn = true;
      slot.version += 1;
    }
    return Promise.resolve({ outcome: held ? 'held' : 'withdrawn', slot: this.snapshotOf(slot) });
  }

  touch(scheduleId: number): Promise<SlotSnapshot | undefined> {
    return Promise.resolve(this.bumped(scheduleId));
  }

  private bumped(scheduleId: number): SlotSnapshot | undefined {
    const slot = this.slots.get(scheduleId);
    if (slot) slot.version += 1;
    return slot && this.snapshotOf(slot);
  }

  slot(scheduleId: number): Promise<SlotSnapshot | undefined> {
    const slot = this.slots.get(scheduleId);
    return Promise.resolve(slot && this.snapshotOf(slot));
  }

  private existingSlot(doctorId: string, time: SlotTime): StoredSlot | undefined {
    const scheduleId = this.slotByDoctorAndStart.get(`${doctorId} ${time.startsAt.toISOString()}`);
    return scheduleId === undefined ? undefined : this.slots.get(scheduleId);
  }

  private newSlot({ centre, specialty, doctor }: SlotPublication, { startsAt, endsAt }: SlotTime): StoredSlot {
    const scheduleId = this.nextScheduleId++;
    const slot: StoredSlot = {
      scheduleId,
      centreId: centre.centreId,
      specialtyId: specialty.specialtyId,
      doctorId: doctor.doctorId,
      startsAt,
      endsAt,
      withdrawn: false,
      version: 1,
    };
    this.slots.set(scheduleId, slot);
    this.slotByDoctorAndStart.set(`${doctor.doctorId} ${startsAt.toISOString()}`, scheduleId);
    return slot;
  }

  /** A copy as MySQL's snapshot query answers it: the centre, specialty and doctor as they are now. */
  private snapshotOf(slot: StoredSlot): SlotSnapshot {
    const availability: SlotAvailability = slot.withdrawn ? 'WITHDRAWN' : this.slotHolders.has(slot.scheduleId) ? 'TAKEN' : 'FREE';
    const centre = this.centres.get(slot.centreId)!;
    return {
      countryISO: this.countryISO,
      scheduleId: slot.scheduleId,
      centre: { ...centre, attributes: { ...centre.attributes } },
      specialty: { ...this.specialties.get(slot.specialtyId)! },
      doctor: { ...this.doctors.get(slot.doctorId)! },
      startsAt: slot.startsAt.toISOString(),
      endsAt: slot.endsAt.toISOString(),
      availability,
      version: slot.version,
    };
  }

  private row(message: { appointmentId: string }, scheduleId: number, status: CountrySlotStatus): CountryRowSummary {
    return {
      appointmentId: message.appointmentId,
      countryISO: this.countryISO,
      scheduleId,
      status,
      scheduledAt: new Date(),
    };
  }
}

function rowOf({ status, scheduleId }: CountryRowSummary): CountryRow {
  return { status, scheduleId };
}
