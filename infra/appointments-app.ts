import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppointmentsStack } from './appointments-stack';
import { deploymentSettingsFromContext } from './deployment-settings';

export const STACK_NAME = 'MedicalAppointments';

/**
 * The CDK app `cdk deploy` ships, checked by cdk-nag's AwsSolutions pack: an
 * unacknowledged finding fails synthesis. No env: the stack is environment-agnostic,
 * so it synthesizes offline and deploys to the account and region of the credentials.
 */
export function createAppointmentsApp(props: AppProps = {}): { app: App; stack: AppointmentsStack } {
  const app = new App(props);
  const stack = new AppointmentsStack(app, STACK_NAME, {
    description: 'Medical appointments (PE, CL): AppSync API, SNS/SQS/EventBridge pipeline, DynamoDB and RDS MySQL',
    settings: deploymentSettingsFromContext(app.node),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
