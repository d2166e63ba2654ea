import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { CountryQueueMessage } from '../messages/slot-messages';
import type { CountryMessagePublisher } from '../ports';
import { topology } from '../config/topology';

/** Publishes bookings, cancellations and catalog changes on SNS; the country rides in the attribute the filter policies match. */
export class SnsCountryMessages implements CountryMessagePublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: CountryQueueMessage): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(message),
        MessageAttributes: {
          [topology.appointmentRequests.routingAttribute]: { DataType: 'String', StringValue: message.countryISO },
        },
      }),
    );
  }
}
