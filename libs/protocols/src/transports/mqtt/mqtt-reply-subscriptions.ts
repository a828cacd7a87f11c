import type { MqttClient as MqttConnection } from 'mqtt';

/** One shared subscription: how many calls use it and when the broker granted it. */
export interface ReplySubscription {
  readonly topic: string;
  count: number;
  readonly ready: Promise<void>;
  /** Pending unsubscribe after the last user left. */
  linger?: NodeJS.Timeout;
}

/** How long an unused reply subscription is kept, so steady traffic does not churn SUBSCRIBE/UNSUBSCRIBE. */
const REPLY_SUBSCRIPTION_LINGER_MS = 30_000;

/** Largest QoS a broker may grant; SUBACK codes from 0x80 up are refusals. */
const MAX_GRANTED_QOS = 2;

/**
 * Reference-counted subscriptions of one MQTT connection to the MQTT 3.1.1 reply topics
 * (`<topic>/reply`): the first call waiting on a topic subscribes, the last one to end
 * unsubscribes. Replies of other clients share the topic and are told apart by id.
 */
export class MqttReplySubscriptions {
  private readonly byTopic = new Map<string, ReplySubscription>();
  /** Unsubscriptions not yet acknowledged: a new subscription to the topic waits for them. */
  private readonly leaving = new Map<string, Promise<void>>();

  constructor(private readonly connection: MqttConnection) {}

  /** Joins (or starts) the subscription to `topic`; its `ready` rejects when the broker refused it. */
  acquire(topic: string): ReplySubscription {
    let subscription = this.byTopic.get(topic);
    if (!subscription) {
      // NOTE: a broker may handle an UNSUBSCRIBE and a SUBSCRIBE of one topic concurrently
      // (aedes does), so the new subscription could be dropped: subscribe after the UNSUBACK.
      const ready = (this.leaving.get(topic) ?? Promise.resolve())
        .then(() => this.connection.subscribeAsync(topic, { qos: 1 }))
        .then((granted) => {
          if (granted.some((grant) => grant.qos > MAX_GRANTED_QOS)) throw new Error(`the broker refused the subscription to '${topic}'`);
        });
      const created: ReplySubscription = { topic, count: 0, ready };
      ready.catch(() => this.forget(created));
      this.byTopic.set(topic, created);
      subscription = created;
    }
    clearTimeout(subscription.linger);
    subscription.linger = undefined;
    subscription.count++;
    return subscription;
  }

  /** Leaves a subscription; the last one out unsubscribes (when it is still the current one). */
  release(subscription: ReplySubscription): void {
    subscription.count--;
    if (subscription.count > 0 || this.byTopic.get(subscription.topic) !== subscription) return;
    subscription.linger = setTimeout(() => this.leave(subscription), REPLY_SUBSCRIPTION_LINGER_MS);
    subscription.linger.unref();
  }

  private leave(subscription: ReplySubscription): void {
    if (subscription.count > 0 || this.byTopic.get(subscription.topic) !== subscription) return;
    this.byTopic.delete(subscription.topic);
    if (!this.connection.connected) return;
    const left: Promise<void> = this.connection
      .unsubscribeAsync(subscription.topic)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        if (this.leaving.get(subscription.topic) === left) this.leaving.delete(subscription.topic);
      });
    this.leaving.set(subscription.topic, left);
  }

  private forget(subscription: ReplySubscription): void {
    if (this.byTopic.get(subscription.topic) === subscription) this.byTopic.delete(subscription.topic);
  }
}
