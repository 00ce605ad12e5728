// zsvc: a small HTTP service that links the C zlib and OpenSSL of the host it runs on, the cgo
// service playbooks/cross-build.yaml builds through the glibc sysroot and deploys to the ARM64 fleet.
// GET / answers with both libraries' versions; -selftest prints them and exits.
package main

/*
#cgo pkg-config: zlib openssl
#include <zlib.h>
#include <openssl/crypto.h>
*/
import "C"

import (
	"flag"
	"fmt"
	"log"
	"net/http"
)

func versions() string {
	return "zlib " + C.GoString(C.zlibVersion()) + "; openssl " + C.GoString(C.OpenSSL_version(C.OPENSSL_VERSION))
}

func main() {
	selftest := flag.Bool("selftest", false, "print the linked zlib's and OpenSSL's versions and exit")
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if *selftest {
		fmt.Println("zsvc", versions())
		return
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, versions()) })
	log.Fatal(http.ListenAndServe(*addr, nil))
}
