package bss_test

import (
	"context"
	"testing"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
)

func TestPingAgainstSandbox(t *testing.T) {
	ctx := t.Context()
	opts := sandbox.DefaultOptions()
	run, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	c, err := bss.New(bss.Config{Endpoint: run.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	bad, _ := bss.New(bss.Config{Endpoint: run.URL(), AK: opts.AK, SK: "wrong", DomainID: opts.DomainID})
	if err := bad.Ping(context.Background()); err == nil {
		t.Fatal("wrong SK accepted")
	} else {
		t.Log(err)
	}
}
