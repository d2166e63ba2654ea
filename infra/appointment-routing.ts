import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { topology, type CountryRoute, type QueueSettings } from '../core/config/topology';
import { eventPatternOf, subscriptionFilterPolicy } from './routing-rules';

/** A queue a worker consumes, with the dead-letter queue its failing messages end in. */
export interface WorkerQueue {
  readonly settings: QueueSettings;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
}

export interface CountryQueue extends WorkerQueue {
  readonly route: CountryRoute;
}

/**
 * How an appointment travels, built from the topology: the requests topic with one
 * filtered queue per country (bookings, cancellations and catalog changes), and the event bus whose rules bring
 * every country decision to the confirmation queue and every slot's new state to the availability queue.
 * Resource names are left to CloudFormation (the topology's names are the construct ids), so two stacks can share an account.
 */
export class AppointmentRouting extends Construct {
  readonly appointmentRequests: sns.Topic;
  readonly countryQueues: readonly CountryQueue[];
  readonly eventBus: events.EventBus;
  readonly countryOutcomesRule: events.Rule;
  readonly confirmations: WorkerQueue;
  /** What the slot projector consumes: each SlotAvailabilityChanged a country announces, for the read model. */
  readonly slotAvailability: WorkerQueue;
  readonly slotAvailabilityRule: events.Rule;
  /** The insured people's email route, once added (only a stack given a sender address has one). */
  private emails?: WorkerQueue;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.appointmentRequests = new sns.Topic(this, topology.appointmentRequests.topicName, {
      enforceSSL: true,
      // The AWS managed key: SNS decrypts before delivering to the queues, and publishers need no key grant.
      masterKey: kms.Alias.fromAliasName(this, 'SnsManagedKey', 'alias/aws/sns'),
    });

    this.countryQueues = topology.countryRoutes.map((route) => {
      const workerQueue = this.workerQueue(route);
      this.appointmentRequests.addSubscription(
        new subscriptions.SqsSubscription(workerQueue.queue, {
          rawMessageDelivery: true,
          filterPolicy: subscriptionFilterPolicy(route.filterPolicy),
        }),
      );
      return { ...workerQueue, route };
    });

    const outcomes = topology.countryOutcomes;
    this.eventBus = new events.EventBus(this, outcomes.eventBusName);
    this.confirmations = this.workerQueue(topology.confirmations);
    this.countryOutcomesRule = new events.Rule(this, outcomes.ruleName, {
      eventBus: this.eventBus,
      description: `${outcomes.detailTypes.join(', ')} from ${outcomes.source} to the confirmation queue`,
      eventPattern: eventPatternOf(outcomes.rulePattern),
      targets: [
        new targets.SqsQueue(this.confirmations.queue, {
          // Events EventBridge cannot deliver land where failed confirmations do: both hold the event as body.
          deadLetterQueue: this.confirmations.deadLetterQueue,
        }),
      ],
    });

    const slots = topology.slotAvailability;
    this.slotAvailability = this.workerQueue(slots);
    this.slotAvailabilityRule = new events.Rule(this, slots.ruleName, {
      eventBus: this.eventBus,
      description: `${slots.detailType} from ${slots.source} to the slot availability queue`,
      eventPattern: eventPatternOf(slots.rulePattern),
      // As for confirmations: an event EventBridge cannot deliver waits in the DLQ, its body the event itself.
      targets: [new targets.SqsQueue(this.slotAvailability.queue, { deadLetterQueue: this.slotAvailability.deadLetterQueue })],
    });
  }

  /**
   * The email route: a rule taking every stored status change the completion worker announces on the bus
   * to a queue of its own, with its DLQ. Built on demand, so a stack without a sender address has none of it.
   */
  addEmailNotifications(): WorkerQueue {
    if (this.emails) return this.emails;
    const route = topology.emailNotifications;
    const emails = this.workerQueue(route);
    new events.Rule(this, route.ruleName, {
      eventBus: this.eventBus,
      description: `${topology.statusChangeEvents.detailType} from ${topology.statusChangeEvents.source} to the email queue`,
      eventPattern: eventPatternOf(route.rulePattern),
      // As for confirmations: an event EventBridge cannot deliver waits in the DLQ, its body the event itself.
      targets: [new targets.SqsQueue(emails.queue, { deadLetterQueue: emails.deadLetterQueue })],
    });
    this.emails = emails;
    return emails;
  }

  /** Every queue a worker consumes, with its DLQ. */
  get workerQueues(): readonly WorkerQueue[] {
    return [...this.countryQueues, this.confirmations, this.slotAvailability, ...(this.emails ? [this.emails] : [])];
  }

  /** Every dead-letter queue, for alarms. */
  get deadLetterQueues(): readonly { readonly name: string; readonly queue: sqs.Queue }[] {
    return this.workerQueues.map(({ settings, deadLetterQueue }) => ({
      name: settings.deadLetterQueueName,
      queue: deadLetterQueue,
    }));
  }

  private workerQueue(settings: QueueSettings): WorkerQueue {
    const deadLetterQueue = new sqs.Queue(this, settings.deadLetterQueueName, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to find the cause and redrive.
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, settings.queueName, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    return { settings, queue, deadLetterQueue };
  }
}
