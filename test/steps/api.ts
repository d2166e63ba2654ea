import type { AppSyncIdentity, AppSyncResolverEvent, Context } from 'aws-lambda';
import type { FieldAnswer } from '../../core/adapters/appsync-field-answer';
import type {
  Appointment,
  AppointmentConnection,
  Catalog,
  CountryISO,
  CreateAppointmentInput,
  MutationcancelAppointmentArgs,
  MutationcreateAppointmentArgs,
  MutationrescheduleAppointmentArgs,
  MutationpublishSlotsArgs,
  MutationwithdrawSlotArgs,
  PublishSlotsInput,
  QueryappointmentsArgs,
  QueryavailableSlotsArgs,
  QuerycatalogArgs,
  Slot,
  SlotConnection,
  SlotPublication,
} from '../../core/graphql/types.generated';
import { apiClient, type ApiEndpoint, type GraphqlError, type GraphqlResponse } from '../../local/api-client';
import { AppSyncFieldError } from '../../local/appsync/appsync-error';
import { appSyncEvent, lambdaContext } from '../../local/lambda/aws-events';
import { throughAppSync } from '../support/appsync-field';
import { loadLambda } from '../support/lambda';

/**
 * The appointments API as one caller reaches it, at any test level: the resolver functions in this
 * process behind their APPSYNC_JS resolver, or a local stack over HTTP. Both answer in one shape, as
 * a client reads it, so a scenario reads the same at each level and only its setup says which.
 */
export interface AppointmentsApi {
  bookAppointment(request: BookingRequest): Promise<AppointmentAnswer>;
  cancelAppointment(cancellation: CancellationRequest): Promise<AppointmentAnswer>;
  rescheduleAppointment(move: RescheduleRequest): Promise<AppointmentAnswer>;
  listAppointments(insuredId: string, page?: PageRequest): Promise<AppointmentsAnswer>;
}

/** An error as a client reads it: AppSync's errorType and message, and its path. */
export type Refusal = GraphqlError;

export interface Answer {
  /** Absent when the field answered. */
  readonly errors?: readonly Refusal[];
  /** Over HTTP only: the status the response came with (401 when a credential is refused before anything runs). */
  readonly httpStatus?: number;
}
export interface AppointmentAnswer extends Answer {
  readonly appointment?: Appointment;
}
export interface AppointmentsAnswer extends Answer {
  readonly appointments?: AppointmentConnection;
}

/**
 * The slot catalog as one caller reaches it: apps browse the free slots and the country's catalog, staff publish
 * a doctor's sessions and withdraw a slot. Answers in the same shape as AppointmentsApi's, as a client reads them.
 */
export interface SlotCatalogApi {
  browseFreeSlots(request: BrowseRequest): Promise<FreeSlotsAnswer>;
  readTheCatalog(countryISO: string): Promise<CatalogAnswer>;
  publishSlots(publication: PublicationRequest): Promise<PublicationAnswer>;
  withdrawSlot(slot: { readonly countryISO: string; readonly scheduleId: unknown }): Promise<WithdrawalAnswer>;
}
export interface FreeSlotsAnswer extends Answer {
  readonly slots?: SlotConnection;
}
export interface CatalogAnswer extends Answer {
  readonly catalog?: Catalog;
}
export interface PublicationAnswer extends Answer {
  readonly publication?: SlotPublication;
}
export interface WithdrawalAnswer extends Answer {
  readonly withdrawn?: Slot;
}

/** availableSlots' arguments sent as given, invalid values included (an unset one is left out, as AppSync leaves it). */
export type BrowseRequest = { readonly [Argument in keyof QueryavailableSlotsArgs]?: unknown };
/** A publishSlots input sent as given, invalid values included. */
export type PublicationRequest = { readonly [Field in keyof PublishSlotsInput]?: unknown };

/** A createAppointment input sent as given, invalid values included: the API is the judge of them. */
export type BookingRequest = { readonly [Field in keyof CreateAppointmentInput]: unknown };
export interface AppointmentKey {
  readonly insuredId: string;
  readonly appointmentId: string;
}
/** A cancellation: the appointment, and whether staff override its country's notice period. */
export interface CancellationRequest extends AppointmentKey {
  readonly overrideNotice?: boolean;
}
/** A move to another slot: the appointment, the slot, and optionally its country and staff's override of the notice. */
export interface RescheduleRequest extends CancellationRequest {
  readonly scheduleId: unknown;
  readonly countryISO?: CountryISO;
}
export interface PageRequest {
  readonly limit?: number;
  readonly nextToken?: string | null;
}

/**
 * The API over HTTP as an app calls it: with `token` (a user pool token, or the promise of one from a
 * sign-in still under way) when given, else with the endpoint's API key.
 */
export function http(endpoint: ApiEndpoint, token?: string | Promise<string>, options: { timeoutMs?: number } = {}): AppointmentsApi {
  const signedIn = Promise.resolve(token).then((resolved) => apiClient(endpoint, { token: resolved, timeoutMs: options.timeoutMs }));
  // A failed sign-in surfaces at the first call, which awaits it; until then it is no unhandled rejection.
  signedIn.catch(() => undefined);
  const answer = <Data>(response: GraphqlResponse<Data>) => ({
    httpStatus: response.status,
    ...(response.errors ? { errors: response.errors } : {}),
  });
  return {
    bookAppointment: async (request) => {
      const response = await (await signedIn).createAppointment({ ...request, countryISO: request.countryISO as CountryISO });
      return { ...answer(response), ...present('appointment', response.data?.createAppointment) };
    },
    cancelAppointment: async ({ insuredId, appointmentId, overrideNotice }) => {
      const response = await (await signedIn).cancelAppointment(insuredId, appointmentId, overrideNotice);
      return { ...answer(response), ...present('appointment', response.data?.cancelAppointment) };
    },
    rescheduleAppointment: async ({ insuredId, appointmentId, scheduleId, countryISO, overrideNotice }) => {
      const response = await (await signedIn).rescheduleAppointment({ insuredId, appointmentId, scheduleId, countryISO, overrideNotice });
      return { ...answer(response), ...present('appointment', response.data?.rescheduleAppointment) };
    },
    listAppointments: async (insuredId, page = {}) => {
      const response = await (await signedIn).appointments(insuredId, page.limit, page.nextToken ?? undefined);
      return { ...answer(response), ...present('appointments', response.data?.appointments) };
    },
  };
}

/** A resolver function's handler as Lambda runs it: the direct resolver event in, its FieldAnswer out. */
export type ResolverFunction<Args, Result> = (event: AppSyncResolverEvent<Args>, context: Context) => Promise<FieldAnswer<Result>>;

export interface ResolverFunctions {
  readonly createAppointment: ResolverFunction<MutationcreateAppointmentArgs, Appointment>;
  readonly cancelAppointment: ResolverFunction<MutationcancelAppointmentArgs, Appointment>;
  readonly rescheduleAppointment: ResolverFunction<MutationrescheduleAppointmentArgs, Appointment>;
  readonly appointments: ResolverFunction<QueryappointmentsArgs, AppointmentConnection>;
}

/**
 * The three resolver functions loaded as Lambda loads them (`env` is their configuration), with the
 * SNS SDK their publisher was built from: the class a test must stub to see or refuse the publishes.
 */
export function loadResolverFunctions(env: Record<string, string>) {
  return loadLambda(env, () => ({
    functions: {
      createAppointment: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.createAppointment').handler,
      cancelAppointment: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.cancelAppointment').handler,
      rescheduleAppointment: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.rescheduleAppointment').handler,
      appointments: jest.requireActual<{ handler: unknown }>('../../resolvers/Query.appointments').handler,
    } as ResolverFunctions,
    snsSdk: jest.requireActual<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns'),
  }));
}

export interface SlotCatalogFunctions {
  readonly availableSlots: ResolverFunction<QueryavailableSlotsArgs, SlotConnection>;
  readonly catalog: ResolverFunction<QuerycatalogArgs, Catalog>;
  readonly publishSlots: ResolverFunction<MutationpublishSlotsArgs, SlotPublication>;
  readonly withdrawSlot: ResolverFunction<MutationwithdrawSlotArgs, Slot>;
}

/**
 * The slot catalog's four resolver functions loaded as Lambda loads them (`env` is their configuration), with the
 * SNS SDK the staff mutations' publishers were built from: the class a test must stub to see or refuse the publishes.
 */
export function loadSlotCatalogFunctions(env: Record<string, string>) {
  return loadLambda(env, () => ({
    functions: {
      availableSlots: jest.requireActual<{ handler: unknown }>('../../resolvers/Query.availableSlots').handler,
      catalog: jest.requireActual<{ handler: unknown }>('../../resolvers/Query.catalog').handler,
      publishSlots: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.publishSlots').handler,
      withdrawSlot: jest.requireActual<{ handler: unknown }>('../../resolvers/Mutation.withdrawSlot').handler,
    } as SlotCatalogFunctions,
    snsSdk: jest.requireActual<typeof import('@aws-sdk/client-sns')>('@aws-sdk/client-sns'),
  }));
}

/** Who calls, in this process: AppSync's identity for them (null: the API key) and the request's extra headers. */
export interface InProcessCaller {
  readonly identity?: AppSyncIdentity;
  readonly headers?: Record<string, string>;
}

/** The API in this process: each field's function behind its APPSYNC_JS resolver, called with the event AppSync sends. */
export function inProcess(functions: ResolverFunctions, caller: InProcessCaller = {}): AppointmentsApi {
  const field = fieldOf(caller);
  const book = field('Mutation', 'createAppointment', functions.createAppointment);
  const cancel = field('Mutation', 'cancelAppointment', functions.cancelAppointment);
  const move = field('Mutation', 'rescheduleAppointment', functions.rescheduleAppointment);
  const list = field('Query', 'appointments', functions.appointments);
  return {
    bookAppointment: async (request) => asAnswer('appointment', await book({ input: request as CreateAppointmentInput })),
    cancelAppointment: async ({ insuredId, appointmentId, overrideNotice }) =>
      asAnswer('appointment', await cancel(definedOnly({ insuredId, appointmentId, overrideNotice }) as MutationcancelAppointmentArgs)),
    rescheduleAppointment: async ({ insuredId, appointmentId, scheduleId, countryISO, overrideNotice }) =>
      asAnswer(
        'appointment',
        await move(definedOnly({ insuredId, appointmentId, scheduleId, countryISO, overrideNotice }) as MutationrescheduleAppointmentArgs),
      ),
    // Only the arguments a client set, as AppSync passes them: an unset one is absent, not undefined.
    listAppointments: async (insuredId, page = {}) =>
      asAnswer('appointments', await list(definedOnly({ insuredId, ...page }) as QueryappointmentsArgs)),
  };
}

/** The slot catalog in this process: each field's function behind its APPSYNC_JS resolver, called with the event AppSync sends. */
export function inProcessCatalog(functions: SlotCatalogFunctions, caller: InProcessCaller = {}): SlotCatalogApi {
  const field = fieldOf(caller);
  const browse = field('Query', 'availableSlots', functions.availableSlots);
  const read = field('Query', 'catalog', functions.catalog);
  const publish = field('Mutation', 'publishSlots', functions.publishSlots);
  const withdraw = field('Mutation', 'withdrawSlot', functions.withdrawSlot);
  return {
    browseFreeSlots: async (request) => asAnswer('slots', await browse(definedOnly(request) as unknown as QueryavailableSlotsArgs)),
    readTheCatalog: async (countryISO) => asAnswer('catalog', await read({ countryISO } as QuerycatalogArgs)),
    publishSlots: async (publication) => asAnswer('publication', await publish({ input: publication as PublishSlotsInput })),
    withdrawSlot: async ({ countryISO, scheduleId }) =>
      asAnswer('withdrawn', await withdraw({ countryISO, scheduleId } as MutationwithdrawSlotArgs)),
  };
}

/** A field of the API in this process, called by `caller`: its function behind its APPSYNC_JS resolver, answered as a client reads it. */
function fieldOf(caller: InProcessCaller) {
  return <Args, Result>(typeName: 'Query' | 'Mutation', fieldName: string, handler: ResolverFunction<Args, Result>) => {
    const throughItsResolver = throughAppSync(handler);
    return (args: Args) =>
      answered(fieldName, () =>
        throughItsResolver(appSyncEvent(typeName, fieldName, args, caller.headers, caller.identity ?? null), lambdaContext()),
      );
  };
}

type Outcome<Value> = { readonly value: Value } | { readonly errors: readonly Refusal[] };

/** The field's value, or the error its resolver raised, with the path AppSync gives it; anything else is the test's own fault. */
async function answered<Value>(fieldName: string, call: () => Promise<Value>): Promise<Outcome<Value>> {
  try {
    return { value: await call() };
  } catch (error) {
    if (!(error instanceof AppSyncFieldError)) throw error;
    return { errors: [{ errorType: error.errorType, message: error.message, path: [fieldName] }] };
  }
}

type Valued<Key extends string, Value> = Answer & { readonly [K in Key]?: Value };

function asAnswer<Key extends string, Value>(key: Key, outcome: Outcome<Value>): Valued<Key, Value> {
  return 'errors' in outcome ? ({ errors: outcome.errors } as Valued<Key, Value>) : present(key, outcome.value);
}

/** `{ [key]: value }` when there is a value, `{}` otherwise: an answer carries no key for a value it lacks. */
function present<Key extends string, Value>(key: Key, value: Value | null | undefined): { [K in Key]?: Value } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [K in Key]?: Value };
}

function definedOnly(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
}
