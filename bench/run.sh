#!/usr/bin/env bash
# bench/run.sh -- the read benchmark of task_outputs, in one command.
#
#   bench/run.sh            the full data set (2,000,000 outputs; ~10 min)
#   bench/run.sh --quick    1/20 of it, for development (~1 min)
#   bench/run.sh --keep     leave the cluster running at the end
#   PG_CONFIG=.../bin/pg_config bench/run.sh
#                           against that PostgreSQL (default: Debian's 15)
#
# Builds the extension from a scratch copy of the checkout and installs it
# (Debian's server: into INSTALL_DESTDIR when set; any other PostgreSQL:
# into a private copy of that installation, never into it), starts a
# throwaway cluster tuned for the machine, generates the data set
# (bench/generate.sql), then measures each case beside its baseline in the
# same run, as the median of several runs in one session (warm cache), and
# writes a report and a chart.  The full run writes bench/results/latest.md
# and latest.svg (PG_CONFIG set: latest-pgNN); a quick run writes
# bench/out/quick.md and quick.svg.  Raw
# output (plans, samples, logs) goes to bench/out/, which is not committed.
#
# Every measured statement returns one byte count (octet_length, which does
# not scan the text as length does), so the timings are the server's work.
# Reads run as bench_reader, a task_outputs_reader that is a gateway (it
# takes the tenant from the session, as PostgREST does), under row-level
# security (one case also as bench_direct, a reader granted the small
# organization); only the "explicit WHERE" baselines run as a superuser.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh
START_TIME=$(date +%s)
log() { echo "== $*"; }

MODE=full
DIVISOR=1
KEEP=0
for arg in "$@"; do
    case $arg in
        --quick) MODE=quick; DIVISOR=20 ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: [PG_CONFIG=pg_config] bench/run.sh [--quick] [--keep]" >&2; exit 2 ;;
    esac
done

# ---------------------------------------------------------------- server
# Debian's server (the default, or a PG_CONFIG in Debian's layout) takes
# the extension through INSTALL_DESTDIR and extension_destdir, as the tests
# do.  Any other installation is copied (PostgreSQL's installations are
# relocatable) and the extension installed into the copy: the original,
# which CI and other runs may be using, is never written to.
SCRATCH=$(mktemp -d /tmp/task_outputs-bench.XXXXXX)
chmod 755 "$SCRATCH"
PRIVATE_SERVER=0
if [ -n "${PG_CONFIG:-}" ]; then
    bindir=$("$PG_CONFIG" --bindir) || { echo "bench: $PG_CONFIG does not run" >&2; exit 1; }
    case $bindir in
        /usr/lib/postgresql/*/bin)
            PG_BIN=$bindir
            PG_MAJOR=${bindir#/usr/lib/postgresql/}
            PG_MAJOR=${PG_MAJOR%/bin} ;;
        *)
            PRIVATE_SERVER=1
            prefix=$(cd "$bindir/.." && pwd -P)
            for dir in --sharedir --pkglibdir --includedir-server; do
                case $(cd "$("$PG_CONFIG" "$dir")" && pwd -P) in
                    "$prefix"/*) ;;
                    *) echo "bench: $("$PG_CONFIG" "$dir") is outside $prefix: cannot copy that installation" >&2; exit 1 ;;
                esac
            done
            log "copying the PostgreSQL installation $prefix (the extension goes into the copy)"
            mkdir -p "$SCRATCH/server" && cp -a "$prefix/." "$SCRATCH/server" || exit 1
            PG_BIN=$SCRATCH/server/bin
            PG_MAJOR=$("$PG_BIN/pg_config" --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')
            case $("$PG_BIN/pg_config" --sharedir) in
                "$SCRATCH"/*) ;;
                *) echo "bench: the copy of $prefix is not relocatable" >&2; exit 1 ;;
            esac
            unset INSTALL_DESTDIR ;;
    esac
fi
unset PG_CONFIG
export PATH="$PG_BIN:$PATH"

OUT=bench/out
mkdir -p "$OUT" bench/results
rm -f "$OUT"/plan-*.txt "$OUT"/plan-*.err "$OUT"/mem-* "$OUT"/case-*.err "$OUT"/times-*.txt
SUFFIX=""
[ "$PRIVATE_SERVER" = 1 ] || [ "$PG_MAJOR" != 15 ] && SUFFIX="-pg$PG_MAJOR"
if [ "$MODE" = full ]; then
    REPORT=bench/results/latest$SUFFIX.md
    CHART=bench/results/latest$SUFFIX.svg
else
    REPORT=$OUT/quick$SUFFIX.md
    CHART=$OUT/quick$SUFFIX.svg
fi

DEPTH=$((150000 / DIVISOR))         # rows before the deep page
PAGE=100
# Each comparison runs in rounds, its cases interleaved, each case in a new
# session per round with a warm-up run: the noise of a shared machine then
# falls on figure and baseline alike.
ROUNDS_BIG=5                        # rounds of the big cases (a second or more)
RUNS_BIG=2                          # runs per round
ROUNDS_SMALL=10                     # rounds of the small ones (milliseconds)
RUNS_SMALL=3
SLICES=$((100 / (DIVISOR > 1 ? 5 : 1)))
MEM_BUDGET_MB=64

elapsed() { echo $(( $(date +%s) - START_TIME )); }

if [ "$PRIVATE_SERVER" = 0 ]; then
    ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" gnuplot-nox || exit 1
else
    ensure_packages make gcc gnuplot-nox || exit 1
fi

# Build from a scratch copy of the checkout: objects built for another
# PostgreSQL in the checkout are never linked into this one.
log "building and installing task_outputs for PostgreSQL $("$PG_BIN/pg_config" --version | cut -d' ' -f2)"
mkdir -p "$SCRATCH/build"
tar --exclude=./.git --exclude=./bench/out -cf - . | tar -xf - -C "$SCRATCH/build" || exit 1
(
    cd "$SCRATCH/build" || exit 1
    make -s clean PG_CONFIG="$PG_BIN/pg_config" >/dev/null 2>&1
    make -s PG_CONFIG="$PG_BIN/pg_config" >"$SCRATCH/build.log" 2>&1 || { cat "$SCRATCH/build.log"; exit 1; }
    if [ "$PRIVATE_SERVER" = 1 ]; then
        make -s PG_CONFIG="$PG_BIN/pg_config" install >/dev/null
    elif [ -n "${INSTALL_DESTDIR:-}" ]; then
        make -s PG_CONFIG="$PG_BIN/pg_config" DESTDIR="$INSTALL_DESTDIR" install >/dev/null
    else
        as_root make -s PG_CONFIG="$PG_BIN/pg_config" install >/dev/null
    fi
) || exit 1

# auto_explain logs the plans of the statements the C functions run.  A
# build that lacks it gets it from its release tree, as tools/build-postgres.sh
# finds them.
AUTO_EXPLAIN=1
if [ ! -f "$("$PG_BIN/pg_config" --pkglibdir)/auto_explain.so" ]; then
    AUTO_EXPLAIN=0
    version=$("$PG_BIN/pg_config" --version | cut -d' ' -f2)
    tarball=${POSTGRESQL_TARBALLS:-$(cd .. && pwd)/shared/postgresql}/postgresql-$version.tar.xz
    if [ "$PRIVATE_SERVER" = 1 ] && [ -f "$tarball" ]; then
        log "building auto_explain from $(basename "$tarball")"
        mkdir -p "$SCRATCH/contrib"
        tar -xJf "$tarball" -C "$SCRATCH/contrib" --strip-components=1 --wildcards '*/contrib/auto_explain/*' &&
            make -s -C "$SCRATCH/contrib/contrib/auto_explain" USE_PGXS=1 PG_CONFIG="$PG_BIN/pg_config" install \
                >"$SCRATCH/auto_explain.log" 2>&1 && AUTO_EXPLAIN=1
    fi
    [ "$AUTO_EXPLAIN" = 1 ] || echo "   auto_explain is not available: the C functions' own plans are not captured"
fi
[ "$PRIVATE_SERVER" = 1 ] && chmod -R a+rX "$SCRATCH/server"

# The cluster: 2 cores and 24 GiB here.  shared_buffers holds the whole
# data set, so every measured run is warm; work_mem stays modest because
# it bounds what a materialized SRF keeps in memory before spilling.
# Durability is off: this cluster is thrown away.
RAM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
SHARED_MB=$((RAM_MB / 4 > 8192 ? 8192 : RAM_MB / 4))
start_cluster \
    "shared_buffers = ${SHARED_MB}MB" \
    "effective_cache_size = $((RAM_MB * 2 / 3))MB" \
    "work_mem = 16MB" \
    "maintenance_work_mem = 1GB" \
    "max_wal_size = 16GB" \
    "min_wal_size = 1GB" \
    "checkpoint_timeout = 30min" \
    "wal_level = minimal" \
    "max_wal_senders = 0" \
    "synchronous_commit = off" \
    "full_page_writes = off" \
    "random_page_cost = 1.1" \
    "effective_io_concurrency = 200" \
    "jit = off" \
    "log_min_messages = warning" \
    "lc_messages = 'C'" || exit 1
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "cluster left running: PATH=$PG_BIN:\$PATH PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=bench"
        echo "stop it with: $PG_BIN/pg_ctl -D $CLUSTER_DIR/data stop"
    else
        stop_cluster
        rm -rf "$SCRATCH"
    fi
}
trap cleanup EXIT
SERVER_LOG=$CLUSTER_DIR/server.log

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d bench "$@"; }

createdb bench || exit 1
export PGDATABASE=bench
psql_admin -c "CREATE EXTENSION task_outputs" || exit 1
PG_VERSION=$(psql -XAt -c "SHOW server_version")

# ---------------------------------------------------------------- data set
log "generating the data set (divisor $DIVISOR)"
t0=$(date +%s)
psql_admin -v divisor="$DIVISOR" -f bench/generate.sql 2>&1 | grep -v NOTICE
psql_admin -f bench/helpers.sql || exit 1
# two loaders, one per core: the 100 organizations, and the export one
load() {
    local t=$(date +%s)
    # planning the generator's inlined expressions takes ~20 ms: plan once
    psql -X -q -v ON_ERROR_STOP=1 -U bench_writer -c "SET plan_cache_mode = force_generic_plan" \
        -c "CALL bench.load($SLICES, $1, $2)" || return 1
    echo "   organizations $1..$2 loaded in $(( $(date +%s) - t ))s"
}
load 0 99 &
load1=$!
load 100 100 &
load2=$!
wait $load1 || { echo "loading failed" >&2; exit 1; }
wait $load2 || { echo "loading failed" >&2; exit 1; }
LOAD_S=$(( $(date +%s) - t0 ))
t0=$(date +%s)
psql_admin -c "VACUUM (ANALYZE)" -c "CHECKPOINT" || exit 1
VACUUM_S=$(( $(date +%s) - t0 ))

# the benchmark's organizations and facts about the data
org_of() { psql -XAt -c "SELECT org_id FROM bench.orgs WHERE role = '$1' ORDER BY org LIMIT 1"; }
BIG=$(org_of big)
SMALL=$(org_of small)
EXPORT=$(org_of export)
read -r TOTAL_ROWS MAIN_ROWS NORGS < <(psql -XAt -F' ' -c "
    SELECT count(*), count(*) FILTER (WHERE organization_id <> '$EXPORT'),
           count(DISTINCT organization_id) FILTER (WHERE organization_id <> '$EXPORT')
      FROM task_outputs.outputs")
count_rows() {  # org, condition
    psql -XAt -c "SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$1' AND $2"
}
BIG_ROWS=$(count_rows "$BIG" true)
BIG_VISIBLE=$(count_rows "$BIG" "status <> 'deleted'")
SMALL_VISIBLE=$(count_rows "$SMALL" "status <> 'deleted'")
EXPORT_VISIBLE=$(count_rows "$EXPORT" "status <> 'deleted'")
TABLE_MB=$(psql -XAt -c "SELECT pg_total_relation_size('task_outputs.outputs') / 1048576")
log "loaded $TOTAL_ROWS outputs in ${LOAD_S}s (VACUUM ANALYZE ${VACUUM_S}s): $MAIN_ROWS over $NORGS organizations (big: $BIG_ROWS, $BIG_VISIBLE visible; small: $SMALL_VISIBLE visible) + $EXPORT_VISIBLE in the export organization; table and indexes $TABLE_MB MB"

# ---------------------------------------------------------------- helpers
declare -A MS RESULT ERR

# The SQL the obvious way: json_agg over the rows in list order, the
# PostgREST shape.  $1: extra WHERE condition; $2: OFFSET/LIMIT clause.
COLUMNS="id, flow_execution_id, organization_id, task_name, status, summary, output, tags, last_modified_by, created_at, updated_at"
json_agg_sql() {
    echo "SELECT octet_length(coalesce(json_agg(_postgrest_t), '[]')::text) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE ${1:-true} AND status <> 'deleted' ORDER BY created_at DESC, id DESC ${2:-}) _postgrest_t"
}

# session_sql ORG SETTINGS... -- the opening of a session: tenant, settings
session_sql() {
    local org=$1
    shift
    [ -n "$org" ] && echo "SET task_outputs.org_id = '$org';"
    local s
    for s in "$@"; do echo "SET $s;"; done
}

# time_case ID ROLE ORG RUNS QUERY [SETTING...] -- RUNS runs of QUERY as
# ROLE with tenant ORG, in a new session, after a warm-up run; appends the
# times to $OUT/times-ID.txt and sets RESULT[ID], or ERR[ID] on failure.
time_case() {
    local id=$1 role=$2 org=$3 runs=$4 query=$5
    shift 5
    local line
    line=$( { session_sql "$org" "$@"
              echo "SELECT array_to_string(all_ms, ','), result FROM bench.time_ms(\$bench\$$query\$bench\$, $runs);"
            } | psql -X -q -At -F' ' -v ON_ERROR_STOP=1 -U "$role" 2>"$OUT/case-$id.err")
    if [ $? -ne 0 ] || [ -z "$line" ]; then
        ERR[$id]=$(grep -m1 -E "ERROR|FATAL" "$OUT/case-$id.err" | sed 's/^psql:[^ ]* //')
        echo "   $id: failed: ${ERR[$id]}"
        return 1
    fi
    echo "${line%% *}" | tr ',' '\n' >>"$OUT/times-$id.txt"
    RESULT[$id]=${line#* }
}

# median ID -- the median of every time of case ID; sets MS[ID]
median() {
    local id=$1
    [ -s "$OUT/times-$id.txt" ] || return 1
    MS[$id]=$(sort -g "$OUT/times-$id.txt" | awk '{v[NR] = $1} END {
        printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    printf "   %-22s %10.2f ms  (%s bytes, median of %d runs)\n" "$id" "${MS[$id]}" \
        "${RESULT[$id]}" "$(wc -l <"$OUT/times-$id.txt")"
}

# rounds N CASE_FUNCTION... -- N rounds of the given cases, interleaved
rounds() {
    local n=$1 r f
    shift
    for r in $(seq "$n"); do
        for f in "$@"; do $f; done
    done
}

# plan_summary FILE -- the scan nodes of a plan, and its buffers, on one line
plan_summary() {
    awk '
        /(Scan|Sort) / && !/(Function|Subquery) Scan/ {
            sub(/^[ \t]*(->)?[ \t]*/, ""); sub(/  \(cost=[^)]*\)/, "")
            printf "%s%s", (n++ ? "; " : ""), $0
        }
        /Buffers:/ && !b++ { sub(/^[ \t]*/, ""); buffers = $0 }
        END { if (buffers != "") printf " [%s]", buffers; print "" }' "$1"
}

# plan_check FILE TENANT_ROWS -- "ok" when the plan reads the tenant index
# and no scan returns more rows than the tenant has, else what is wrong
plan_check() {
    awk -v max="$2" '
        /Seq Scan on outputs/ { bad = bad " seq-scan" }
        /(Scan|Sort) / && !/Function Scan/ && match($0, /actual rows=[0-9]+/) {
            rows = substr($0, RSTART + 12, RLENGTH - 12) + 0
            if (rows > max) bad = bad " rows=" rows ">" max
        }
        /outputs_list_idx/ { idx = 1 }
        END { if (!idx) bad = bad " no-list-index"; print (bad == "" ? "ok" : "CHECK:" bad) }' "$1"
}

declare -A PLAN
# explain_sql ID ROLE ORG TENANT_ROWS QUERY [SETTING...] -- EXPLAIN ANALYZE once
explain_sql() {
    local id=$1 role=$2 org=$3 max=$4 query=$5
    shift 5
    { session_sql "$org" "$@"; echo "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) $query;"; } |
        psql -X -q -At -U "$role" >"$OUT/plan-$id.txt" 2>&1
    PLAN[$id]="$(plan_summary "$OUT/plan-$id.txt") -- $(plan_check "$OUT/plan-$id.txt" "$max")"
    echo "   plan $id: ${PLAN[$id]}"
}

# explain_c ID ORG TENANT_ROWS QUERY -- the plan of the statements the C
# function runs, logged by auto_explain (nested statements) as bench_explain
explain_c() {
    local id=$1 org=$2 max=$3 query=$4
    local offset
    [ "$AUTO_EXPLAIN" = 1 ] || return 0
    offset=$(stat -c %s "$SERVER_LOG")
    { session_sql "$org"; echo "$query;"; } |
        psql -X -q -At -U bench_explain >/dev/null 2>"$OUT/plan-$id.err"
    sleep 0.5
    tail -c +"$((offset + 1))" "$SERVER_LOG" >"$OUT/plan-$id.txt"
    PLAN[$id]="$(plan_summary "$OUT/plan-$id.txt") -- $(plan_check "$OUT/plan-$id.txt" "$max")"
    echo "   plan $id: ${PLAN[$id]}"
}

# auto_explain for bench_explain only: its sessions log the plans of every
# statement, nested ones included, with row counts and buffers
[ "$AUTO_EXPLAIN" = 1 ] && { psql_admin <<'SQL' || exit 1; }
ALTER ROLE bench_explain SET session_preload_libraries = 'auto_explain';
ALTER ROLE bench_explain SET auto_explain.log_min_duration = 0;
ALTER ROLE bench_explain SET auto_explain.log_nested_statements = on;
ALTER ROLE bench_explain SET auto_explain.log_analyze = on;
ALTER ROLE bench_explain SET auto_explain.log_buffers = on;
ALTER ROLE bench_explain SET auto_explain.log_timing = off;
ALTER ROLE bench_explain SET client_min_messages = warning;
SQL

# have_function NAME [ARG...] -- the read API function exists (with these
# argument names)
have_function() {
    local name=$1
    shift
    local args=""
    [ $# -gt 0 ] && args=" AND proargnames @> ARRAY[$(printf "'%s'," "$@" | sed 's/,$//')]"
    [ "$(psql -XAt -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'task_outputs'::regnamespace AND proname = '$name'$args")" -gt 0 ]
}

# memory_case ID ROLE ORG QUERY -- run QUERY (returning "rows bytes") once,
# sampling the backend's memory; sets MEM_IDLE/MEM_PEAK (MB), MS, RESULT/ERR
declare -A MEM_IDLE MEM_PEAK
memory_case() {
    local id=$1 role=$2 org=$3 query=$4
    local samples="$OUT/mem-$id.txt" line
    rm -f "$samples" "$samples.done"
    line=$( { session_sql "$org"
              echo "\\set VERBOSITY verbose"
              echo "SELECT pg_backend_pid() AS pid \\gset"
              echo "\\setenv BENCH_PID :pid"
              echo "\\! bench/memwatch.sh $samples"
              echo "SELECT clock_timestamp() AS t0 \\gset"
              echo "$query \\gset r_"
              echo "SELECT round((extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000)::numeric, 1) AS ms \\gset"
              echo "\\! touch $samples.stop"
              echo "\\echo :ms :r_rows :r_bytes"
            } | psql -X -q -At -U "$role" 2>"$OUT/case-$id.err")
    local i
    for i in $(seq 50); do [ -e "$samples.done" ] && break; sleep 0.1; done
    MS[$id]=${line%% *}
    if grep -q ERROR "$OUT/case-$id.err"; then
        # "ERROR:  53200: out of memory" and its DETAIL, on one line
        ERR[$id]=$(grep -m1 ERROR "$OUT/case-$id.err" | sed 's/^psql:[^ ]* //; s/^ERROR: *\([0-9A-Z]\{5\}\): /ERROR \1: /')
        local detail
        detail=$(grep -m1 DETAIL "$OUT/case-$id.err" | sed 's/^DETAIL: *//')
        [ -n "$detail" ] && ERR[$id]="${ERR[$id]} — $detail"
    else
        RESULT[$id]=${line#* }
    fi
    read -r MEM_IDLE[$id] MEM_PEAK[$id] < <(awk 'NR == 1 {idle = $1} $1 > peak {peak = $1}
        END {printf "%.1f %.1f\n", idle / 1024, peak / 1024}' "$samples")
    printf "   %-22s %10s ms  rows/bytes: %s  error: %s  memory: idle %s MB, peak %s MB (%d samples)\n" \
        "$id" "${MS[$id]}" "${RESULT[$id]:--}" "${ERR[$id]:--}" "${MEM_IDLE[$id]}" "${MEM_PEAK[$id]}" \
        "$(wc -l <"$samples")"
}

# ---------------------------------------------------------------- cases
log "case 1: list_task_outputs() over the big tenant ($BIG_VISIBLE rows)"
LIST_C="SELECT octet_length(task_outputs.list_task_outputs()::text)"
POSTGREST=$(json_agg_sql)
JSONB_TEXT="SELECT sum(octet_length(summary::text) + coalesce(octet_length(output::text), 0)) FROM (SELECT summary, output FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t"
case_list_c() { time_case list_c bench_reader "$BIG" $RUNS_BIG "$LIST_C"; }
case_postgrest() { time_case postgrest bench_reader "$BIG" $RUNS_BIG "$POSTGREST"; }
# JIT is off in this cluster; the PostgREST baseline is the faster of the two
case_postgrest_jit() { time_case postgrest_jit bench_reader "$BIG" $RUNS_BIG "$POSTGREST" "jit = on"; }
# the same index scan, in the same order, for the jsonb rendering baseline
case_jsonb_text() {
    time_case jsonb_text bench_reader "$BIG" $RUNS_BIG "$JSONB_TEXT" \
        "enable_seqscan = off" "enable_bitmapscan = off" "enable_sort = off"
}
rounds $ROUNDS_BIG case_list_c case_postgrest case_postgrest_jit case_jsonb_text
for id in list_c postgrest postgrest_jit jsonb_text; do median $id; done
POSTGREST_NOJIT=${MS[postgrest]:-}
if [ -n "${MS[postgrest_jit]:-}" ] && [ -n "${MS[postgrest]:-}" ] &&
   awk "BEGIN {exit !(${MS[postgrest_jit]} < ${MS[postgrest]})}"; then
    MS[postgrest]=${MS[postgrest_jit]}
    POSTGREST_NOTE="with JIT"
else
    POSTGREST_NOTE="without JIT"
fi
SAME_AS_POSTGREST=$( { session_sql "$BIG"
    echo "SELECT md5(task_outputs.list_task_outputs()::text) = (SELECT md5(coalesce(json_agg(t), '[]')::text) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t);"
    } | psql -X -q -At -U bench_reader 2>&1 | sed 's/^t$/yes/; s/^f$/**no**/')
echo "   list_task_outputs() byte-identical to the PostgREST query: $SAME_AS_POSTGREST"
explain_c list_c "$BIG" "$BIG_ROWS" "$LIST_C"
explain_sql postgrest bench_reader "$BIG" "$BIG_ROWS" "$POSTGREST"
explain_sql jsonb_text bench_reader "$BIG" "$BIG_ROWS" "$JSONB_TEXT" \
    "enable_seqscan = off" "enable_bitmapscan = off" "enable_sort = off"

log "case 2: a page $DEPTH rows deep vs the first page"
DEEP_ID=$( { session_sql "$BIG"
    echo "SELECT id FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC OFFSET $((DEPTH - 1)) LIMIT 1;"
    } | psql -X -q -At -U bench_reader)
OFFSET_SQL=$(json_agg_sql true "OFFSET $DEPTH LIMIT $PAGE")
if have_function list_task_outputs_page starting_after limit; then
    PAGE_AVAILABLE=1
    FIRST_PAGE="SELECT octet_length(task_outputs.list_task_outputs_page(\"limit\" => $PAGE)::text)"
    DEEP_PAGE="SELECT octet_length(task_outputs.list_task_outputs_page(starting_after => '$DEEP_ID', \"limit\" => $PAGE)::text)"
    case_first_page() { time_case first_page bench_reader "$BIG" $RUNS_SMALL "$FIRST_PAGE"; }
    case_deep_page() { time_case deep_page bench_reader "$BIG" $RUNS_SMALL "$DEEP_PAGE"; }
    case_offset() { time_case offset bench_reader "$BIG" $RUNS_SMALL "$OFFSET_SQL"; }
    rounds $ROUNDS_SMALL case_first_page case_deep_page case_offset
    for id in first_page deep_page offset; do median $id; done
    SAME_AS_OFFSET=$( { session_sql "$BIG"
        echo "SELECT ARRAY(SELECT (e->>'id')::uuid FROM json_array_elements(task_outputs.list_task_outputs_page(starting_after => '$DEEP_ID', \"limit\" => $PAGE)->'data') e) = ARRAY(SELECT id FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC OFFSET $DEPTH LIMIT $PAGE);"
        } | psql -X -q -At -U bench_reader 2>&1 | sed 's/^t$/yes/; s/^f$/**no**/')
    echo "   deep page holds the same rows as OFFSET $DEPTH LIMIT $PAGE: $SAME_AS_OFFSET"
    explain_c deep_page "$BIG" $((PAGE * 10)) "$DEEP_PAGE"
else
    PAGE_AVAILABLE=0
    echo "   list_task_outputs_page(starting_after, limit): not available in this build"
    case_offset() { time_case offset bench_reader "$BIG" $RUNS_SMALL "$OFFSET_SQL"; }
    rounds $ROUNDS_SMALL case_offset
    median offset
fi
explain_sql offset bench_reader "$BIG" "$BIG_ROWS" "$OFFSET_SQL"

log "case 3: a small tenant's list ($SMALL_VISIBLE rows) under RLS vs an explicit WHERE"
RLS_SQL=$(json_agg_sql)
WHERE_SQL=$(json_agg_sql "organization_id = '$SMALL'")
case_small_rls() { time_case small_rls bench_reader "$SMALL" $RUNS_SMALL "$RLS_SQL"; }
case_small_where() { time_case small_where postgres "" $RUNS_SMALL "$WHERE_SQL"; }
if have_function grant_organization; then
    psql_admin -c "SELECT task_outputs.grant_organization('bench_direct', '$SMALL')" >/dev/null || exit 1
    DIRECT_AVAILABLE=1
    case_small_direct() { time_case small_direct bench_direct "$SMALL" $RUNS_SMALL "$RLS_SQL"; }
else
    DIRECT_AVAILABLE=0
    case_small_direct() { :; }
fi
case_small_c_rls() { time_case small_c_rls bench_reader "$SMALL" $RUNS_SMALL "$LIST_C"; }
case_small_c_super() { time_case small_c_super postgres "$SMALL" $RUNS_SMALL "$LIST_C"; }
rounds $ROUNDS_SMALL case_small_rls case_small_where case_small_direct case_small_c_rls case_small_c_super
for id in small_rls small_where small_direct small_c_rls small_c_super; do median $id; done
explain_sql small_rls bench_reader "$SMALL" $((SMALL_VISIBLE * 2)) "$RLS_SQL"
explain_sql small_where postgres "" $((SMALL_VISIBLE * 2)) "$WHERE_SQL"
[ "$DIRECT_AVAILABLE" = 1 ] && explain_sql small_direct bench_direct "$SMALL" $((SMALL_VISIBLE * 2)) "$RLS_SQL"
explain_c small_c_rls "$SMALL" $((SMALL_VISIBLE * 2)) "$LIST_C"

log "case 4: export_task_outputs() over the export tenant ($EXPORT_VISIBLE rows)"
EXPORT_SQL="SELECT count(*) AS rows, sum(octet_length(j::text)) AS bytes FROM task_outputs.export_task_outputs() j"
JSON_AGG_ALL="SELECT count(*) AS rows, octet_length(json_agg(t)::text) AS bytes FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t"
LIST_ALL="SELECT $EXPORT_VISIBLE AS rows, octet_length(task_outputs.list_task_outputs()::text) AS bytes"
if have_function export_task_outputs; then
    EXPORT_AVAILABLE=1
    memory_case export bench_reader "$EXPORT" "$EXPORT_SQL"
    explain_c export "$EXPORT" "$EXPORT_VISIBLE" "SELECT count(*) FROM task_outputs.export_task_outputs() j"
else
    EXPORT_AVAILABLE=0
    echo "   export_task_outputs(): not available in this build"
fi
memory_case export_json_agg bench_reader "$EXPORT" "$JSON_AGG_ALL"
memory_case export_list bench_reader "$EXPORT" "$LIST_ALL"

TOTAL_S=$(elapsed)
log "measured in ${TOTAL_S}s"

# ---------------------------------------------------------------- report
fmt_ms() { awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.2f s", v / 1000; else if (v >= 10) printf "%.0f ms", v; else printf "%.2f ms", v }'; }
fmt_mb() { awk -v v="$1" 'BEGIN { printf "%.1f MB", v / 1048576 }'; }
fmt_int() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|[^0-9]\)/\1,\2\3/' -e 'ta'; }

CHART_DAT=$OUT/chart.dat
: >"$CHART_DAT"
ROWS=""
NCASE=0
# row CASE FIGURE_ID BASELINE_LABEL BASELINE_ID OP GOAL GOAL_TEXT CHART_LABEL
row() {
    local label=$1 fid=$2 blabel=$3 bid=$4 op=$5 goal=$6 goal_text=$7 clabel=$8
    local f=${MS[$fid]:-} b=${MS[$bid]:-} ratio met figure baseline
    if [ -z "$f" ] || [ -z "$b" ]; then
        figure=${f:+$(fmt_ms "$f")}
        baseline=${b:+$(fmt_ms "$b")}
        ROWS+="| $label | ${figure:-not available${ERR[$fid]:+: ${ERR[$fid]}}} | $blabel: ${baseline:-not available${ERR[$bid]:+: ${ERR[$bid]}}} | – | $goal_text | – |"$'\n'
        return
    fi
    ratio=$(awk -v f="$f" -v b="$b" 'BEGIN { printf "%.3f", f / b }')
    met=$(awk -v r="$ratio" -v g="$goal" -v op="$op" 'BEGIN { print ((op == "<" ? r < g : r <= g) ? "yes" : "**no**") }')
    local speed
    speed=$(awk -v r="$ratio" 'BEGIN { if (r < 1) printf " (%.*f× faster)", (1 / r < 2 ? 2 : 1), 1 / r; else printf " (%.2f× the time)", r }')
    ROWS+="| $label | $(fmt_ms "$f") | $blabel: $(fmt_ms "$b") | $ratio$speed | $goal_text | $met |"$'\n'
    NCASE=$((NCASE + 1))
    echo "$NCASE \"$clabel\" $ratio $goal ${met/\*\*no\*\*/no}" >>"$CHART_DAT"
}

BIG_JSON_MB=$(fmt_mb "${RESULT[list_c]:-${RESULT[postgrest]:-0}}")
row "\`list_task_outputs()\`, big tenant ($(fmt_int "$BIG_VISIBLE") rows, $BIG_JSON_MB of JSON)" \
    list_c "the PostgREST query (\`json_agg\`, under RLS)" postgrest "<=" 0.3334 "≤ 0.333 (≥ 3× faster)" "list vs PostgREST"
row "\`list_task_outputs()\`, big tenant" \
    list_c "only the jsonb columns to text, same index order" jsonb_text "<" 1.0 "< 1.0" "list vs jsonb::text"
if [ "$PAGE_AVAILABLE" = 1 ]; then
    row "\`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep ($PAGE rows)" \
        deep_page "the first page" first_page "<=" 1.5 "≤ 1.5" "deep page vs first"
    row "\`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep" \
        deep_page "\`OFFSET $DEPTH LIMIT $PAGE\` in SQL" offset "<" 1.0 "< 1.0 (keyset, not OFFSET)" "deep page vs OFFSET"
else
    ROWS+="| \`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep | not available in this build | first page; \`OFFSET $DEPTH LIMIT $PAGE\`: $(fmt_ms "${MS[offset]:-0}") | – | ≤ 1.5 | – |"$'\n'
fi
row "small tenant ($(fmt_int "$SMALL_VISIBLE") rows), \`json_agg\` under RLS as the tenant" \
    small_rls "superuser, explicit \`WHERE organization_id = …\`" small_where "<=" 1.1 "≤ 1.1" "RLS vs WHERE (SQL)"
[ "$DIRECT_AVAILABLE" = 1 ] &&
    row "small tenant, \`json_agg\` under RLS as a directly granted role (not a gateway)" \
        small_direct "superuser, explicit \`WHERE\`" small_where "<=" 1.1 "≤ 1.1" "RLS (granted) vs WHERE"
row "small tenant, \`list_task_outputs()\` as the tenant" \
    small_c_rls "the same as superuser (RLS bypassed)" small_c_super "<=" 1.1 "≤ 1.1" "RLS vs none (C)"

export_bytes_text() { [ -n "${RESULT[$1]:-}" ] && echo "$(fmt_int "${RESULT[$1]% *}") rows, $(awk -v b="${RESULT[$1]#* }" 'BEGIN { printf "%.2f GB (%.2f GiB)", b / 1e9, b / 1073741824 }')"; }
if [ "$EXPORT_AVAILABLE" = 1 ] && [ -n "${MEM_PEAK[export]:-}" ]; then
    grow=$(awk -v p="${MEM_PEAK[export]}" -v i="${MEM_IDLE[export]}" 'BEGIN { printf "%.1f", p - i }')
    ratio=$(awk -v g="$grow" -v b="$MEM_BUDGET_MB" 'BEGIN { printf "%.3f", g / b }')
    if [ -n "${ERR[export]:-}" ]; then
        met="**no**"; figure="failed: ${ERR[export]}"
    else
        met=$(awk -v r="$ratio" 'BEGIN { print (r < 1 ? "yes" : "**no**") }')
        figure="$(export_bytes_text export) in $(fmt_ms "${MS[export]}"); memory +$grow MB"
    fi
    if [ -n "${ERR[export_json_agg]:-}" ]; then
        jbase="fails after $(fmt_ms "${MS[export_json_agg]}"), +$(awk -v p="${MEM_PEAK[export_json_agg]}" -v i="${MEM_IDLE[export_json_agg]}" 'BEGIN { printf "%.0f", p - i }') MB: ${ERR[export_json_agg]}"
    else
        jbase="completes ($(export_bytes_text export_json_agg), below the 1 GiB limit at this scale) in $(fmt_ms "${MS[export_json_agg]}"), +$(awk -v p="${MEM_PEAK[export_json_agg]}" -v i="${MEM_IDLE[export_json_agg]}" 'BEGIN { printf "%.0f", p - i }') MB"
    fi
    ROWS+="| \`export_task_outputs()\`, export tenant | $figure | \`json_agg\` over the same rows: $jbase | $ratio of the memory budget | memory < $MEM_BUDGET_MB MB above idle | $met |"$'\n'
    NCASE=$((NCASE + 1))
    echo "$NCASE \"export memory / 64 MB\" $ratio 1.0 ${met/\*\*no\*\*/no}" >>"$CHART_DAT"
else
    ROWS+="| \`export_task_outputs()\`, export tenant | not available in this build | \`json_agg\` over the same rows: ${ERR[export_json_agg]:-completes} | – | memory < $MEM_BUDGET_MB MB above idle | – |"$'\n'
fi
if [ -n "${ERR[export_list]:-}" ]; then
    LIST_ALL_TEXT="fails cleanly after $(fmt_ms "${MS[export_list]}") (memory +$(awk -v p="${MEM_PEAK[export_list]}" -v i="${MEM_IDLE[export_list]}" 'BEGIN { printf "%.0f", p - i }') MB): ${ERR[export_list]}"
else
    LIST_ALL_TEXT="completes ($(export_bytes_text export_list)) in $(fmt_ms "${MS[export_list]:-0}") (memory +$(awk -v p="${MEM_PEAK[export_list]}" -v i="${MEM_IDLE[export_list]}" 'BEGIN { printf "%.0f", p - i }') MB)"
fi

# the chart: each ratio beside its goal (log scale; below the mark is met)
gnuplot -e "datafile='$CHART_DAT'; outfile='$CHART'; subtitle='$MODE run, PostgreSQL $PG_VERSION, $(fmt_int "$TOTAL_ROWS") outputs'" \
    bench/chart.gp 2>"$OUT/gnuplot.err" || { echo "gnuplot failed:"; cat "$OUT/gnuplot.err"; }

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src task_outputs--*.sql 2>/dev/null || COMMIT="$COMMIT (modified)"
RUN_CMD="bench/run.sh"
[ "$MODE" = quick ] && RUN_CMD="bench/run.sh --quick"
[ -n "$SUFFIX" ] && RUN_CMD="PG_CONFIG=…/pg_config $RUN_CMD"

{
    echo "# task_outputs read benchmark: $MODE run"
    echo
    echo "\`$RUN_CMD\` on $(date -u +%Y-%m-%d), commit $COMMIT: PostgreSQL $PG_VERSION, $(nproc) × $CPU, $((RAM_MB / 1024)) GiB RAM,"
    echo "shared_buffers ${SHARED_MB}MB, work_mem 16MB, JIT off unless stated. The whole run took $((TOTAL_S / 60)) min $((TOTAL_S % 60)) s"
    echo "(loading ${LOAD_S} s, VACUUM ANALYZE ${VACUUM_S} s)."
    echo
    echo "Data (\`bench/generate.sql\`, fixed seed): $(fmt_int "$MAIN_ROWS") task outputs over $NORGS organizations —"
    echo "the big one holds $(fmt_int "$BIG_ROWS") ($(fmt_int "$BIG_VISIBLE") visible, 1 in 8 soft-deleted), the small one $(fmt_int "$SMALL_VISIBLE") visible —"
    echo "plus an export organization of $(fmt_int "$EXPORT_VISIBLE"); 0.5–1 KB jsonb outputs; $TABLE_MB MB of table and indexes."
    echo
    echo "Times are medians of $((ROUNDS_BIG * RUNS_BIG)) runs (big cases: $ROUNDS_BIG rounds of $RUNS_BIG) or $((ROUNDS_SMALL * RUNS_SMALL)) runs (small ones: $ROUNDS_SMALL rounds"
    echo "of $RUNS_SMALL), the cases of a comparison interleaved round by round, each case in its own session per round"
    echo "after a warm-up run (warm cache); each"
    echo "statement returns only \`octet_length\` of its result; the tenant's role is a \`task_outputs_reader\` under row-level"
    echo "security. Ratio = the figure's time ÷ the baseline's time (lower is better), except for the export: growth ÷ budget."
    echo
    echo "| case | figure | baseline | ratio | goal | met? |"
    echo "|---|---|---|---|---|---|"
    printf "%s" "$ROWS"
    echo
    echo "![ratios against goals](latest.svg)"
    echo
    echo "Also measured:"
    echo
    echo "- PostgREST baseline without JIT $(fmt_ms "${POSTGREST_NOJIT:-0}"), with JIT $(fmt_ms "${MS[postgrest_jit]:-0}"): the table uses the faster ($POSTGREST_NOTE)."
    echo "- \`list_task_outputs()\` is byte-identical to the PostgREST query's result: $SAME_AS_POSTGREST."
    [ "$PAGE_AVAILABLE" = 1 ] && echo "- The deep page holds exactly the rows of \`OFFSET $DEPTH LIMIT $PAGE\`: $SAME_AS_OFFSET."
    echo "- \`list_task_outputs()\` over the $(fmt_int "$EXPORT_VISIBLE")-row export tenant ${LIST_ALL_TEXT%.}."
    echo "- Memory is the backend's private memory (RssAnon of \`/proc/<pid>/status\`, sampled 20 times a second), idle → peak:"
    for id in export export_json_agg export_list; do
        [ -n "${MEM_PEAK[$id]:-}" ] && echo "  $id ${MEM_IDLE[$id]} → ${MEM_PEAK[$id]} MB."
    done
    echo
    echo "Every time, in ms (the spread is the machine's noise; the ratio of the minima is the least noisy estimate):"
    echo
    echo "| case | runs | min | median | max |"
    echo "|---|---|---|---|---|"
    for id in list_c postgrest postgrest_jit jsonb_text first_page deep_page offset small_rls small_where small_direct small_c_rls small_c_super; do
        [ -s "$OUT/times-$id.txt" ] || continue
        sort -g "$OUT/times-$id.txt" | awk -v id="$id" '{v[NR] = $1} END {
            printf "| %s | %d | %.2f | %.2f | %.2f |\n", id, NR, v[1],
                (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
    done
    echo
    echo "Plans (\`EXPLAIN (ANALYZE, BUFFERS)\` once per case; the C functions' own statements through auto_explain):"
    echo
    for id in list_c postgrest jsonb_text deep_page offset small_rls small_where small_direct small_c_rls export; do
        [ -n "${PLAN[$id]:-}" ] && echo "- $id: ${PLAN[$id]}"
    done
} >"$REPORT"
sed -i "s|(latest.svg)|($(basename "$CHART"))|" "$REPORT"

log "report: $REPORT, chart: $CHART"
cat "$REPORT"
echo
echo "bench: $MODE run done in $(( $(date +%s) - START_TIME ))s"
