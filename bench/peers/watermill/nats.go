package main

import (
	"context"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wmjs "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/jetstream"
	wmnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsURL drops a query (unimq's nats://host:port?jetstream=... URLs), which nats.go does not take.
func natsURL(url string) string {
	if i := strings.IndexByte(url, '?'); i >= 0 {
		return url[:i]
	}
	return url
}

func init() {
	backends["nats"] = newCoreNATS
	backends["jetstream"] = newJetStream
}

// Core NATS through watermill-nats v2 (pkg/nats, JetStream disabled): Publish is
// nats.Conn.PublishMsg, which only buffers; there is no broker confirmation in core NATS, so a
// publish round ends with a Flush (PING/PONG: the server has read everything before it). The
// subscriber is one plain subscription (SubscribersCount 1, no queue group); its handler is
// serialized by Watermill (the next message waits for the previous one's Ack, a no-op here).
func newCoreNATS(o *options, logger watermill.LoggerAdapter) (*pubSub, error) {
	pubConn, err := nats.Connect(natsURL(o.url), nats.Name("wm-bench-pub"))
	if err != nil {
		return nil, err
	}
	subConn, err := nats.Connect(natsURL(o.url), nats.Name("wm-bench-sub"))
	if err != nil {
		pubConn.Close()
		return nil, err
	}
	pub, err := wmnats.NewPublisherWithNatsConn(pubConn, wmnats.PublisherPublishConfig{
		Marshaler:         &wmnats.NATSMarshaler{},
		SubjectCalculator: wmnats.DefaultSubjectCalculator,
		JetStream:         wmnats.JetStreamConfig{Disabled: true},
	}, logger)
	if err != nil {
		pubConn.Close()
		subConn.Close()
		return nil, err
	}
	sub, err := wmnats.NewSubscriberWithNatsConn(subConn, wmnats.SubscriberSubscriptionConfig{
		Unmarshaler:      &wmnats.NATSMarshaler{},
		SubscribersCount: 1,
		JetStream:        wmnats.JetStreamConfig{Disabled: true},
	}, logger)
	if err != nil {
		pubConn.Close()
		subConn.Close()
		return nil, err
	}
	return &pubSub{
		pub:   pub,
		sub:   sub,
		flush: func() error { return pubConn.FlushTimeout(30 * time.Second) },
	}, nil
}

// JetStream through watermill-nats v2's pkg/jetstream (the adapter on nats.go's jetstream API):
// Publish is jetstream.PublishMsg, synchronous, waiting for each PubAck. The stream is the
// adapter's default (name = subject = topic, file storage, limits retention, one replica),
// created before the round. The subscriber is a pull consumer (Consume, nats.go's default pull
// batch of 500 messages), ephemeral per round, AckExplicit; each message is acked after the
// handler's Ack with DoubleAck (waits for the server to confirm the ack; Watermill's default),
// or with a plain Ack under --js-ack-sync=false.
func newJetStream(o *options, logger watermill.LoggerAdapter) (*pubSub, error) {
	pubConn, err := nats.Connect(natsURL(o.url), nats.Name("wm-bench-pub"))
	if err != nil {
		return nil, err
	}
	subConn, err := nats.Connect(natsURL(o.url), nats.Name("wm-bench-sub"))
	if err != nil {
		pubConn.Close()
		return nil, err
	}
	pub, err := wmjs.NewPublisher(wmjs.PublisherConfig{Conn: pubConn, Logger: logger})
	if err != nil {
		pubConn.Close()
		subConn.Close()
		return nil, err
	}
	sub, err := wmjs.NewSubscriber(wmjs.SubscriberConfig{
		Conn:     subConn,
		Logger:   logger,
		AckAsync: !o.jsAckSync,
	})
	if err != nil {
		pubConn.Close()
		subConn.Close()
		return nil, err
	}
	return &pubSub{
		pub:        pub,
		sub:        sub,
		initialize: sub.SubscribeInitialize,
		cleanup: func(topic string) error {
			js, err := jetstream.New(pubConn)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return js.DeleteStream(ctx, topic)
		},
	}, nil
}
