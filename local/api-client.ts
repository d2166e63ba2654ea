import type { PostRequest } from '../core/adapters/kept-alive-post';
import type {
  Appointment,
  AppointmentConnection,
  Catalog,
  CountryISO,
  PublishSlotsInput,
  QueryavailableSlotsArgs,
  Slot,
  SlotConnection,
  SlotPublication,
} from '../core/graphql/types.generated';

export interface GraphqlError {
  readonly message: string;
  readonly errorType?: string;
  readonly path?: readonly (string | number)[];
}

export interface GraphqlResponse<Data> {
  /** The HTTP status (401 when the API key is missing or wrong). */
  readonly status: number;
  readonly data?: Data | null;
  readonly errors?: readonly GraphqlError[];
}

/** Where the API is and the key to call it with: a started local stack, or any deployed API. */
export interface ApiEndpoint {
  readonly graphqlUrl: string;
  readonly apiKey: string;
}

const APPOINTMENT_FIELDS = 'appointmentId insuredId scheduleId countryISO status rejectionReason createdAt updatedAt';
/** An appointment's moves: the one being decided, and the slots it left. */
const MOVE_FIELDS =
  'pendingReschedule { moveId requestedAt to { scheduleId startsAt } } movedFrom { scheduleId movedAt slot { startsAt } }';
/** A slot as a booking screen shows it: when, where (with the country's own centre attributes), who and what. */
export const SLOT_FIELDS = `scheduleId countryISO startsAt endsAt
  centre { __typename centreId name timeZone ... on PeruCentre { district } ... on ChileCentre { commune region } }
  specialty { specialtyId name } doctor { doctorId name }`;

/**
 * A client of the appointments API over HTTP, as an app calls it: POST /graphql with
 * the x-api-key header, or with `token` (a user pool token) as the Authorization header.
 */
export function apiClient(endpoint: ApiEndpoint, options: { timeoutMs?: number; token?: string; post?: PostRequest } = {}) {
  const post: PostRequest = options.post ?? fetch;
  async function request<Data>(
    query: string,
    variables: Record<string, unknown> = {},
    apiKey: string | null = endpoint.apiKey,
  ): Promise<GraphqlResponse<Data>> {
    const auth: Record<string, string> =
      options.token !== undefined ? { authorization: options.token } : apiKey === null ? {} : { 'x-api-key': apiKey };
    const response = await post(new URL(endpoint.graphqlUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const body = (await response.json()) as Omit<GraphqlResponse<Data>, 'status'>;
    return { status: response.status, ...body };
  }

  return {
    /** Any query or mutation; `apiKey: null` sends none. */
    request,

    createAppointment: (input: { insuredId: unknown; scheduleId: unknown; countryISO: CountryISO }) =>
      request<{ createAppointment: Appointment | null }>(
        `mutation Book($input: CreateAppointmentInput!) { createAppointment(input: $input) { ${APPOINTMENT_FIELDS} } }`,
        { input },
      ),

    /** `overrideNotice`: staff cancelling inside the country's notice period (sent only when given). */
    cancelAppointment: (insuredId: string, appointmentId: string, overrideNotice?: boolean) =>
      request<{ cancelAppointment: Appointment | null }>(
        overrideNotice === undefined
          ? `mutation Cancel($insuredId: String!, $appointmentId: ID!) { cancelAppointment(insuredId: $insuredId, appointmentId: $appointmentId) { ${APPOINTMENT_FIELDS} } }`
          : `mutation Cancel($insuredId: String!, $appointmentId: ID!, $overrideNotice: Boolean) { cancelAppointment(insuredId: $insuredId, appointmentId: $appointmentId, overrideNotice: $overrideNotice) { ${APPOINTMENT_FIELDS} } }`,
        overrideNotice === undefined ? { insuredId, appointmentId } : { insuredId, appointmentId, overrideNotice },
      ),

    /** Moves an appointment to another slot; `countryISO` and `overrideNotice` are sent only when given. */
    rescheduleAppointment: (args: {
      insuredId: string;
      appointmentId: string;
      scheduleId: unknown;
      countryISO?: CountryISO;
      overrideNotice?: boolean;
    }) =>
      request<{ rescheduleAppointment: Appointment | null }>(
        `mutation Move($insuredId: String!, $appointmentId: ID!, $scheduleId: Int!, $countryISO: CountryISO, $overrideNotice: Boolean) {
          rescheduleAppointment(insuredId: $insuredId, appointmentId: $appointmentId, scheduleId: $scheduleId, countryISO: $countryISO, overrideNotice: $overrideNotice) {
            ${APPOINTMENT_FIELDS} ${MOVE_FIELDS}
          }
        }`,
        Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)),
      ),

    appointments: (insuredId: string, limit?: number, nextToken?: string) =>
      request<{ appointments: AppointmentConnection }>(
        `query Mine($insuredId: String!, $limit: Int, $nextToken: String) {
          appointments(insuredId: $insuredId, limit: $limit, nextToken: $nextToken) { items { ${APPOINTMENT_FIELDS} } nextToken }
        }`,
        { insuredId, limit, nextToken },
      ),

    availableSlots: (args: QueryavailableSlotsArgs) =>
      request<{ availableSlots: SlotConnection }>(
        `query Free($countryISO: CountryISO!, $from: AWSDateTime!, $to: AWSDateTime!, $specialtyId: ID, $centreId: ID, $doctorId: ID, $limit: Int, $nextToken: String) {
          availableSlots(countryISO: $countryISO, from: $from, to: $to, specialtyId: $specialtyId, centreId: $centreId, doctorId: $doctorId, limit: $limit, nextToken: $nextToken) {
            items { ${SLOT_FIELDS} } nextToken
          }
        }`,
        { ...args },
      ),

    catalog: (countryISO: CountryISO) =>
      request<{ catalog: Catalog }>(
        `query Catalog($countryISO: CountryISO!) {
          catalog(countryISO: $countryISO) {
            countryISO specialties { specialtyId name } doctors { doctorId name }
            centres { __typename centreId name timeZone ... on PeruCentre { district } ... on ChileCentre { commune region } }
          }
        }`,
        { countryISO },
      ),

    publishSlots: (input: PublishSlotsInput) =>
      request<{ publishSlots: SlotPublication | null }>(
        `mutation Publish($input: PublishSlotsInput!) { publishSlots(input: $input) { publicationId countryISO slotCount startsAt endsAt } }`,
        { input },
      ),

    withdrawSlot: (countryISO: CountryISO, scheduleId: number) =>
      request<{ withdrawSlot: Slot | null }>(
        `mutation Withdraw($countryISO: CountryISO!, $scheduleId: Int!) { withdrawSlot(countryISO: $countryISO, scheduleId: $scheduleId) { ${SLOT_FIELDS} } }`,
        { countryISO, scheduleId },
      ),
  };
}
