// Command containerd-shim-kata-v2 (fixture) is a stand-in for Kata's Go runtime: it links the
// generated agent protocol client over ttrpc, the way src/runtime does, and prints its version
// in the shim's format. It never runs as part of a test; tests read its bytes.
package main

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/containerd/ttrpc"
)

// Set with -ldflags "-X main.version=... -X main.commit=...", like Kata's Makefile does.
var (
	version = "unknown"
	commit  = "unknown"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("Kata Containers containerd shim (Golang): id: %q, version: %s, commit: %s\n", "io.containerd.kata.v2", version, commit)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--storage-drivers" {
		fmt.Println(sharedFsDriver(os.Args[2]), storageDrivers)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--call-agent" {
		conn, err := net.Dial("unix", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		client := ttrpc.NewClient(conn)
		defer client.Close()
		for _, err := range callAll(context.Background(), client) {
			fmt.Fprintln(os.Stderr, err)
		}
		return
	}
	fmt.Fprintln(os.Stderr, "usage: containerd-shim-kata-v2 --version")
	os.Exit(2)
}

// sharedFsDriver picks the Storage.driver string the runtime sends for a shared_fs setting.
func sharedFsDriver(sharedFs string) string {
	if handler, err := storageHandler(sharedFs); err == nil {
		return handler
	}
	return ""
}
