import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceCreateEvent, CloudFormationCustomResourceDeleteEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../infra/functions/migrate-country-schemas';

const secretsManager = mockClient(SecretsManagerClient);
afterAll(() => secretsManager.restore());

describe('the country schemas custom resource', () => {
  it('given the stack is deleted, when CloudFormation deletes the resource, then the schemas and their appointments stay (MySQL is not even reached)', async () => {
    const event: CloudFormationCustomResourceDeleteEvent = {
      RequestType: 'Delete',
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MedicalAppointments/1',
      RequestId: 'request-1',
      LogicalResourceId: 'CountrySchemas',
      PhysicalResourceId: 'country-schemas',
      ResourceType: 'Custom::CountrySchemas',
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider' },
    };

    const response = await handler(event, {} as Context, () => undefined);

    expect(response).toEqual({ PhysicalResourceId: 'country-schemas' });
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('given a deploy that names a database user nobody declared, when CloudFormation creates the resource, then it fails before reading any secret or reaching MySQL', async () => {
    const event: CloudFormationCustomResourceCreateEvent = {
      RequestType: 'Create',
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/MedicalAppointments/1',
      RequestId: 'request-2',
      LogicalResourceId: 'CountrySchemas',
      ResourceType: 'Custom::CountrySchemas',
      ResourceProperties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
        databaseUsers: [{ username: 'appointments_admin2', secretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:x' }],
      },
    };

    await expect(handler(event, {} as Context, () => undefined)).rejects.toThrow('No database user appointments_admin2 is declared');
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
