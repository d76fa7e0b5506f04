#!/usr/bin/env bash
# Read-side load benchmark (issues 4 and 16). Fills the cache with N sandbox sub-accounts,
# starts the portal on it, signs in and measures; touches 127.0.0.1 only.
#
# MODE=single (issue 4, the default): on a fresh Postgres database, measures the startup
# sync's balance pass against the client's rate limit, then runs wrk at CONNS connections
# against one URL each of the sub-account list (25 rows, sorted by balance), the dashboard,
# the JSON list and a bare html/template page of 25 rows served by bench/read/bare, then
# times page 400 of the list. About 5 minutes.
#
# MODE=mix (issue 16): what users do instead of one repeated URL. Creates users of every
# role (two of them scoped to an organisation unit) with the portal's CLI, signs eight
# sessions in, and runs bench/read/mix: it discovers real sub-accounts, units and pager
# cursors, then sends a mix of 2,000+ distinct URLs and each URL class alone, every round
# alternated with a round of the bare page, at each of MIX_CONNS; reports req/s, p50/p99,
# errors (failing above 0.5 % non-2xx), shares of bare and the portal's peak RSS, profiles
# the slowest class, then times start-to-ready on a fresh data dir. DB=postgres (a fresh
# database) or DB=sqlite (the embedded default: no PORTAL_DATABASE_URL, SQLite in the data
# dir). About 20 minutes per database at the defaults.
#
#   bench/read/run.sh                          # from the repository root
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable \
#   SUBS=10000 CONNS=64 DURATION=20s SYNC_WINDOW=60 bench/read/run.sh
#   MODE=mix bench/read/run.sh                 # Postgres, 8 and 64 connections
#   MODE=mix DB=sqlite bench/read/run.sh       # the embedded default
#   MODE=mix MIX_CONNS=8 ROUNDS=2 ROUND=5s CLASSES=search,detail READY=0 bench/read/run.sh
#
# Needs: go, curl; psql for Postgres; wrk for MODE=single. Figures: docs/PERFORMANCE.md.
set -euo pipefail

MODE=${MODE:-single}             # single | mix
DB=${DB:-postgres}               # postgres | sqlite (MODE=mix only)
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
SUBS=${SUBS:-10000}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
SYNC_WINDOW=${SYNC_WINDOW:-60}   # seconds of the balance pass to measure
PORT=${PORT:-}                    # empty: a free port
BARE_PORT=${BARE_PORT:-}
RATE=${RATE:-8}                  # the client's configured rate per operation (internal/bss Config.RatePerSecond default)
MIX_CONNS=${MIX_CONNS:-8,64}     # MODE=mix: connection counts, each a full set of rounds
ROUNDS=${ROUNDS:-3}              # MODE=mix: rounds of each target, each after a round of the bare page
ROUND=${ROUND:-10s}              # MODE=mix: length of a round
CLASSES=${CLASSES:-all}          # MODE=mix: URL classes also run alone (all, none or a comma-separated list)
READY=${READY:-1}                # MODE=mix: also time start-to-ready on a fresh data dir

case "$MODE/$DB" in
single/postgres | mix/postgres | mix/sqlite) ;;
*) echo "run.sh: MODE=$MODE DB=$DB: want MODE=single (Postgres) or MODE=mix with DB=postgres or DB=sqlite" >&2; exit 2 ;;
esac
need="go curl"
[ "$DB" = postgres ] && need="$need psql"
[ "$MODE" = single ] && need="$need wrk"
for tool in $need; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 2; }
done
cd "$(dirname "$0")/../.."

free_port() { # a port nothing on 127.0.0.1 listens on
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	echo "run.sh: no free port" >&2
	return 1
}
PORT=${PORT:-$(free_port)}
BARE_PORT=${BARE_PORT:-$(free_port)}
[ "$PORT" != "$BARE_PORT" ] || BARE_PORT=$((PORT + 1))
PPROF_PORT=$(free_port) # MODE=mix: the bench build's pprof listener

WORK=$(mktemp -d -t purser-bench-read.XXXXXX)
DBNAME=purser_bench_read_$$
DB_URL=$(printf '%s' "$PG_ADMIN_URL" | sed -E "s#/[^/?]+(\?|$)#/${DBNAME}\1#")
[ "$DB" = sqlite ] && DB_URL=sqlite://$WORK/data/portal.db # where the portal's default puts it
BASE=http://127.0.0.1:$PORT
PORTAL_PID= BARE_PID=

cleanup() {
	local rc=$?
	set +e
	for pid in $PORTAL_PID $BARE_PID; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[ "$DB" = postgres ] && psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS ${DBNAME} WITH (FORCE)" >/dev/null 2>&1
	if [ "$rc" -ne 0 ] && [ -f "$WORK/portal.log" ]; then
		echo "--- the portal's failed requests and errors (first 20) ---" >&2
		grep -E 'status=[45][0-9][0-9]|level=ERROR' "$WORK/portal.log" | head -n 20 >&2
		echo "--- last lines of the portal's log ---" >&2
		tail -n 20 "$WORK/portal.log" >&2
	fi
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }
sql() { psql -qtA "$DB_URL" -c "$1"; }
# upstream calls of one operation so far, every outcome, from the portal's /metrics
calls() {
	curl -fsS "$BASE/metrics" | awk -v op="$1" '$1 ~ "^purser_upstream_calls_total\\{" && index($1, "operation=\"" op "\"") { s += $2 } END { printf "%d\n", s }'
}
now() { date +%s.%N; }

say "building into $WORK/bin"
mkdir -p "$WORK/bin" "$WORK/data"
if [ "$MODE" = mix ]; then
	# benchpprof: a bench-only file (cmd/portal/benchpprof.go) serving pprof on
	# PURSER_BENCH_PPROF_ADDR; the portal as shipped has none.
	CGO_ENABLED=0 go build -trimpath -tags benchpprof -o "$WORK/bin/" ./cmd/portal ./bench/read/bare ./bench/read/helper ./bench/read/mix
else
	CGO_ENABLED=0 go build -trimpath -o "$WORK/bin/" ./cmd/portal ./bench/read/bare ./bench/read/helper
fi

if [ "$DB" = postgres ]; then
	say "creating database $DBNAME"
	psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE ${DBNAME}" >/dev/null
fi

say "filling the cache with $SUBS sandbox sub-accounts (unthrottled)"
"$WORK/bin/helper" fill -db "$DB_URL" -sub-accounts "$SUBS" >&2

export PORTAL_DATA_DIR=$WORK/data PORTAL_ADDR=127.0.0.1:$PORT PORTAL_SANDBOX_SUB_ACCOUNTS=$SUBS
if [ "$DB" = postgres ]; then
	export PORTAL_DATABASE_URL=$DB_URL PORTAL_SECRET_KEY=$(head -c 32 /dev/urandom | base64)
fi # SQLite: the embedded default, database and generated key in the data dir
say "starting the portal on $BASE"
PPROF_ENV=()
[ "$MODE" = mix ] && PPROF_ENV=(PURSER_BENCH_PPROF_ADDR=127.0.0.1:$PPROF_PORT)
env "${PPROF_ENV[@]}" "$WORK/bin/portal" serve >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
"$WORK/bin/bare" -addr "127.0.0.1:$BARE_PORT" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
for _ in $(seq 120); do
	curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && curl -fsS -o /dev/null "http://127.0.0.1:$BARE_PORT/" 2>/dev/null && break
	kill -0 "$PORTAL_PID" || { echo "run.sh: the portal exited" >&2; exit 1; }
	kill -0 "$BARE_PID" || { echo "run.sh: the bare page exited: $(cat "$WORK/bare.log")" >&2; exit 1; }
	sleep 0.5
done
kill -0 "$PORTAL_PID" && kill -0 "$BARE_PID" # both still ours (a port taken by someone else ends them)
curl -fsS -o /dev/null "$BASE/readyz"

# --- MODE=mix: the realistic mix (issue 16) ------------------------------------------------
# profile_class CLASS: sends the class alone at 8 connections for 10 s while the bench
# build's pprof listener profiles the portal. On Postgres, whose work the portal's profile
# does not see, mix also counts its backends' CPU time, and this samples pg_stat_activity
# every 20 ms: which statements were running.
profile_class() {
	local cls=$1 secs=10
	rm -f "$WORK/profile.started"
	"$WORK/bin/mix" run -base "$BASE" -bare "http://127.0.0.1:$BARE_PORT/" -sessions "$WORK/sessions" -tokens "$WORK/tokens" \
		-profile "$cls" -profile-seconds "$secs" -pprof "http://127.0.0.1:$PPROF_PORT" -profile-out "$WORK/class.prof" \
		-pid "$PORTAL_PID" "${PGDB[@]}" -profile-started "$WORK/profile.started" >"$WORK/profile.out" &
	local mixpid=$!
	while [ ! -e "$WORK/profile.started" ]; do
		kill -0 "$mixpid" 2>/dev/null || { wait "$mixpid"; return 1; }
		sleep 0.05
	done
	if [ "$DB" = postgres ]; then
		for _ in $(seq $((secs * 40))); do
			echo "SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 150) FROM pg_stat_activity WHERE datname = '$DBNAME' AND state = 'active' AND pid <> pg_backend_pid();"
			echo "SELECT pg_sleep(0.02);"
		done >"$WORK/sample.sql"
	fi
	[ "$DB" != postgres ] || psql -qtA "$PG_ADMIN_URL" -f "$WORK/sample.sql" >"$WORK/samples.txt" 2>"$WORK/samples.err"
	wait "$mixpid"
	printf '\nCPU profile of class %s alone, 8 connections, %d s (%s; %d CPU-s on %d cores):\n\n```\n' "$cls" "$secs" \
		"$(cat "$WORK/profile.out")" "$((secs * $(nproc)))" "$(nproc)"
	go tool pprof -top -nodecount=25 "$WORK/bin/portal" "$WORK/class.prof" 2>/dev/null
	printf '```\n\nIts cumulative top, Purser'"'"'s own functions:\n\n```\n'
	go tool pprof -top -cum -nodecount=400 "$WORK/bin/portal" "$WORK/class.prof" 2>/dev/null |
		grep -E 'flat%|purser-finance/purser/' | sed -e 's#github.com/purser-finance/purser/##' | head -n 31 || true
	printf '```\n'
	if [ -s "$WORK/samples.txt" ]; then
		printf '\nStatements running in Postgres meanwhile (%d samples of pg_stat_activity, 20 ms apart; count, statement):\n\n```\n' "$((secs * 40))"
		grep -v '^$' "$WORK/samples.txt" | sort | uniq -c | sort -rn | head -n 12 || true
		head -n 3 "$WORK/samples.err"
		printf '```\n'
	fi
	[ -z "${KEEP_PROFILE:-}" ] || cp "$WORK/class.prof" "$KEEP_PROFILE"
}
mix_mode() {
	local pw=bench-Kw7r2qXv-mix secret=JBSWY3DPEHPK3PXP # the demo users' TOTP secret, for every user
	say "waiting 10 s for the startup sync to start writing"
	sleep 10
	[ "$DB" = postgres ] && psql -q "$DB_URL" -c 'VACUUM ANALYZE' >/dev/null # as MODE=single does
	# Users: the demo's six (admin, finance, approver, approver2, auditor, viewer) and two
	# created here, scoped to the two units holding most sub-accounts directly.
	printf 'finance\t-\t%s\n' "$("$WORK/bin/portal" user token finance --name bench-mix 2>/dev/null)" >"$WORK/tokens"
	local units big small
	units=$("$WORK/bin/mix" units -base "$BASE" -tokens "$WORK/tokens")
	read -r big small <<<"$units"
	say "scoping bench users to units $big and $small"
	printf '%s\n' "$pw" | "$WORK/bin/portal" user add --username scoped-finance --role finance --scope "$big" --totp-secret "$secret" >&2
	printf '%s\n' "$pw" | "$WORK/bin/portal" user add --username scoped-viewer --role viewer --scope "$small" --totp-secret "$secret" >&2
	printf 'scoped-finance\t%s\t%s\n' "$big" "$("$WORK/bin/portal" user token scoped-finance --name bench-mix 2>/dev/null)" >>"$WORK/tokens"
	: >"$WORK/sessions"
	local u p scope
	for u in admin finance approver approver2 auditor viewer scoped-finance scoped-viewer; do
		p=purser-demo scope=-
		case $u in scoped-finance) p=$pw scope=$big ;; scoped-viewer) p=$pw scope=$small ;; esac
		printf '%s\t%s\t%s\n' "$u" "$scope" "$("$WORK/bin/helper" signin -base "$BASE" -user "$u" -password "$p" -totp-secret "$secret")" >>"$WORK/sessions"
	done
	local label rc=0 up0 up1
	PGDB=()
	[ "$DB" != postgres ] || PGDB=(-pg-db "$DBNAME")
	label="$([ "$DB" = postgres ] && echo "Postgres $(psql -qtA "$PG_ADMIN_URL" -c 'SHOW server_version' | cut -d' ' -f1)" || echo "SQLite (embedded default)"), $SUBS sub-accounts"
	up0=$(uptime)
	say "mix: $MIX_CONNS connections, $ROUNDS × $ROUND rounds per target ($up0)"
	"$WORK/bin/mix" run -base "$BASE" -bare "http://127.0.0.1:$BARE_PORT/" -sessions "$WORK/sessions" -tokens "$WORK/tokens" \
		-conns "$MIX_CONNS" -rounds "$ROUNDS" -round "$ROUND" -classes "$CLASSES" -pid "$PORTAL_PID" -bare-pid "$BARE_PID" "${PGDB[@]}" -label "$label" \
		-slowest-out "$WORK/slowest" >"$WORK/mix.md" || rc=$?
	up1=$(uptime)
	local cls=${PROFILE_CLASS:-$(cat "$WORK/slowest" 2>/dev/null || true)}
	[ -z "$cls" ] || [ "$cls" = none ] || profile_class "$cls" >"$WORK/profile.md" || rc=$?
	# For comparison with MODE=single (wrk): the bare page under wrk, whose client costs
	# less CPU than mix's Go client on the same two cores.
	local wrkbare="" c
	if command -v wrk >/dev/null; then
		for c in ${MIX_CONNS//,/ }; do
			wrkbare+="$(wrk -t"$THREADS" -c"$c" -d5s "http://127.0.0.1:$BARE_PORT/" | awk -v c="$c" '/^Requests\/sec:/ { printf "%s%.0f req/s at %d connections", sep, $2, c }')"
			wrkbare+="; "
		done
	fi
	kill -0 "$PORTAL_PID" || { echo "run.sh: the portal died during the mix" >&2; rc=1; }
	kill "$PORTAL_PID" "$BARE_PID" 2>/dev/null
	wait "$PORTAL_PID" "$BARE_PID" 2>/dev/null || true # stopped, not failed
	PORTAL_PID= BARE_PID=
	local ready=""
	if [ "$READY" = 1 ]; then
		say "start-to-ready on fresh data dirs"
		ready=$("$WORK/bin/mix" ready -bin "$WORK/bin/portal" -subs "25,$SUBS" -runs 3)
	fi
	cat <<REPORT

## Read side under a realistic mix: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- internal cmd web || echo '+changes')

$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM; uptime before / after the rounds:
\`$up0\` / \`$up1\`

$(cat "$WORK/mix.md")
REPORT
	[ -z "$wrkbare" ] || printf '\nThe bare page under wrk right after (5 s each, for comparison with MODE=single): %s\n' "${wrkbare%; }"
	[ ! -s "$WORK/profile.md" ] || cat "$WORK/profile.md"
	[ -z "$ready" ] || printf '\nStart-to-ready (`mix ready`, 3 starts each):\n\n%s\n' "$ready"
	return "$rc"
}
if [ "$MODE" = mix ]; then
	mix_mode
	exit
fi

# --- the startup sync's balance pass, at the configured rate -------------------------------
say "waiting for the startup sync to reach the balance pass"
for _ in $(seq 240); do
	[ "$(sql "SELECT count(*) FROM sync_runs WHERE area='balances' AND status='running' AND trigger='startup'")" = 1 ] && break
	sleep 0.5
done
[ "$(sql "SELECT count(*) FROM sync_runs WHERE area='balances' AND status='running' AND trigger='startup'")" = 1 ] ||
	{ echo "run.sh: the startup balance pass did not start" >&2; exit 1; }
sleep 5 # past the first batch commit
OP=ListEnterpriseMultiAccount # the balance pass's operation: two calls (debit, credit) per sub-account
items() { sql "SELECT items FROM sync_runs WHERE area='balances' AND trigger='startup' ORDER BY id DESC LIMIT 1"; }
t0=$(now) c0=$(calls $OP) i0=$(items)
tp=$t0 cp=$c0 minw= maxw=
say "measuring the balance pass for ${SYNC_WINDOW}s"
for _ in $(seq $((SYNC_WINDOW / 10))); do
	sleep 10
	t=$(now) c=$(calls $OP)
	w=$(awk -v c="$c" -v cp="$cp" -v t="$t" -v tp="$tp" 'BEGIN { print (c - cp) / (t - tp) }')
	[ -n "$maxw" ] || maxw=$w
	[ -n "$minw" ] || minw=$w
	minw=$(awk -v a="$minw" -v b="$w" 'BEGIN { print (b < a ? b : a) }')
	maxw=$(awk -v a="$maxw" -v b="$w" 'BEGIN { print (b > a ? b : a) }')
	tp=$t cp=$c
done
t1=$(now) c1=$(calls $OP) i1=$(items)
SYNC=$(awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v i0="$i0" -v i1="$i1" -v r="$RATE" -v n="$SUBS" -v lo="$minw" -v hi="$maxw" 'BEGIN {
	d = t1 - t0; cr = (c1 - c0) / d; ir = (i1 - i0) / d
	printf "| balance pass (%s, %d s window) | %.2f calls/s | %.0f %% of %g/s (10 s windows: %.2f–%.2f/s) | %.2f sub-accounts/s; %d sub-accounts ≈ %.0f min |\n",
		"ListEnterpriseMultiAccount", d, cr, 100 * cr / r, r, lo, hi, ir, n, (ir > 0 ? n / ir / 60 : 0)
}')
BAL_RATE=$(awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" 'BEGIN { printf "%.3f", (c1 - c0) / (t1 - t0) }')

# The fill and the startup sync rewrite every cached row a few times over: vacuum now, as
# autovacuum would soon, so that the figures do not depend on when it happens to run.
psql -q "$DB_URL" -c 'VACUUM ANALYZE' >/dev/null

# --- sign in, token ------------------------------------------------------------------------
COOKIE=$("$WORK/bin/helper" signin -base "$BASE")
TOKEN=$("$WORK/bin/portal" user token finance --name bench 2>/dev/null)
check() { # URL, extra curl args: must answer 200 without redirecting
	local code
	code=$(curl -sS -o /dev/null -w '%{http_code}' "${@:2}" "$1")
	[ "$code" = 200 ] || { echo "run.sh: $1 answered $code" >&2; exit 1; }
}
LIST=$BASE'/sub-accounts?sort=-balance'
DASH=$BASE/
API=$BASE'/api/v1/sub-accounts?limit=25'
BARE=http://127.0.0.1:$BARE_PORT/
check "$LIST" -H "Cookie: $COOKIE"
check "$DASH" -H "Cookie: $COOKIE"
check "$API" -H "Authorization: Bearer $TOKEN"
check "$BARE"
[ "$(curl -fsS -H "Cookie: $COOKIE" "$LIST" | grep -o 'data-testid="sa-row"' | wc -l)" = 25 ] || { echo "run.sh: the list does not show 25 rows" >&2; exit 1; }

# --- load ----------------------------------------------------------------------------------
# wrk prints "Requests/sec:" and, with --latency, the 50% and 99% lines (in us, ms or s).
load() { # name URL header...
	local name=$1 url=$2 out
	shift 2
	local hdr=()
	for h in "$@"; do hdr+=(-H "$h"); done
	wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null
	say "wrk $name: $CONNS connections, $DURATION (load average $(cut -d' ' -f1 /proc/loadavg))"
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url")
	if grep -q 'Non-2xx' <<<"$out"; then
		echo "run.sh: $name had non-2xx responses:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk -v name="$name" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
		/Socket errors/ { err = $0 }
		END { printf "%s %.0f %.2f %.2f %s\n", name, rps, p50, p99, err }' <<<"$out"
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
R_BARE=$(load bare "$BARE")
R_LIST=$(load list "$LIST" "Cookie: $COOKIE")
R_DASH=$(load dashboard "$DASH" "Cookie: $COOKIE")
R_API=$(load api "$API" "Authorization: Bearer $TOKEN")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

say "walking the list to page 400"
PAGE400=$("$WORK/bin/helper" walk -base "$BASE" -cookie "$COOKIE" -path '/sub-accounts?sort=-balance' -pages 400)

# --- report --------------------------------------------------------------------------------
bare_rps=$(cut -d' ' -f2 <<<"$R_BARE")
row() { # result target-fraction p99-target label
	awk -v bare="$bare_rps" -v frac="$2" -v p99t="$3" -v label="$4" '{
		pct = 100 * $2 / bare
		verdict = "—"
		if (frac != "") {
			ok = pct >= 100 * frac && (p99t == "" || $4 <= p99t)
			verdict = (ok ? "met" : "NOT met") " (≥ " 100 * frac " %" (p99t != "" ? ", p99 ≤ " p99t " ms" : "") ")"
		}
		printf "| %s | %d | %.2f | %.2f | %.1f %% | %s |\n", label, $2, $3, $4, pct, verdict
	}' <<<"$1"
}
SYNC_VERDICT=$(awk -v r="$BAL_RATE" -v lim="$RATE" -v hi="$maxw" 'BEGIN {
	ok = r >= 0.9 * lim && hi <= lim * 1.02
	printf "%s (≥ 90 %% of %g/s and never above it)", (ok ? "met" : "NOT met"), lim }')
cat <<REPORT

## Read side: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- internal || echo '+changes')

$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, $(psql -qtA "$PG_ADMIN_URL" -c 'SHOW server_version'); $SUBS sub-accounts;
wrk -t$THREADS -c$CONNS -d$DURATION (after a $WARMUP warm-up); load average before / after the wrk runs: $LOAD_BEFORE / $LOAD_AFTER

| page | req/s | p50 ms | p99 ms | of bare req/s | target |
| --- | ---: | ---: | ---: | ---: | --- |
$(row "$R_BARE" "" "" "bare html/template, 25 rows")
$(row "$R_LIST" 0.25 25 "/sub-accounts?sort=-balance (25 rows)")
$(row "$R_DASH" 0.15 "" "/ (dashboard)")
$(row "$R_API" "" "" "/api/v1/sub-accounts?limit=25")

List page 400: $PAGE400

| sync | rate | vs configured | sub-accounts |
| --- | ---: | --- | --- |
$SYNC
Sync target: $SYNC_VERDICT
REPORT
