package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want float64
	}{{0.50, 500}, {0.99, 990}, {0.999, 999}, {1, 1000}, {0, 1}} {
		if got := percentileUs(d, c.q); got != c.want {
			t.Errorf("percentile %v = %v, want %v", c.q, got, c.want)
		}
	}
	if got := percentileUs(nil, 0.5); got != 0 {
		t.Errorf("percentile of nothing = %v", got)
	}
}

func TestMedianAveragesTheMiddleOfAnEvenCount(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(strings.Fields(
		"--backend nats --url nats://x:1 --workload latency --rate 500 --duration-s 10"))
	if err != nil {
		t.Fatal(err)
	}
	if o.messages != 5000 {
		t.Errorf("messages = %d, want rate × duration = 5000", o.messages)
	}
	for _, bad := range []string{
		"--backend nope --url x",
		"--backend nats",
		"--backend nats --url x --workload other",
		"--backend nats --url x --workload publish --duration-s 3",
		"--backend nats --url x --workload latency --size 4",
		"--backend nats --url x --messages 0",
	} {
		if _, err := parseOptions(strings.Fields(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestURLForms(t *testing.T) {
	if ro, err := redisOptions("redis://127.0.0.1:7000?mode=streams"); err != nil ||
		ro.Addr != "127.0.0.1:7000" {
		t.Errorf("redis URL: %v %v", ro, err)
	}
	if ro, _ := redisOptions("127.0.0.1:7000"); ro.Addr != "127.0.0.1:7000" {
		t.Errorf("redis address: %v", ro.Addr)
	}
	if got := natsURL("nats://127.0.0.1:4222?jetstream=true"); got != "nats://127.0.0.1:4222" {
		t.Errorf("nats URL: %v", got)
	}
	if got := kafkaBrokers("kafka://a:1,b:2"); len(got) != 2 || got[0] != "a:1" || got[1] != "b:2" {
		t.Errorf("kafka brokers: %v", got)
	}
}

// captureStdout runs f and returns what it printed.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	f()
	os.Stdout = old
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out)
}

// The lines keep bench/report.cpp's schema: field order, number formats, "median" rounds.
func TestJSONLines(t *testing.T) {
	o := &options{backend: "redis_streams", workload: "publish", size: 100, messages: 100000}
	got := captureStdout(t, func() {
		printThroughput(o, throughputResult{seconds: 1.234, round: 1})
		printThroughput(o, throughputResult{seconds: 1.234})
	})
	want := `{"backend":"redis_streams","impl":"watermill","workload":"publish","size":100,` +
		`"msgs":100000,"seconds":1.234000,"msgs_per_s":81037.3,"mb_per_s":8.104,"round":1}` + "\n" +
		`{"backend":"redis_streams","impl":"watermill","workload":"publish","size":100,` +
		`"msgs":100000,"seconds":1.234000,"msgs_per_s":81037.3,"mb_per_s":8.104,"round":"median"}` +
		"\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	o = &options{backend: "nats", workload: "latency", size: 100, messages: 20000, rate: 5000}
	line := captureStdout(t, func() {
		printLatency(o, latencyResult{p50: 120.5, p99: 800.1, p999: 1500.2, round: 2})
	})
	want = `{"backend":"nats","impl":"watermill","workload":"latency","size":100,"msgs":20000,` +
		`"rate":5000,"p50_us":120.5,"p99_us":800.1,"p999_us":1500.2,"round":2}` + "\n"
	if line != want {
		t.Errorf("got\n%s\nwant\n%s", line, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(line), &v); err != nil {
		t.Errorf("not JSON: %v", err)
	}
}
