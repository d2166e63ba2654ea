/**
 * A reference model of booking, written from the design (docs: ARCHITECTURE.md "Lifecycle" and "Delivery
 * semantics", README "Delivery guarantees") in plain TypeScript, importing nothing from core/: what the stored
 * statuses, the countries' rows and the queues between them should be after each request and each delivery.
 * test/properties/booking.properties.test.ts runs the real use cases beside it and compares.
 *
 * Ids are the real system's: the model never invents an appointment or move id, it is told the one the system
 * answered with, so the two can be compared item by item.
 */

export type Status = 'PENDING' | 'COMPLETED' | 'REJECTED' | 'CANCELLED';
export type Country = 'PE' | 'CL';
export type RowStatus = 'SCHEDULED' | 'REJECTED' | 'CANCELLED';

/** The lifecycle, from the design: PENDING → COMPLETED | REJECTED (slot taken); PENDING or COMPLETED → CANCELLED. */
export const lifecycle: { readonly [From in Status]: readonly Status[] } = {
  PENDING: ['COMPLETED', 'REJECTED', 'CANCELLED'],
  COMPLETED: ['CANCELLED'],
  REJECTED: [],
  CANCELLED: [],
};

/** An appointment that may be cancelled or moved, and that a repeated booking of its slot answers with. */
export const holdsItsSlot = (status: Status): boolean => status === 'PENDING' || status === 'COMPLETED';

/** The row status each appointment status agrees with once nothing is travelling. */
export const rowStatusFor: { readonly [S in Status]: RowStatus | undefined } = {
  PENDING: undefined,
  COMPLETED: 'SCHEDULED',
  REJECTED: 'REJECTED',
  CANCELLED: 'CANCELLED',
};

/** What the insured person sees (the API's store). */
export interface ModelAppointment {
  readonly appointmentId: string;
  readonly insuredId: string;
  readonly countryISO: Country;
  /** The slot the booking asked for: a retry of "the same booking" asks for it again. */
  readonly bookedScheduleId: number;
  scheduleId: number;
  status: Status;
  pendingMove: { readonly moveId: string; readonly to: number } | undefined;
  /** The last move decided, so a redelivered decision changes nothing. */
  lastSettledMove: { readonly moveId: string; readonly outcome: 'MOVED' | 'REFUSED' } | undefined;
}

/** A country's row for one appointment (its database: the authority on who holds a slot). */
export interface ModelRow {
  status: RowStatus;
  scheduleId: number;
  lastMoveId: string | undefined;
}

/** A message on a country queue (SNS → SQS). */
export type CountryMessage =
  | { readonly kind: 'book'; readonly appointmentId: string; readonly countryISO: Country; readonly scheduleId: number }
  | { readonly kind: 'cancel'; readonly appointmentId: string; readonly countryISO: Country; readonly scheduleId: number }
  | {
      readonly kind: 'move';
      readonly appointmentId: string;
      readonly countryISO: Country;
      readonly scheduleId: number;
      readonly to: number;
      readonly moveId: string;
    };

/** A country's decision on the confirmation queue (EventBridge → SQS). */
export type Decision =
  | { readonly kind: 'scheduled' | 'rejected' | 'cancelled'; readonly appointmentId: string; readonly scheduleId: number }
  | { readonly kind: 'moved' | 'moveRefused'; readonly appointmentId: string; readonly moveId: string };

/** Why the API refuses a request, as the error's name says. */
export type Refusal =
  'AppointmentNotCancellableError' | 'AppointmentNotReschedulableError' | 'RescheduleInProgressError' | 'ValidationError';

export class BookingModel {
  readonly appointments = new Map<string, ModelAppointment>();
  /** Creation order, so commands can name "the k-th appointment". */
  readonly order: string[] = [];
  readonly rows = new Map<string, ModelRow>();
  readonly countryQueue: CountryMessage[] = [];
  readonly confirmationQueue: Decision[] = [];
  /** Bookings refused with SchedulingUnavailableError: the client retries them, as the API's error tells it to. */
  readonly retriesOwed: { readonly insuredId: string; readonly countryISO: Country; readonly scheduleId: number }[] = [];

  /** A copy to try one order of events on: when two deliveries race, either may have gone first. */
  copy(): BookingModel {
    const copy = new BookingModel();
    copy.adopt(this);
    return copy;
  }

  /** Becomes `other` (the order of events that happened): the model is shared by reference with its runner. */
  adopt(other: BookingModel): void {
    if (other === this) return;
    const replace = <T>(into: T[], from: readonly T[]) => into.splice(0, into.length, ...from);
    this.appointments.clear();
    for (const [id, appointment] of other.appointments) this.appointments.set(id, { ...appointment });
    this.rows.clear();
    for (const [id, row] of other.rows) this.rows.set(id, { ...row });
    replace(this.order, other.order);
    replace(this.countryQueue, other.countryQueue);
    replace(this.confirmationQueue, other.confirmationQueue);
    replace(this.retriesOwed, other.retriesOwed);
  }

  appointmentAt(index: number): ModelAppointment | undefined {
    if (this.order.length === 0) return undefined;
    return this.appointments.get(this.order[index % this.order.length]!);
  }

  /**
   * The appointments a booking of (insured, country, slot) must answer with instead of making a new one: the
   * insured person's appointments at that slot that still hold it. Empty: the booking makes a new appointment.
   */
  existingBookingsOf(insuredId: string, countryISO: Country, scheduleId: number): ModelAppointment[] {
    return [...this.appointments.values()].filter(
      (a) => a.insuredId === insuredId && a.countryISO === countryISO && a.scheduleId === scheduleId && holdsItsSlot(a.status),
    );
  }

  /** A new booking was accepted as `appointmentId`: PENDING, its request on its country's queue. */
  booked(appointmentId: string, insuredId: string, countryISO: Country, scheduleId: number): void {
    this.stored(appointmentId, insuredId, countryISO, scheduleId);
    this.countryQueue.push({ kind: 'book', appointmentId, countryISO, scheduleId });
  }

  /** A new booking stored as `appointmentId`, PENDING, before anything is sent for it. */
  stored(appointmentId: string, insuredId: string, countryISO: Country, scheduleId: number): void {
    this.appointments.set(appointmentId, {
      appointmentId,
      insuredId,
      countryISO,
      bookedScheduleId: scheduleId,
      scheduleId,
      status: 'PENDING',
      pendingMove: undefined,
      lastSettledMove: undefined,
    });
    this.order.push(appointmentId);
  }

  /** A repeated booking answered with `existing`: nothing new is stored; a PENDING one is sent to its country again. */
  bookedAgain(existing: ModelAppointment): void {
    if (existing.status === 'PENDING') {
      this.countryQueue.push({
        kind: 'book',
        appointmentId: existing.appointmentId,
        countryISO: existing.countryISO,
        scheduleId: existing.scheduleId,
      });
    }
  }

  /** Cancels at once in the API's store and asks the country to free the slot; a cancelled one is asked again. */
  cancel(appointment: ModelAppointment): Refusal | undefined {
    if (appointment.status !== 'CANCELLED' && !holdsItsSlot(appointment.status)) return 'AppointmentNotCancellableError';
    appointment.status = 'CANCELLED';
    appointment.pendingMove = undefined;
    const { appointmentId, countryISO, scheduleId } = appointment;
    this.countryQueue.push({ kind: 'cancel', appointmentId, countryISO, scheduleId });
    return undefined;
  }

  /**
   * Whether a move to `to` may be asked: 'new' (a move id will be made), 'again' (the same move is pending: sent
   * again), or why it is refused. One move at a time; only an appointment that holds its slot moves.
   */
  moveAsked(appointment: ModelAppointment, to: number): 'new' | 'again' | Refusal {
    if (!holdsItsSlot(appointment.status)) return 'AppointmentNotReschedulableError';
    if (appointment.pendingMove?.to === to) return 'again';
    if (appointment.pendingMove) return 'RescheduleInProgressError';
    if (appointment.scheduleId === to) return 'ValidationError';
    return 'new';
  }

  /** The move (new or pending) recorded and sent to the country. */
  moveSent(appointment: ModelAppointment, to: number, moveId: string): void {
    appointment.pendingMove = { moveId, to };
    const { appointmentId, countryISO, scheduleId } = appointment;
    this.countryQueue.push({ kind: 'move', appointmentId, countryISO, scheduleId, to, moveId });
  }

  /** Who holds a slot in its country: the appointment whose row is SCHEDULED there (one at most). */
  holderOf(countryISO: Country, scheduleId: number): string | undefined {
    for (const [appointmentId, row] of this.rows) {
      if (row.status === 'SCHEDULED' && row.scheduleId === scheduleId && this.appointments.get(appointmentId)?.countryISO === countryISO) {
        return appointmentId;
      }
    }
    return undefined;
  }

  /**
   * The country step on one message, idempotent by appointmentId: a booking's decision, once made, stands (only a
   * cancellation changes it); a cancellation frees the slot, or waits for its booking as a CANCELLED row; a move
   * takes the new slot and frees the old at once if the new one is free, never undoing a later move. The decision
   * goes on the confirmation queue.
   */
  applyInCountry(message: CountryMessage): Decision {
    const { appointmentId, countryISO } = message;
    let row = this.rows.get(appointmentId);
    switch (message.kind) {
      case 'book':
        if (!row) {
          row = {
            status: this.holderOf(countryISO, message.scheduleId) ? 'REJECTED' : 'SCHEDULED',
            scheduleId: message.scheduleId,
            lastMoveId: undefined,
          };
          this.rows.set(appointmentId, row);
        }
        return this.decisionOf(appointmentId, row);
      case 'cancel':
        if (row) row.status = 'CANCELLED';
        else this.rows.set(appointmentId, (row = { status: 'CANCELLED', scheduleId: message.scheduleId, lastMoveId: undefined }));
        return this.decisionOf(appointmentId, row);
      case 'move': {
        const free = !this.holderOf(countryISO, message.to);
        if (!row) {
          // The move overtook its booking: the row is written at the new slot, and the booking will find it there.
          if (free) this.rows.set(appointmentId, (row = { status: 'SCHEDULED', scheduleId: message.to, lastMoveId: message.moveId }));
        } else if (
          row.status === 'SCHEDULED' &&
          row.scheduleId === message.scheduleId &&
          (row.lastMoveId === undefined || row.lastMoveId < message.moveId) &&
          free
        ) {
          row.scheduleId = message.to;
          row.lastMoveId = message.moveId;
        } else if (row.status === 'SCHEDULED' && (row.lastMoveId === undefined || row.lastMoveId < message.moveId)) {
          // Refused, and recorded as decided: delivered again once its slot is free, it is refused again.
          row.lastMoveId = message.moveId;
        }
        if (row && row.status !== 'SCHEDULED') return this.decisionOf(appointmentId, row);
        const moved = row?.scheduleId === message.to && row.lastMoveId === message.moveId;
        return { kind: moved ? 'moved' : 'moveRefused', appointmentId, moveId: message.moveId };
      }
    }
  }

  private decisionOf(appointmentId: string, row: ModelRow): Decision {
    const kind = ({ SCHEDULED: 'scheduled', REJECTED: 'rejected', CANCELLED: 'cancelled' } as const)[row.status];
    return { kind, appointmentId, scheduleId: row.scheduleId };
  }

  /**
   * The completion step on one decision: the appointment moves along the lifecycle at most once per decision; a
   * decision that arrives after a cancellation, or for a slot the appointment has moved from, changes nothing;
   * a move's decision settles the pending move it names, and no other.
   */
  applyDecision(decision: Decision): void {
    const appointment = this.appointments.get(decision.appointmentId);
    if (!appointment) throw new Error(`The model has no appointment ${decision.appointmentId}`);
    switch (decision.kind) {
      case 'scheduled':
        if (appointment.scheduleId !== decision.scheduleId) return;
        if (appointment.status === 'PENDING') appointment.status = 'COMPLETED';
        return;
      case 'rejected':
        if (appointment.status === 'PENDING') {
          appointment.status = 'REJECTED';
          appointment.pendingMove = undefined;
        }
        return;
      case 'cancelled':
        if (holdsItsSlot(appointment.status)) {
          appointment.status = 'CANCELLED';
          appointment.pendingMove = undefined;
        }
        return;
      case 'moved':
      case 'moveRefused': {
        const pending = appointment.pendingMove;
        if (pending?.moveId !== decision.moveId || !holdsItsSlot(appointment.status)) return;
        const outcome = decision.kind === 'moved' ? 'MOVED' : 'REFUSED';
        if (outcome === 'MOVED') {
          appointment.scheduleId = pending.to;
          appointment.status = 'COMPLETED';
        }
        appointment.pendingMove = undefined;
        appointment.lastSettledMove = { moveId: decision.moveId, outcome };
        return;
      }
    }
  }
}
