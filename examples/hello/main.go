// hello: the smallest service armgo deploys. GET / answers with the version set at build time
// (-ldflags "-X main.version=1.2.3"); GET /healthz answers healthStatus (also set by -X, so a test
// can build a release whose health check fails). -version prints the version and exits.
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
	"strconv"
	"syscall"
)

var (
	version      = "dev"
	healthStatus = "200"
)

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
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", version)
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintln(w, http.StatusText(status))
	})
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
