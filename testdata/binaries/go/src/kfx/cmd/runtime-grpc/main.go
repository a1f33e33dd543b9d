// Command kata-runtime (fixture) is a stand-in for Kata 1.x's Go runtime: it links the vendored
// agent protocol client over gRPC and prints its version the way kata-runtime 1.x does. It never
// runs as part of a test; tests read its bytes.
package main

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/grpc"
)

// Kata 1.x generates these with sed into config-generated.go; -X sets them here instead.
var (
	version     = "unknown"
	commit      = "unknown"
	specVersion = "1.0.1-dev"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("kata-runtime  : %s\n   commit   : %s\n   OCI specs: %s\n", version, commit, specVersion)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--storage-drivers" {
		handler, _ := storageHandler(os.Args[2])
		fmt.Println(handler, storageDrivers)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--call-agent" {
		conn, err := grpc.Dial("unix://"+os.Args[2], grpc.WithInsecure())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer conn.Close()
		for _, err := range callAll(context.Background(), conn) {
			fmt.Fprintln(os.Stderr, err)
		}
		return
	}
	fmt.Fprintln(os.Stderr, "usage: kata-runtime --version")
	os.Exit(2)
}
