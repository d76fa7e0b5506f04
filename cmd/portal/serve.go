package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web"
	"github.com/purser-finance/purser/internal/wiring"
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

	if err := checkCheckpointFile(cfg); err != nil {
		return err
	}
	// The address is taken before anything else listens: the demo sandbox picks a free
	// port, and could otherwise be handed the portal's own; an address in use fails the
	// start at once, before a first start migrates a database.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	db, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()

	reg := prometheus.NewRegistry()
	id, err := identity(ctx, cfg, db, log, e.codeNow)
	if err != nil {
		return err
	}
	admin := id.Admin
	masters, bootstrap, closeUpstream, err := startUpstream(ctx, cfg, db, admin.Accounts, log, reg)
	if err != nil {
		return err
	}
	defer closeUpstream()

	if cfg.Sandbox() {
		seeded, err := admin.Users.SeedDemo(ctx, cfg.DemoPassword, cfg.DemoTOTPSecret)
		if err != nil {
			return err
		}
		if seeded {
			log.Info("demo mode: created users admin, finance, approver, approver2, auditor, viewer (password and TOTP secret: see README)")
		}
	}

	runner, ops, rs, err := startJobs(ctx, cfg, db, masters, bootstrap, admin.Settings, id.Auth, log)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
		defer cancel()
		if err := runner.Stop(sctx); err != nil {
			log.Warn("jobs: stop", "error", err)
		}
	}()

	deps := web.Deps{Config: cfg, DB: db, Upstream: masters, Masters: masters, Log: log, Metrics: reg, Version: version,
		Sync: runner, Operations: ops, Admin: admin, AuditVerifier: runner, Reports: rs,
		Auth: id.Auth, Sessions: id.Sessions, TOTPSecrets: id.TOTPSecrets}
	if ops != nil {
		// Delivery outcomes of e-mail and webhooks on /metrics (purser_notifications_total).
		if err := ops.Notifier().Register(reg); err != nil {
			return err
		}
	}
	srv, err := web.New(deps)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Purser %s listening on %s\n", version, cfg.PublicURL)
	return srv.Serve(ctx, ln)
}

// startJobs builds one cache syncer per master account (cachesync.Pool over the
// registry) and starts the durable job runner (River) with the periodic sync tick, then
// queues one sync of every master now so that a fresh portal shows data within seconds.
// It also runs the periodic audit checkpoint (PORTAL_AUDIT_CHECKPOINT_INTERVAL) and the
// sweep of expired sessions, each once per interval across replicas, the audit
// verifications started from the audit page and the scheduled reports, whose use case
// it returns for the reports page, and recomputes the runways after every balance sync.
// The sync intervals are read from /admin/settings at each tick (the PORTAL_SYNC_*
// values until an admin saves others), so a change takes effect without a restart.
func startJobs(ctx context.Context, cfg config.Config, db *store.DB, masters *upstreamacct.Registry, bootstrap string,
	st *settings.Service, stepUp approval.StepUpVerifier, log *slog.Logger) (*jobs.Runner, *approval.Service, *reports.Service, error) {
	o := cachesync.Options{Log: log.With("component", "sync"), Interval: cfg.SyncInterval,
		CatalogInterval: cfg.SyncCatalogInterval, Concurrency: cfg.SyncConcurrency, CreditRecheckEvery: cfg.SyncCreditRecheck}
	if st != nil {
		// A balance pass reads those nearest to the low-balance threshold first.
		o.LowThreshold = func(ctx context.Context) money.Amount {
			s, err := st.Get(ctx)
			if err != nil {
				log.Warn("sync: cannot read the low-balance threshold; ordering the balance pass by balance alone", "error", err)
				return money.Zero(money.DefaultCurrency)
			}
			return s.Balance.LowThreshold
		}
		o.Intervals = func(ctx context.Context) (time.Duration, time.Duration) {
			s, err := st.Get(ctx)
			if err != nil {
				log.Warn("sync: cannot read the sync settings; using the configured intervals", "error", err)
				return 0, 0
			}
			return s.Sync.Interval, s.Sync.CatalogInterval
		}
	}
	pool := cachesync.NewPool(db, masters, o)
	// The executor refreshes a sub-account's cache once a movement on it settled; the
	// runner that queues that refresh starts just below.
	var refresh func(ctx context.Context, master, subAccountID string)
	ops, opJobs, err := startOperations(ctx, db, masters, bootstrap, stepUp, log, func(ctx context.Context, master, sub string) {
		if refresh != nil {
			refresh(ctx, master, sub)
		}
	})
	if err != nil {
		return nil, nil, nil, err
	}
	if st != nil {
		notifySettings(ctx, ops.Notifier(), st, cfg, log)
	}
	rs, err := reports.New(reports.Deps{DB: db, Reader: readmodel.New(db), Mailer: ops.Notifier(), PublicURL: cfg.PublicURL,
		Hidden: hiddenMasters(db, masters, log), Log: log.With("component", "reports")})
	if err != nil {
		return nil, nil, nil, err
	}
	signer, err := auditSigner(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	runner, err := jobs.StartWith(ctx, db, pool, log.With("component", "jobs"), cfg.SyncInterval, jobs.Options{Operations: opJobs,
		AuditCheckpointInterval: cfg.AuditCheckpointInterval,
		AuditCheckpoint: func(ctx context.Context) error {
			_, err := signer.CheckpointIfMoved(ctx, db)
			return err
		},
		AuditVerify: &jobs.AuditVerifyJobs{Signer: signer},
		SessionSweep: func(ctx context.Context) (int64, error) {
			return db.DeleteExpiredSessions(ctx, time.Now())
		},
		Rules:   rulesEvaluator(cfg, db, ops, st, log),
		Reports: &jobs.ReportJobs{Reports: rs},
		Runways: &jobs.RunwayJobs{Refresh: readmodel.NewForecaster(db, nil).Refresh}})
	if err != nil {
		return nil, nil, nil, err
	}
	refresh = func(ctx context.Context, master, sub string) {
		if _, err := runner.EnqueueSyncOf(ctx, master, "balances", sub, "operation"); err != nil {
			log.Warn("sync: could not queue the refresh after an operation", "sub_account_id", sub, "error", err)
		}
	}
	if _, err := runner.EnqueueSync(ctx, cachesync.AreaFull, "", cachesync.TriggerStartup); err != nil {
		log.Warn("sync: could not queue the startup sync", "error", err)
	}
	return runner, ops, rs, nil
}

// notifySettings makes notifications, and the scheduled reports sent through the same
// notifier, go to the channels an admin set under /admin/settings, read at each send. It
// is set before the job runner starts, so no report goes out without them.
func notifySettings(ctx context.Context, n *notify.Notifier, st *settings.Service, cfg config.Config, log *slog.Logger) {
	n.SetSource(func() notify.Config {
		s, err := st.Get(context.WithoutCancel(ctx))
		if err != nil {
			log.Warn("notify: cannot read the notification settings", "error", err)
			return notify.Config{}
		}
		nc := s.NotifyConfig()
		nc.PublicURL = cfg.PublicURL // e-mails link to the operation's page
		return nc
	})
}

// hiddenMasters lists the masters whose rows are cached but that are no longer
// configured: reports leave them out, as the pages do.
func hiddenMasters(db *store.DB, masters *upstreamacct.Registry, log *slog.Logger) func(context.Context) []string {
	return func(ctx context.Context) []string {
		ids, err := db.MasterAccountIDsCached(ctx)
		if err != nil {
			log.Warn("reports: cannot tell the configured master accounts", "error", err)
			return nil
		}
		live, err := masters.LiveMasters(ctx)
		if err != nil {
			log.Warn("reports: cannot tell the configured master accounts", "error", err)
			return nil
		}
		var out []string
		for _, id := range ids {
			if !live[id] {
				out = append(out, id)
			}
		}
		return out
	}
}

// rulesEvaluator runs the standing top-up rules and the alerts after each balance sync;
// the default low-balance threshold is the settings' (read at each evaluation).
func rulesEvaluator(cfg config.Config, db *store.DB, ops *approval.Service, st *settings.Service, log *slog.Logger) jobs.RulesEvaluator {
	ao := rules.AlertOptions{RunwayDays: cfg.AlertRunwayDays, AnomalyFactor: cfg.AlertAnomalyFactor}
	if st != nil {
		ao.LowBalance = func(ctx context.Context) money.Amount {
			s, err := st.Get(ctx)
			if err != nil {
				return money.Amount{}
			}
			return s.Balance.LowThreshold
		}
	}
	ev := rules.NewEvaluator(db, ops, nil, ao, rules.Options{Log: log.With("component", "rules")})
	return func(ctx context.Context, master string) error {
		res, err := ev.Evaluate(ctx, master)
		if res.TopUps > 0 || res.Alerts > 0 {
			log.Info("rules: evaluated", "master", master, "top_ups", res.TopUps, "already_paid", res.Already, "capped", res.Capped, "alerts", res.Alerts)
		}
		return err
	}
}

// startOperations builds the maker-checker workflow: the approval service (step-up by the
// sign-in's own auth service, so failures count toward the same lockout; execution jobs
// inserted in the approving transaction) and the
// executor that the job runner's operation workers use. Each operation executes through
// its own master's client (the registry); bootstrap is the master of operations on rows
// cached before several masters were supported.
func startOperations(ctx context.Context, db *store.DB, masters *upstreamacct.Registry, bootstrap string, stepUp approval.StepUpVerifier, log *slog.Logger,
	refresh func(ctx context.Context, master, subAccountID string)) (*approval.Service, *jobs.OperationJobs, error) {
	if err := jobs.Migrate(ctx, db, log.With("component", "jobs")); err != nil {
		return nil, nil, err
	}
	ins, err := jobs.NewInserter(db, db.Dialect() == store.DialectPostgres)
	if err != nil {
		return nil, nil, err
	}
	ops := approval.New(db, approval.Options{StepUp: stepUp, Enqueuer: ins, MasterAccountID: bootstrap, Log: log.With("component", "approval"),
		// Renewals are priced, and their orders read, through the client they are sent with.
		Renewals: approval.RenewalClients(masters.Client, masters.SubClient),
		MasterLive: func(ctx context.Context, domainID string) (bool, error) {
			live, err := masters.LiveMasters(ctx)
			return live[domainID], err
		}})
	exec := execute.New(db, nil, execute.Options{Notifier: ops.Notifier(), Log: log.With("component", "execute"),
		Clients: masters.Client, SubClients: masters.SubClient, MasterRefresh: ins, Local: rules.NewApplier(rules.Options{}),
		Settled: func(ctx context.Context, op *store.Operation) {
			if op.SubAccountID != "" {
				refresh(ctx, op.MasterAccountID, op.SubAccountID)
			}
		}})
	return ops, &jobs.OperationJobs{Executor: exec, Approval: ops}, nil
}

// startUpstream builds the registry of master accounts: the enabled masters stored under
// /admin/upstream (PORTAL_HW_* is stored there on a first start: identity), plus, in
// sandbox mode, the in-process sandbox (the same client and HTTP path as production; its
// credentials are random per process, so it is registered in memory, never stored). It
// returns the registry and the bootstrap master's domain id (the sandbox's, PORTAL_HW_DOMAIN_ID,
// or the only stored master), to which rows cached before migration 00052 are given.
func startUpstream(ctx context.Context, cfg config.Config, db *store.DB, accounts *upstreamacct.Service, log *slog.Logger,
	reg prometheus.Registerer) (*upstreamacct.Registry, string, func(), error) {
	masters := upstreamacct.NewRegistry(accounts)
	masters.Configure = func(c *bss.Config) { c.Logger, c.Metrics = log.With("component", "bss"), reg }
	closeFn := func() {}
	bootstrap := cfg.HWDomainID
	if cfg.Sandbox() {
		opts := sandboxOptions(cfg, log)
		running, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
		if err != nil {
			return nil, "", nil, fmt.Errorf("start sandbox: %w", err)
		}
		client, err := bss.New(bss.Config{
			Endpoint: running.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID,
			Generation: cfg.UpstreamAPI, Logger: log.With("component", "bss"), Metrics: reg,
		})
		if err != nil {
			running.Close()
			return nil, "", nil, err
		}
		masters.Register(opts.DomainID, "Sandbox", client)
		if err := seedSandboxHistory(ctx, db, running.Server(), opts.DomainID, log); err != nil {
			running.Close()
			return nil, "", nil, err
		}
		bootstrap = opts.DomainID
		closeFn = func() { running.Close() }
	}
	ms, err := masters.Masters(ctx)
	if err != nil {
		log.Warn("upstream: some master accounts cannot be used (see /admin/upstream)", "error", err)
	}
	if len(ms) == 0 {
		log.Warn("no master account (PORTAL_HW_AK/PORTAL_HW_SK/PORTAL_HW_DOMAIN_ID, or /admin/upstream): /readyz reports the upstream as not configured")
	}
	if bootstrap == "" && len(ms) == 1 {
		bootstrap = ms[0].DomainID
	}
	if n, err := db.AdoptUntaggedCache(ctx, bootstrap); err != nil {
		closeFn()
		return nil, "", nil, err
	} else if n > 0 {
		log.Info("cache: rows cached before several masters were supported now belong to the bootstrap master", "master", bootstrap, "rows", n)
	}
	return masters, bootstrap, closeFn, nil
}

// sandboxOptions are the in-process sandbox's options in demo mode.
func sandboxOptions(cfg config.Config, log *slog.Logger) sandbox.Options {
	opts := sandbox.DefaultOptions()
	opts.Seed, opts.SubAccounts, opts.Logger = cfg.SandboxSeed, cfg.SandboxSubAccounts, log.With("component", "sandbox")
	opts.Burn = true // the demo's sub-accounts consume, so that their runways go down
	// Fresh credentials per process: nothing else on this machine can sign requests to
	// the in-process sandbox.
	opts.AK, opts.SK = randomHex(10), randomHex(20)
	return opts
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// userService is the user-management use case over db for a CLI command, with the
// command's one password hasher (wiring.NewPasswords, as serve).
func userService(cfg config.Config, db *store.DB) (*users.Service, error) {
	return wiring.Users(cfg, db, wiring.NewPasswords())
}
