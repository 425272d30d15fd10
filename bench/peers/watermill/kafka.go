package main

import (
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
)

// Kafka through watermill-kafka v3 (IBM/sarama). Publish is sarama's SyncProducer.SendMessage,
// one message at a time, each waiting for the broker's response; on top of Watermill's
// DefaultSaramaSyncPublisherConfig: acks=all (WaitForAll), the idempotent producer (which needs
// Net.MaxOpenRequests = 1 and a protocol version >= 0.11; 2.1 is set), no compression, sarama's
// default batching (a sync producer sends each message alone anyway). The topic is created
// before the round with one partition, replication factor 1. The subscriber is a consumer group
// (one per round) starting at the oldest offset; after the handler's Ack it marks the offset,
// which sarama's auto-commit commits every second (Watermill's default).
func init() { backends["kafka"] = newKafka }

// kafkaBrokers accepts host:port[,host:port...], with or without a kafka:// prefix.
func kafkaBrokers(url string) []string {
	url = strings.TrimPrefix(url, "kafka://")
	if i := strings.IndexAny(url, "/?"); i >= 0 {
		url = url[:i]
	}
	return strings.Split(url, ",")
}

func newKafka(o *options, logger watermill.LoggerAdapter) (*pubSub, error) {
	brokers := kafkaBrokers(o.url)

	pc := kafka.DefaultSaramaSyncPublisherConfig()
	pc.Version = sarama.V2_1_0_0
	pc.Producer.RequiredAcks = sarama.WaitForAll
	pc.Producer.Idempotent = true
	pc.Net.MaxOpenRequests = 1
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               brokers,
		Marshaler:             kafka.DefaultMarshaler{},
		OverwriteSaramaConfig: pc,
	}, logger)
	if err != nil {
		return nil, err
	}

	sc := kafka.DefaultSaramaSubscriberConfig()
	sc.Version = sarama.V2_1_0_0
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers:               brokers,
		Unmarshaler:           kafka.DefaultMarshaler{},
		OverwriteSaramaConfig: sc,
		ConsumerGroup:         "wm-bench-" + watermill.NewShortUUID(),
		InitializeTopicDetails: &sarama.TopicDetail{
			NumPartitions:     1,
			ReplicationFactor: 1,
		},
	}, logger)
	if err != nil {
		pub.Close()
		return nil, err
	}
	return &pubSub{
		pub:        pub,
		sub:        sub,
		initialize: sub.SubscribeInitialize,
		cleanup: func(topic string) error {
			ac := sarama.NewConfig()
			ac.Version = sarama.V2_1_0_0
			ac.Admin.Timeout = 30 * time.Second
			admin, err := sarama.NewClusterAdmin(brokers, ac)
			if err != nil {
				return err
			}
			defer admin.Close()
			return admin.DeleteTopic(topic)
		},
	}, nil
}
