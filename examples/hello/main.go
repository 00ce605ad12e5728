// hello: the smallest service armgo deploys. GET / answers with the version set at build time
// (-ldflags "-X main.version=1.2.3"); GET /healthz answers healthStatus (also set by -X, so a test
// can build a release whose health check fails). -version prints the version and exits.
// GET /metrics is Prometheus text: requests by status code, and the 5xx among them as errors.
// failRate (-X main.failRate=0.2) makes that share of GET / answer 500 while /healthz stays healthy:
// a release that is bad only under load, for the canary analysis.
// Under a systemd .socket unit it serves the socket systemd passes (LISTEN_FDS, fd 3), so connections
// queue in it while a restart replaces the process; on SIGTERM it finishes the requests it took.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"sync"
	"syscall"
)

var (
	version      = "dev"
	healthStatus = "200"
	failRate     = "0"
)

// requests counts answers by status code; served counts GET / for failRate's spread.
var (
	mu       sync.Mutex
	requests = map[int]uint64{}
	served   uint64
)

func count(code int) {
	mu.Lock()
	requests[code]++
	mu.Unlock()
}

// fails: whether the n-th GET / is one of the failRate share, spread evenly (not at random: a test's
// load gives the same error rate each time).
func fails(rate float64) bool {
	mu.Lock()
	defer mu.Unlock()
	served++
	return uint64(float64(served)*rate) > uint64(float64(served-1)*rate)
}

func metrics(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	codes := make([]int, 0, len(requests))
	for c := range requests {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP hello_http_requests_total Requests answered, by status code.")
	fmt.Fprintln(w, "# TYPE hello_http_requests_total counter")
	for _, c := range codes {
		fmt.Fprintf(w, "hello_http_requests_total{code=\"%d\"} %d\n", c, requests[c])
	}
	fmt.Fprintln(w, "# HELP hello_http_errors_total Requests answered with a 5xx, by status code.")
	fmt.Fprintln(w, "# TYPE hello_http_errors_total counter")
	for _, c := range codes {
		if c >= 500 {
			fmt.Fprintf(w, "hello_http_errors_total{code=\"%d\"} %d\n", c, requests[c])
		}
	}
	mu.Unlock()
}

func main() {
	port := flag.String("port", envOr("HELLO_PORT", "8080"), "TCP port to listen on (env HELLO_PORT)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version)
		return
	}
	status, err := strconv.Atoi(healthStatus)
	if err != nil {
		log.Fatalf("healthStatus %q is not a number", healthStatus)
	}
	rate, err := strconv.ParseFloat(failRate, 64)
	if err != nil || rate < 0 || rate > 1 {
		log.Fatalf("failRate %q is not a number from 0 to 1", failRate)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if fails(rate) {
			count(http.StatusInternalServerError)
			http.Error(w, "failing on purpose", http.StatusInternalServerError)
			return
		}
		count(http.StatusOK)
		fmt.Fprintf(w, "hello %s\n", version)
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintln(w, http.StatusText(status))
	})
	http.HandleFunc("/metrics", metrics)
	ln, err := listener(*port)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("hello %s listening on %s", version, ln.Addr())
	srv := &http.Server{}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// listener: the socket systemd passed (sd_listen_fds: LISTEN_PID is us, LISTEN_FDS=1, fd 3), else :port.
func listener(port string) (net.Listener, error) {
	if os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) && os.Getenv("LISTEN_FDS") == "1" {
		return net.FileListener(os.NewFile(3, "systemd-socket"))
	}
	return net.Listen("tcp", ":"+port)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
