import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { EmailSender, OutgoingEmail } from '../ports';

const UTF8 = 'UTF-8';

/** SES v2 SendEmail from the deployment's one sender identity: a plain-text and an HTML part, UTF-8 (Spanish). */
export class SesEmailSender implements EmailSender {
  constructor(
    private readonly ses: SESv2Client,
    private readonly fromAddress: string,
  ) {}

  async send(email: OutgoingEmail): Promise<string> {
    const answer = await this.ses.send(
      new SendEmailCommand({
        FromEmailAddress: this.fromAddress,
        Destination: { ToAddresses: [email.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: UTF8 },
            Body: { Text: { Data: email.text, Charset: UTF8 }, Html: { Data: email.html, Charset: UTF8 } },
          },
        },
      }),
    );
    if (!answer.MessageId) throw new Error('SES accepted the email but returned no message id');
    return answer.MessageId;
  }
}
