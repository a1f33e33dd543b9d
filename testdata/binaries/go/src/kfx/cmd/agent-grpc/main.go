// Command kata-agent (fixture) is a stand-in for the 1.x Go agent: it registers the generated
// gRPC AgentService and Health servers and dispatches on Storage.driver strings. It never runs
// as part of a test; tests read its bytes.
package main

import (
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
	pb "kfx/protocols/grpc"
)

// Set with -ldflags "-X main.version=<VERSION>-<sha>", like the 1.x agent's Makefile does.
var version = "unknown"

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Printf("kata-agent version %s\n", version)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--storage" {
		handler, err := storageHandler(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(handler)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "--serve" {
		listener, err := net.Listen("unix", os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		server := grpc.NewServer()
		pb.RegisterAgentServiceServer(server, &pb.UnimplementedAgentServiceServer{})
		pb.RegisterHealthServer(server, &pb.UnimplementedHealthServer{})
		_ = server.Serve(listener)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: kata-agent --version", storageDrivers)
	os.Exit(2)
}
