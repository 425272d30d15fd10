// watermill-bench: the Watermill peer of unimq-bench (bench/). It runs the same workloads through
// Watermill's adapters and prints one JSON line per measurement on stdout, in the schema of
// bench/report.cpp with "impl":"watermill"; everything else goes to stderr.
//
//	watermill-bench --backend B --url U --workload W --size S --messages N --rounds R
//	                [--rate R] [--duration-s D]
//
// See README.md for the backends, URL forms and each adapter's settings.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// programStart is the origin of the send timestamps of the latency workload; time.Since reads
// Go's monotonic clock.
var programStart = time.Now()

type options struct {
	backend   string
	url       string
	workload  string
	size      int
	messages  int
	rounds    int
	rate      float64
	durationS float64
	stallS    float64
	verbose   bool
	jsAckSync bool
	prefetch  int
}

// pubSub is one round's publisher and subscriber on one backend, with what the backend needs
// besides Watermill's two interfaces.
type pubSub struct {
	pub message.Publisher
	sub message.Subscriber
	// initialize creates what a topic needs before anything is published to it (a RabbitMQ
	// queue, a JetStream stream, a Kafka topic), so that a publish-only round keeps its messages.
	// Untimed. Nil when publishing creates the topic (Redis Streams, core NATS).
	initialize func(topic string) error
	// flush, when set, returns once the broker has everything published so far; it ends the
	// timed part of a publish round whose Publish does not wait for the broker (core NATS).
	flush func() error
	// cleanup, when set, removes what the round left on the broker (its stream, queue or
	// topic); called before the clients close, untimed, best effort.
	cleanup func(topic string) error
	// close releases what the backend opened besides pub and sub.
	close func()
}

// newPubSub builds a round's publisher and subscriber; each backend file registers one.
type newPubSub func(o *options, logger watermill.LoggerAdapter) (*pubSub, error)

var backends = map[string]newPubSub{}

func main() {
	log.SetOutput(os.Stderr)
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("watermill-bench: ")

	o, err := parseOptions(os.Args[1:])
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func parseOptions(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("watermill-bench", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&o.backend, "backend", "", "redis_streams, nats, jetstream, rabbitmq or kafka")
	fs.StringVar(&o.url, "url", "", "broker address (see README.md for each backend's form)")
	fs.StringVar(&o.workload, "workload", "publish", "publish, publish_consume or latency")
	fs.IntVar(&o.size, "size", 100, "payload bytes per message (latency: at least 8)")
	fs.IntVar(&o.messages, "messages", 20000, "messages per round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds; a median line follows them")
	fs.Float64Var(&o.rate, "rate", 1000, "latency: messages per second")
	fs.Float64Var(&o.durationS, "duration-s", 0,
		"latency: seconds per round; when set, messages = rate * duration-s")
	fs.Float64Var(&o.stallS, "stall-s", 30,
		"seconds without progress before a round fails (a lost message must not hang the run)")
	fs.BoolVar(&o.verbose, "verbose", false, "Watermill's own log (info level) on stderr")
	fs.BoolVar(&o.jsAckSync, "js-ack-sync", true,
		"jetstream: the subscriber waits for the server to confirm each ack (Watermill's default); "+
			"false acks asynchronously (SubscriberConfig.AckAsync)")
	fs.IntVar(&o.prefetch, "prefetch", 0,
		"rabbitmq: consumer prefetch count (0: Watermill's durable-queue default, 1)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, ok := backends[o.backend]; !ok {
		return nil, fmt.Errorf("--backend %q: want redis_streams, nats, jetstream, rabbitmq or kafka",
			o.backend)
	}
	if o.url == "" {
		return nil, errors.New("--url is required")
	}
	switch o.workload {
	case "publish", "publish_consume", "latency":
	default:
		return nil, fmt.Errorf("--workload %q: want publish, publish_consume or latency", o.workload)
	}
	if o.workload == "latency" {
		if o.rate <= 0 {
			return nil, errors.New("--rate must be positive")
		}
		if o.durationS > 0 {
			o.messages = int(math.Round(o.rate * o.durationS))
		}
		if o.size < 8 {
			return nil, errors.New("--size must be at least 8 for latency (the send timestamp)")
		}
	} else if o.durationS > 0 {
		return nil, errors.New("--duration-s applies to the latency workload only")
	}
	if o.size < 0 || o.messages <= 0 || o.rounds <= 0 || o.stallS <= 0 {
		return nil, errors.New("--size, --messages, --rounds and --stall-s must be positive")
	}
	return o, nil
}

func run(o *options) error {
	var logger watermill.LoggerAdapter = watermill.NopLogger{}
	if o.verbose {
		logger = watermill.NewStdLoggerWithOut(os.Stderr, false, false)
	}
	var throughput []throughputResult
	var latency []latencyResult
	for round := 1; round <= o.rounds; round++ {
		topic := fmt.Sprintf("wm-bench-%s-%d-%d-%d", o.workload, os.Getpid(), round,
			time.Now().UnixNano())
		ps, err := backends[o.backend](o, logger)
		if err != nil {
			return fmt.Errorf("round %d: connecting: %w", round, err)
		}
		switch o.workload {
		case "publish":
			var seconds float64
			seconds, err = runPublish(o, ps, topic)
			if err == nil {
				throughput = append(throughput, throughputResult{seconds: seconds, round: round})
				printThroughput(o, throughput[len(throughput)-1])
			}
		case "publish_consume":
			var seconds float64
			seconds, err = runPublishConsume(o, ps, topic)
			if err == nil {
				throughput = append(throughput, throughputResult{seconds: seconds, round: round})
				printThroughput(o, throughput[len(throughput)-1])
			}
		case "latency":
			var r latencyResult
			r, err = runLatency(o, ps, topic)
			if err == nil {
				r.round = round
				latency = append(latency, r)
				printLatency(o, r)
			}
		}
		if ps.cleanup != nil {
			if cerr := ps.cleanup(topic); cerr != nil {
				log.Printf("round %d: removing topic %s: %v", round, topic, cerr)
			}
		}
		closePubSub(ps)
		if err != nil {
			return fmt.Errorf("round %d (%s, topic %s): %w", round, o.workload, topic, err)
		}
	}
	if o.workload == "latency" {
		printLatency(o, medianLatency(latency))
	} else {
		printThroughput(o, medianThroughput(throughput))
	}
	return nil
}

// closePubSub closes a round's clients; a failure to close is logged, not fatal (the
// measurement is done).
func closePubSub(ps *pubSub) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := ps.pub.Close(); err != nil {
			log.Printf("closing the publisher: %v", err)
		}
		if err := ps.sub.Close(); err != nil {
			log.Printf("closing the subscriber: %v", err)
		}
		if ps.close != nil {
			ps.close()
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		log.Print("closing the round's clients took over 30 s; going on without them")
	}
}

// newMessage builds a message the way a Watermill application does: a fresh UUID each.
// Building it is part of what is measured, as unimq-bench measures building its Message.
func newMessage(payload []byte) *message.Message {
	return message.NewMessage(watermill.NewUUID(), payload)
}

const warmupKey = "wm_bench_warmup"

// runPublish publishes o.messages messages, one Publish call each (Watermill's Publish takes
// several, but every adapter here sends them one after the other anyway, each waiting for its
// confirmation); timed from the first Publish to the last one returning (plus flush for core
// NATS, whose Publish only buffers).
func runPublish(o *options, ps *pubSub, topic string) (float64, error) {
	if ps.initialize != nil {
		if err := ps.initialize(topic); err != nil {
			return 0, fmt.Errorf("initializing the topic: %w", err)
		}
	}
	payload := makePayload(o.size)
	start := time.Now()
	for i := 0; i < o.messages; i++ {
		if err := ps.pub.Publish(topic, newMessage(payload)); err != nil {
			return 0, fmt.Errorf("publish %d: %w", i, err)
		}
	}
	if ps.flush != nil {
		if err := ps.flush(); err != nil {
			return 0, fmt.Errorf("flush: %w", err)
		}
	}
	return time.Since(start).Seconds(), nil
}

func makePayload(size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = 'x'
	}
	return p
}

// consumer counts what the subscriber's handler got. Each message is acked as soon as it is
// looked at (its payload size read, or its timestamp for latency).
type consumer struct {
	expected  int
	size      int
	latencies []time.Duration // latency workload: one per message, in arrival order

	handled   atomic.Int64 // measured messages acked
	wrongSize atomic.Int64
	extra     atomic.Int64  // handled beyond expected (duplicates)
	warm      chan struct{} // closed when the first warm-up message arrives
	warmOnce  sync.Once
	done      chan struct{} // closed when the expected count is reached
	end       time.Time     // when the last expected message was acked
}

func newConsumer(expected, size int, latency bool) *consumer {
	c := &consumer{expected: expected, size: size, warm: make(chan struct{}),
		done: make(chan struct{})}
	if latency {
		c.latencies = make([]time.Duration, 0, expected)
	}
	return c
}

// loop is the subscriber's handler: it runs on one goroutine, as a Watermill handler does, and
// Ack()s each message (the adapter then acks it on the broker, and only then hands over the next).
func (c *consumer) loop(msgs <-chan *message.Message) {
	for msg := range msgs {
		if msg.Metadata.Get(warmupKey) != "" {
			msg.Ack()
			c.warmOnce.Do(func() { close(c.warm) })
			continue
		}
		if c.latencies != nil {
			now := time.Since(programStart)
			p := msg.Payload
			if len(p) >= 8 && len(c.latencies) < c.expected {
				sent := time.Duration(binary.LittleEndian.Uint64(p))
				c.latencies = append(c.latencies, now-sent)
			}
		}
		if len(msg.Payload) != c.size {
			c.wrongSize.Add(1)
		}
		msg.Ack()
		n := c.handled.Add(1)
		if n == int64(c.expected) {
			c.end = time.Now()
			close(c.done)
		} else if n > int64(c.expected) {
			c.extra.Add(1)
		}
	}
}

// waitDone waits for the expected count, failing after o.stallS seconds without progress.
func (c *consumer) waitDone(stall time.Duration) error {
	last := c.handled.Load()
	ticker := time.NewTicker(stall)
	defer ticker.Stop()
	for {
		select {
		case <-c.done:
			return nil
		case <-ticker.C:
			n := c.handled.Load()
			if n == last {
				return fmt.Errorf("consume stalled: %d of %d messages handled, none in %v",
					n, c.expected, stall)
			}
			last = n
		}
	}
}

func (c *consumer) check() error {
	if w := c.wrongSize.Load(); w != 0 {
		return fmt.Errorf("%d messages had a payload size other than %d", w, c.size)
	}
	if e := c.extra.Load(); e != 0 {
		return fmt.Errorf("%d messages more than the %d published (duplicates)", e, c.expected)
	}
	return nil
}

// subscribe subscribes first, then publishes warm-up messages until one comes back, so that
// the measured messages meet a subscription that is really live (a Kafka consumer group has
// joined, a NATS interest has reached the server). Untimed.
func subscribe(o *options, ps *pubSub, topic string, c *consumer) (context.CancelFunc, error) {
	if ps.initialize != nil {
		if err := ps.initialize(topic); err != nil {
			return nil, fmt.Errorf("initializing the topic: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	msgs, err := ps.sub.Subscribe(ctx, topic)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	go c.loop(msgs)
	deadline := time.Now().Add(time.Duration(o.stallS * float64(time.Second)))
	for {
		w := newMessage(makePayload(o.size))
		w.Metadata.Set(warmupKey, "1")
		if err := ps.pub.Publish(topic, w); err != nil {
			cancel()
			return nil, fmt.Errorf("publishing a warm-up message: %w", err)
		}
		if ps.flush != nil {
			if err := ps.flush(); err != nil {
				cancel()
				return nil, fmt.Errorf("flush: %w", err)
			}
		}
		select {
		case <-c.warm:
			return cancel, nil
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			return nil, fmt.Errorf("no warm-up message came back in %v s", o.stallS)
		}
	}
}

// runPublishConsume: the subscriber subscribed and live first, then one publisher publishes
// o.messages; timed from the first Publish to the last message Ack()ed by the handler.
func runPublishConsume(o *options, ps *pubSub, topic string) (float64, error) {
	c := newConsumer(o.messages, o.size, false)
	cancel, err := subscribe(o, ps, topic, c)
	if err != nil {
		return 0, err
	}
	defer cancel()
	payload := makePayload(o.size)
	start := time.Now()
	for i := 0; i < o.messages; i++ {
		if err := ps.pub.Publish(topic, newMessage(payload)); err != nil {
			return 0, fmt.Errorf("publish %d: %w", i, err)
		}
	}
	if ps.flush != nil {
		if err := ps.flush(); err != nil {
			return 0, fmt.Errorf("flush: %w", err)
		}
	}
	if err := c.waitDone(time.Duration(o.stallS * float64(time.Second))); err != nil {
		return 0, err
	}
	if err := c.check(); err != nil {
		return 0, err
	}
	return c.end.Sub(start).Seconds(), nil
}

type latencyResult struct {
	p50, p99, p999 float64 // microseconds
	round          int     // 0: the median
}

// runLatency publishes at o.rate messages per second, each starting with its send time; the
// handler records receive time - send time. The schedule is fixed (message i is due at
// start + i/rate); a Publish that returns late makes the next ones go at once, and the
// achieved rate is logged when it falls short by more than 5 %.
func runLatency(o *options, ps *pubSub, topic string) (latencyResult, error) {
	c := newConsumer(o.messages, o.size, true)
	cancel, err := subscribe(o, ps, topic, c)
	if err != nil {
		return latencyResult{}, err
	}
	defer cancel()
	interval := time.Duration(float64(time.Second) / o.rate)
	start := time.Now()
	for i := 0; i < o.messages; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		payload := makePayload(o.size)
		binary.LittleEndian.PutUint64(payload, uint64(time.Since(programStart)))
		if err := ps.pub.Publish(topic, newMessage(payload)); err != nil {
			return latencyResult{}, fmt.Errorf("publish %d: %w", i, err)
		}
		if ps.flush != nil && i == o.messages-1 {
			if err := ps.flush(); err != nil {
				return latencyResult{}, fmt.Errorf("flush: %w", err)
			}
		}
	}
	sendSeconds := time.Since(start).Seconds()
	if achieved := float64(o.messages) / sendSeconds; achieved < 0.95*o.rate {
		log.Printf("latency: publishing reached %.0f msgs/s of the %g asked for", achieved, o.rate)
	}
	if err := c.waitDone(time.Duration(o.stallS * float64(time.Second))); err != nil {
		return latencyResult{}, err
	}
	if err := c.check(); err != nil {
		return latencyResult{}, err
	}
	lat := c.latencies
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return latencyResult{
		p50:  percentileUs(lat, 0.50),
		p99:  percentileUs(lat, 0.99),
		p999: percentileUs(lat, 0.999),
	}, nil
}

// percentileUs: nearest rank (the smallest value with at least q of the values at or below it)
// of sorted durations, in microseconds.
func percentileUs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return float64(sorted[rank-1].Nanoseconds()) / 1e3
}

type throughputResult struct {
	seconds float64
	round   int // 0: the median
}

// medianThroughput: the median round by seconds, as bench/report.cpp takes it (with an even
// count the two middle times are averaged).
func medianThroughput(rs []throughputResult) throughputResult {
	s := make([]float64, len(rs))
	for i, r := range rs {
		s[i] = r.seconds
	}
	return throughputResult{seconds: median(s)}
}

func medianLatency(rs []latencyResult) latencyResult {
	var p50, p99, p999 []float64
	for _, r := range rs {
		p50 = append(p50, r.p50)
		p99 = append(p99, r.p99)
		p999 = append(p999, r.p999)
	}
	return latencyResult{p50: median(p50), p99: median(p99), p999: median(p999)}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (m + s[len(s)/2-1]) / 2
	}
	return m
}

func roundJSON(round int) string {
	if round == 0 {
		return `"median"`
	}
	return strconv.Itoa(round)
}

// The JSON lines keep bench/report.cpp's field order and number formats.
func printThroughput(o *options, r throughputResult) {
	perS := 0.0
	if r.seconds > 0 {
		perS = float64(o.messages) / r.seconds
	}
	fmt.Printf("{\"backend\":%q,\"impl\":\"watermill\",\"workload\":%q,\"size\":%d,\"msgs\":%d,"+
		"\"seconds\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,\"round\":%s}\n",
		o.backend, o.workload, o.size, o.messages, r.seconds, perS, perS*float64(o.size)/1e6,
		roundJSON(r.round))
}

func printLatency(o *options, r latencyResult) {
	fmt.Printf("{\"backend\":%q,\"impl\":\"watermill\",\"workload\":\"latency\",\"size\":%d,"+
		"\"msgs\":%d,\"rate\":%s,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"round\":%s}\n",
		o.backend, o.size, o.messages, strconv.FormatFloat(o.rate, 'f', -1, 64), r.p50, r.p99,
		r.p999, roundJSON(r.round))
}
