//go:build benchpprof

// This file is compiled only into benchmark builds (`go build -tags benchpprof`, as
// bench/read/run.sh does), never into the portal as shipped, so production serves no
// profiling endpoint whatever its environment says. In a bench build:
//
//   - PURSER_BENCH_PPROF_ADDR=127.0.0.1:PORT serves net/http/pprof on that address, on a
//     listener of its own apart from the portal's router and middleware;
//   - PURSER_BENCH_CPUPROFILE=FILE profiles the CPU from the process's start until it is
//     asked to stop (SIGTERM or interrupt), for the start-to-ready measurement.
package main

import (
	"log"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux, which only this listener serves
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func init() {
	if addr := os.Getenv("PURSER_BENCH_PPROF_ADDR"); addr != "" {
		go func() { log.Printf("bench pprof listener: %v", http.ListenAndServe(addr, nil)) }()
	}
	if path := os.Getenv("PURSER_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			log.Fatalf("PURSER_BENCH_CPUPROFILE: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("PURSER_BENCH_CPUPROFILE: %v", err)
		}
		stop := make(chan os.Signal, 1)
		signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
		go func() {
			<-stop
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
}
