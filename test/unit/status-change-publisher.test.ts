import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AppSyncSubscribers,
  PUBLISH_STATUS_CHANGE_MUTATION,
  StatusChangeNotPublishedError,
} from '../../core/adapters/appsync-status-changes';
import type { AppointmentStatusChange, AppointmentStatusChangeInput } from '../../core/graphql/types.generated';

const GRAPHQL_URL = 'https://example123.appsync-api.us-east-1.amazonaws.com/graphql';
const slot = {
  scheduleId: 100,
  countryISO: 'PE' as const,
  startsAt: '2026-12-15T10:30:00-05:00',
  endsAt: '2026-12-15T10:50:00-05:00',
  centre: {
    __typename: 'PeruCentre',
    centreId: 'pe-clinica-miraflores',
    name: 'Clínica Miraflores',
    timeZone: 'America/Lima',
    district: 'Miraflores',
  },
  specialty: { specialtyId: 'cardiologia', name: 'Cardiología' },
  doctor: { doctorId: 'dra-quispe', name: 'Dra. María Quispe' },
};
const change: AppointmentStatusChange = {
  appointmentId: '01JDQ0000000000000000000AB',
  insuredId: '00012',
  scheduleId: 100,
  countryISO: 'PE',
  status: 'COMPLETED',
  rejectionReason: null,
  updatedAt: '2026-11-23T10:00:00.000Z',
  slot,
  reschedule: null,
};
/** The same change as the publish mutation's input: the centre's type travels as `typeName`. */
const changeInput: AppointmentStatusChangeInput = {
  ...change,
  reschedule: null,
  slot: {
    ...slot,
    centre: {
      typeName: 'PeruCentre',
      centreId: 'pe-clinica-miraflores',
      name: 'Clínica Miraflores',
      timeZone: 'America/Lima',
      district: 'Miraflores',
    },
  },
};
const signer = new SignatureV4({
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' },
  region: 'us-east-1',
  service: 'appsync',
  sha256: Sha256,
});

interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: { query: string; variables: Record<string, unknown> };
}

/** A fetch that records what was sent and answers as AppSync would (or as told). */
function appSyncAnswering(status: number, answer: unknown) {
  const sent: SentRequest[] = [];
  const send = ((url: URL, init: RequestInit) => {
    sent.push({
      url: String(url),
      headers: init.headers as Record<string, string>,
      body: JSON.parse(init.body as string) as SentRequest['body'],
    });
    return Promise.resolve(new Response(JSON.stringify(answer), { status, headers: { 'content-type': 'application/json' } }));
  }) as typeof fetch;
  return { sent, send };
}

describe('publishing a status change to AppSync (the completion worker)', () => {
  it('given a stored change, when published, then one SigV4-signed POST carries the one internal mutation with the change as its variables', async () => {
    const appsync = appSyncAnswering(200, { data: { publishAppointmentStatusChange: change } });

    await new AppSyncSubscribers(GRAPHQL_URL, signer, appsync.send).publish(change);

    expect(appsync.sent).toHaveLength(1);
    const [request] = appsync.sent;
    expect(request?.url).toBe(GRAPHQL_URL);
    expect(request?.headers).toEqual(
      expect.objectContaining({
        host: 'example123.appsync-api.us-east-1.amazonaws.com',
        authorization: expect.stringMatching(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/appsync\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
        ) as unknown,
        'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/) as unknown,
        'x-amz-security-token': 'session-token',
      }),
    );
    expect(request?.body).toEqual({ query: PUBLISH_STATUS_CHANGE_MUTATION, variables: { change: changeInput } });
    expect(PUBLISH_STATUS_CHANGE_MUTATION).toMatch(
      /^mutation PublishStatusChange\(\$change: AppointmentStatusChangeInput!\) \{\s+publishAppointmentStatusChange\(change: \$change\)/,
    );
  });

  it.each([
    [
      'a GraphQL error',
      200,
      {
        data: null,
        errors: [{ errorType: 'Unauthorized', message: 'Not Authorized to access publishAppointmentStatusChange on type Mutation' }],
      },
    ],
    [
      'an HTTP error',
      401,
      { errors: [{ errorType: 'UnauthorizedException', message: 'The security token included in the request is invalid.' }] },
    ],
  ])(
    'given AppSync answers %s, when published, then it fails with a StatusChangeNotPublishedError naming the appointment and the reason',
    async (_what, status, answer) => {
      const appsync = appSyncAnswering(status, answer);

      const publishing = new AppSyncSubscribers(GRAPHQL_URL, signer, appsync.send).publish(change);

      await expect(publishing).rejects.toBeInstanceOf(StatusChangeNotPublishedError);
      await expect(publishing).rejects.toThrow(new RegExp(`${change.appointmentId}.*Unauthorized`));
    },
  );
});
