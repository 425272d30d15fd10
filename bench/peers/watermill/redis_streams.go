package main

import (
	"context"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/redis/go-redis/v9"
)

// Redis Streams through watermill-redisstream: Publish is one XADD per message, waiting for its
// reply (no MAXLEN). The subscriber is in a consumer group (XREADGROUP COUNT 1, then XACK after
// the handler's Ack, one message at a time), starting at the stream's beginning ("0"), which on a
// fresh stream is the first message published.
func init() { backends["redis_streams"] = newRedisStreams }

// redisOptions accepts host:port, or a redis:// URL (unimq's, whose query is ignored).
func redisOptions(url string) (*redis.Options, error) {
	if !strings.Contains(url, "://") {
		return &redis.Options{Addr: url}, nil
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url = url[:i]
	}
	return redis.ParseURL(url)
}

func newRedisStreams(o *options, logger watermill.LoggerAdapter) (*pubSub, error) {
	ro, err := redisOptions(o.url)
	if err != nil {
		return nil, err
	}
	// One client each: the subscriber closes its client on Close.
	pubClient := redis.NewClient(ro)
	subClient := redis.NewClient(ro)
	pub, err := redisstream.NewPublisher(redisstream.PublisherConfig{Client: pubClient}, logger)
	if err != nil {
		pubClient.Close()
		subClient.Close()
		return nil, err
	}
	sub, err := redisstream.NewSubscriber(redisstream.SubscriberConfig{
		Client:        subClient,
		ConsumerGroup: "wm-bench",
	}, logger)
	if err != nil {
		pub.Close()
		subClient.Close()
		return nil, err
	}
	return &pubSub{
		pub: pub,
		sub: sub,
		cleanup: func(topic string) error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return pubClient.Del(ctx, topic).Err()
		},
	}, nil
}
