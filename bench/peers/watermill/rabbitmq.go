package main

import (
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	amqp091 "github.com/rabbitmq/amqp091-go"
)

// RabbitMQ through watermill-amqp v3 with its durable-queue config (NewDurableQueueConfig): the
// default exchange, a durable queue named after the topic (declared before the round by the
// subscriber's SubscribeInitialize, so publish-only rounds keep their messages), persistent
// messages (delivery mode 2). On top of the defaults:
//   - Publish.ConfirmDelivery = true: the channel is in confirm mode and Publish waits for the
//     broker's ack of each message before returning (one message in flight);
//   - Publish.ChannelPoolSize = 1: one channel kept open (Watermill's default, 0, opens and
//     closes a channel around every Publish call).
//
// The subscriber: one channel, basic.qos prefetch 1 (the config's default; --prefetch changes
// it), manual acks (basic.ack after the handler's Ack, one message handed over at a time),
// consumer not exclusive, requeue on nack.
func init() { backends["rabbitmq"] = newRabbitMQ }

func rabbitConfig(o *options) amqp.Config {
	c := amqp.NewDurableQueueConfig(o.url)
	c.Publish.ConfirmDelivery = true
	c.Publish.ChannelPoolSize = 1
	if o.prefetch > 0 {
		c.Consume.Qos.PrefetchCount = o.prefetch
	}
	return c
}

func newRabbitMQ(o *options, logger watermill.LoggerAdapter) (*pubSub, error) {
	cfg := rabbitConfig(o)
	pub, err := amqp.NewPublisher(cfg, logger)
	if err != nil {
		return nil, err
	}
	sub, err := amqp.NewSubscriber(cfg, logger)
	if err != nil {
		pub.Close()
		return nil, err
	}
	return &pubSub{
		pub:        pub,
		sub:        sub,
		initialize: sub.SubscribeInitialize,
		cleanup:    func(topic string) error { return deleteQueue(o.url, topic) },
	}, nil
}

// deleteQueue removes a round's queue through a connection of its own.
func deleteQueue(url, queue string) error {
	conn, err := amqp091.Dial(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	_, err = ch.QueueDelete(queue, false, false, false)
	return err
}
