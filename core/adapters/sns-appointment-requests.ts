import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AppointmentRequested } from '../messages';
import type { AppointmentRequestPublisher } from '../ports';
import { topology } from '../topology';

/** Publishes appointment requests on SNS; the country rides in the attribute the filter policies match. */
export class SnsAppointmentRequests implements AppointmentRequestPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(request: AppointmentRequested): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(request),
        MessageAttributes: {
          [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: request.countryISO },
        },
      }),
    );
  }
}
