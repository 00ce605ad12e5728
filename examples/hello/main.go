// hello: the smallest service armgo deploys. GET / answers with the version set at build time
// (-ldflags "-X main.version=1.2.3"); GET /healthz answers healthStatus (also set by -X, so a test
// can build a release whose health check fails). -version prints the version and exits.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
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
	log.Printf("hello %s listening on :%s", version, *port)
	log.Fatal(http.ListenAndServe(":"+*port, nil))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
