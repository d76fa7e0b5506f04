package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
	cachesync "github.com/purser-finance/purser/internal/sync"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web"
)

func runServe(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	getenv := configFlags(fs, e.getenv)
	if err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	if generated, err := config.EnsureSecretKey(&cfg); err != nil {
		return err
	} else if generated {
		log.Warn("PORTAL_SECRET_KEY is not set: generated a new key into the data directory; set it explicitly when running several replicas or on Postgres",
			"file", cfg.DataDir+"/"+config.SecretKeyFile)
	}

	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()

	reg := prometheus.NewRegistry()
	upstream, closeUpstream, err := startUpstream(ctx, cfg, log, reg)
	if err != nil {
		return err
	}
	defer closeUpstream()

	if cfg.Sandbox() {
		svc, err := userService(cfg, db)
		if err != nil {
			return err
		}
		seeded, err := svc.SeedDemo(ctx, cfg.DemoPassword, cfg.DemoTOTPSecret)
		if err != nil {
			return err
		}
		if seeded {
			log.Info("demo mode: created users admin, finance, approver, approver2, auditor, viewer (password and TOTP secret: see README)")
		}
	}

	runner, ops, err := startJobs(ctx, cfg, db, upstream, log)
	if err != nil {
		return err
	}
	if runner != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer cancel()
			if err := runner.Stop(sctx); err != nil {
				log.Warn("jobs: stop", "error", err)
			}
		}()
	}

	deps := web.Deps{Config: cfg, DB: db, Upstream: upstream, Log: log, Metrics: reg, Version: version}
	if runner != nil {
		deps.Sync = runner // a nil *Runner must not become a non-nil interface
		deps.Operations = ops
	}
	if deps.Admin, err = adminDeps(ctx, cfg, db, log); err != nil {
		return err
	}
	if ops != nil && deps.Admin.Settings != nil {
		// Notifications go to the channels an admin set under /admin/settings.
		st := deps.Admin.Settings
		ops.Notifier().SetSource(func() approval.NotifyConfig {
			s, err := st.Get(context.WithoutCancel(ctx))
			if err != nil {
				log.Warn("notify: cannot read the notification settings", "error", err)
				return approval.NotifyConfig{}
			}
			return s.NotifyConfig()
		})
	}
	srv, err := web.New(deps)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Purser %s listening on %s\n", version, cfg.PublicURL)
	return srv.Serve(ctx, cfg.Addr)
}

// startJobs builds the cache sync over the upstream client and starts the durable job
// runner (River) with the periodic full sync, then queues one sync now so that a fresh
// portal shows data within seconds. Without upstream credentials there is nothing to sync:
// no runner (nil).
func startJobs(ctx context.Context, cfg config.Config, db *store.DB, upstream web.Pinger, log *slog.Logger) (*jobs.Runner, *approval.Service, error) {
	up, ok := upstream.(bss.Upstream)
	if !ok || up == nil {
		return nil, nil, nil
	}
	master := cfg.HWDomainID
	if cfg.Sandbox() {
		master = sandbox.DefaultOptions().DomainID // startUpstream keeps the default domain id
	}
	syncer := cachesync.New(db, up, cachesync.Options{MasterAccountID: master, Log: log.With("component", "sync"),
		Interval: cfg.SyncInterval, CatalogInterval: cfg.SyncCatalogInterval, Concurrency: cfg.SyncConcurrency})
	// The executor refreshes a sub-account's cache once a movement on it settled; the
	// runner that queues that refresh starts just below.
	var refresh func(ctx context.Context, subAccountID string)
	ops, opJobs, err := startOperations(ctx, cfg, db, up, master, log, func(ctx context.Context, sub string) {
		if refresh != nil {
			refresh(ctx, sub)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	runner, err := jobs.StartWith(ctx, db, syncer, log.With("component", "jobs"), syncer.Options().Interval, jobs.Options{Operations: opJobs})
	if err != nil {
		return nil, nil, err
	}
	refresh = func(ctx context.Context, sub string) {
		if _, err := runner.EnqueueSync(ctx, "balances", sub, "operation"); err != nil {
			log.Warn("sync: could not queue the refresh after an operation", "sub_account_id", sub, "error", err)
		}
	}
	if _, err := runner.EnqueueSync(ctx, cachesync.AreaFull, "", cachesync.TriggerStartup); err != nil {
		log.Warn("sync: could not queue the startup sync", "error", err)
	}
	return runner, ops, nil
}

// startOperations builds the maker-checker workflow: the approval service (step-up with
// the sign-in TOTP checks; execution jobs inserted in the approving transaction) and the
// executor that the job runner's operation workers use.
func startOperations(ctx context.Context, cfg config.Config, db *store.DB, up bss.Upstream, master string, log *slog.Logger,
	refresh func(ctx context.Context, subAccountID string)) (*approval.Service, *jobs.OperationJobs, error) {
	if err := jobs.Migrate(ctx, db, log.With("component", "jobs")); err != nil {
		return nil, nil, err
	}
	ins, err := jobs.NewInserter(db, db.Dialect() == store.DialectPostgres)
	if err != nil {
		return nil, nil, err
	}
	stepUp, err := web.NewStepUp(cfg, db, log.With("component", "auth"), nil)
	if err != nil {
		return nil, nil, err
	}
	ops := approval.New(db, approval.Options{StepUp: stepUp, Enqueuer: ins, MasterAccountID: master, Log: log.With("component", "approval")})
	exec := execute.New(db, up, execute.Options{Notifier: ops.Notifier(), Log: log.With("component", "execute"),
		Settled: func(ctx context.Context, op *store.Operation) {
			if op.SubAccountID != "" {
				refresh(ctx, op.SubAccountID)
			}
		}})
	return ops, &jobs.OperationJobs{Executor: exec, Approval: ops}, nil
}

// startUpstream builds the BSS client: against the in-process sandbox in sandbox mode
// (the same client and HTTP path as production), or against the configured endpoint.
func startUpstream(ctx context.Context, cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (web.Pinger, func(), error) {
	if cfg.Sandbox() {
		opts := sandbox.DefaultOptions()
		opts.Seed, opts.SubAccounts, opts.Logger = cfg.SandboxSeed, cfg.SandboxSubAccounts, log.With("component", "sandbox")
		// Fresh credentials per process: nothing else on this machine can sign requests to
		// the in-process sandbox.
		opts.AK, opts.SK = randomHex(10), randomHex(20)
		running, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
		if err != nil {
			return nil, nil, fmt.Errorf("start sandbox: %w", err)
		}
		client, err := bss.New(bss.Config{
			Endpoint: running.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID,
			Generation: cfg.UpstreamAPI, Logger: log.With("component", "bss"), Metrics: reg,
		})
		if err != nil {
			running.Close()
			return nil, nil, err
		}
		return client, func() { running.Close() }, nil
	}
	if cfg.HWAK == "" {
		log.Warn("no upstream credentials (PORTAL_HW_AK/PORTAL_HW_SK/PORTAL_HW_DOMAIN_ID): /readyz reports the upstream as not configured")
		return nil, func() {}, nil
	}
	client, err := bss.New(bss.Config{
		Endpoint: cfg.Upstream, AK: cfg.HWAK, SK: cfg.HWSK, DomainID: cfg.HWDomainID,
		Generation: cfg.UpstreamAPI, Logger: log.With("component", "bss"), Metrics: reg,
	})
	if err != nil {
		return nil, nil, err
	}
	return client, func() {}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// userService is the user-management use case over db, for serve and the CLI.
func userService(cfg config.Config, db *store.DB) (*users.Service, error) {
	box, err := secretbox.New(cfg.SecretKey, "totp")
	if err != nil {
		return nil, err
	}
	return &users.Service{DB: db, Passwords: web.PasswordHasher(), TOTPSecrets: box}, nil
}
