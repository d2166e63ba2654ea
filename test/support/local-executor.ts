import { parse } from 'graphql';
import type { AuthenticatedCaller } from '../../local/appsync/authentication';
import type { LocalResolver } from '../../local/appsync/lambda-data-source';
import { LocalExecutor, type AppSyncAnswer } from '../../local/appsync/executor';
import type { AppSyncRequestContext } from '../../local/appsync/request-context';
import { localLogger, silentSink } from '../../local/log';

/**
 * The local AppSync executor on schema.graphql, in this process and without a network:
 * each direct Lambda resolver is a function of the test's, so a test sees the events
 * AppSync would send and answers as the function would.
 */
export type ResolverFunctions = Partial<
  Record<
    'Query.appointments' | 'Mutation.createAppointment' | 'Mutation.cancelAppointment' | 'Subscription.onAppointmentStatusChanged',
    (event: unknown) => Promise<unknown>
  >
>;

export function localExecutor(functions: ResolverFunctions): Promise<LocalExecutor> {
  const resolvers: LocalResolver[] = Object.entries(functions).map(([id, invoke]) => {
    const [typeName = '', fieldName = ''] = id.split('.');
    return { typeName, fieldName, invoke };
  });
  return LocalExecutor.create({ resolvers, logger: localLogger('test', silentSink), defaultMode: 'AMAZON_COGNITO_USER_POOLS' });
}

export const apiKeyCaller: AuthenticatedCaller = { mode: 'API_KEY' };
export const pipelineCaller: AuthenticatedCaller = { mode: 'AWS_IAM', accessKeyId: 'local' };

// An insured person's caller is `given.anInsuredAppSyncCaller` (test/steps/given.ts), the one every level takes.

export function requestContext(caller: AuthenticatedCaller): AppSyncRequestContext {
  return { caller, headers: { 'content-type': 'application/json', host: 'localhost' }, sourceIp: '127.0.0.1' };
}

export function run(
  executor: LocalExecutor,
  query: string,
  caller: AuthenticatedCaller,
  variables?: Record<string, unknown>,
): Promise<AppSyncAnswer> {
  const document = parse(query);
  return Promise.resolve(executor.validationRefusal(document) ?? executor.execute({ document, variables }, requestContext(caller)));
}

/** A status change as the completion worker publishes it. */
export function statusChange(insuredId: string, appointmentId = '01JTESTAPPOINTMENT0000000') {
  return {
    appointmentId,
    insuredId,
    scheduleId: 100,
    countryISO: 'PE',
    status: 'COMPLETED',
    rejectionReason: null,
    updatedAt: '2026-11-29T10:00:00.000Z',
  };
}

export const PUBLISH_STATUS_CHANGE = `mutation Publish($change: AppointmentStatusChangeInput!) {
  publishAppointmentStatusChange(change: $change) { appointmentId insuredId scheduleId countryISO status rejectionReason updatedAt }
}`;
