#!/usr/bin/env bash
# bench/run.sh -- the read benchmark of task_outputs, in one command.
#
#   bench/run.sh             the full data sets (about 22 min on 2 quiet cores)
#   bench/run.sh --quick     1/20 of them, for development (about 4 min)
#   bench/run.sh --profile   also record a perf profile of the backend for
#                            the main cases (bench/out/profile-*.txt)
#   bench/run.sh --keep      leave the cluster running at the end
#   PG_CONFIG=.../bin/pg_config bench/run.sh
#                            against that PostgreSQL (default: Debian's 15)
#
# Builds the extension from a scratch copy of the checkout and installs it
# (Debian's server: into INSTALL_DESTDIR when set; any other PostgreSQL:
# into a private copy of that installation, never into it), starts a
# throwaway cluster, generates the data sets (bench/generate.sql), then
# measures each case beside its baselines in the same run, as the median of
# several runs (warm cache), and writes a report and a chart.  The full run
# writes bench/results/latest.md and latest.svg (PG_CONFIG set: latest-pgNN)
# and a quick run bench/out/quick.md and quick.svg.  Raw output (plans,
# samples, profiles, logs) goes to bench/out/, which is not committed.
#
# The data: a main database where the big tenant is 10% of the table, two
# databases where the same tenant (the same rows) is 20% and 50% of it, and a
# text-heavy tenant.  The cases: the list of the big tenant at each share and
# of the text tenant, beside PostgREST's query and the jsonb render floor; a
# deep page; a small tenant under row-level security; the export's memory;
# the first page and the export's first row at each share; the export of all
# of the big tenant at each share; then the list, the first rows and the
# export again with shared_buffers at 25% of the table and work_mem and the
# planner's cost settings at PostgreSQL's defaults, the cluster restarted
# for each database.
#
# Every measured statement returns one byte count (octet_length, which does
# not scan the text as length does), so the timings are the server's work.
# Reads run as bench_reader, a task_outputs_reader that is a gateway (it
# takes the tenant from the session, as PostgREST does), under row-level
# security (one case also as bench_direct, a reader granted the small
# organization); only the "explicit WHERE" baselines run as a superuser.
# The cluster keeps PostgreSQL's default jit = on, as a DBA's server has
# it: the C functions run under it; PostgREST's query runs with JIT on and
# off (the faster counts); the render floor runs without JIT (compiling can
# only add to it) and without parallel workers.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

MODE=full
DIVISOR=1
KEEP=0
PROFILE=0
for arg in "$@"; do
    case $arg in
        --quick) MODE=quick; DIVISOR=20 ;;
        --keep) KEEP=1 ;;
        --profile) PROFILE=1 ;;
        -h|--help) sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: [PG_CONFIG=pg_config] bench/run.sh [--quick] [--profile] [--keep]" >&2; exit 2 ;;
    esac
done

START_TIME=$(date +%s)
log() { echo "== $*"; }
elapsed() { echo $(( $(date +%s) - START_TIME )); }
if [ "$MODE" = full ]; then
    log "bench: full run, expected to take about 22 minutes on 2 quiet cores, much longer on busy ones (--quick: about 4)"
else
    log "bench: quick run (1/$DIVISOR of the data), expected to take about 4 minutes on 2 quiet cores"
fi

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
rm -f "$OUT"/plan-*.txt "$OUT"/plan-*.err "$OUT"/mem-* "$OUT"/case-*.err "$OUT"/times-*.txt \
    "$OUT"/profile-*
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
ROUNDS_FIRST=5                      # rounds of the first page / first row
RUNS_FIRST=3
ROUNDS_EXPORT=3                     # rounds of the export of all rows by share
ROUNDS_SB=3                         # rounds of each small shared_buffers case
SLICES=$((100 / (DIVISOR > 1 ? 5 : 1)))
MEM_BUDGET_MB=64
FIRST_ROWS_GOAL_MS=10
SHARE_GOAL=1.2

if [ "$PRIVATE_SERVER" = 0 ]; then
    ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" gnuplot-nox || exit 1
else
    ensure_packages make gcc gnuplot-nox || exit 1
fi
if [ "$PROFILE" = 1 ] && ! command -v perf >/dev/null; then
    echo "bench: --profile needs perf" >&2
    exit 2
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

# The cluster: 2 cores and 24 GiB here.  First shared_buffers holds every
# data set, so every measured run is warm; work_mem stays modest because it
# bounds what a materialized SRF keeps in memory before spilling.  The
# small-memory cases restart it later.  Durability is off: this cluster is
# thrown away.
RAM_MB=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
SHARED_MB=$((RAM_MB / 4 > 8192 ? 8192 : RAM_MB / 4))
WORK_MEM=16MB
start_cluster \
    "shared_buffers = ${SHARED_MB}MB" \
    "effective_cache_size = $((RAM_MB * 2 / 3))MB" \
    "work_mem = $WORK_MEM" \
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
    "log_min_messages = warning" \
    "lc_messages = 'C'" || exit 1
cleanup() {
    kill "$LOAD_SAMPLER" 2>/dev/null
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

# the machine's load, every 30 s: the report says how busy the cores were
( while sleep 30; do cut -d' ' -f1 /proc/loadavg; done ) >"$OUT/load.txt" 2>/dev/null &
LOAD_SAMPLER=$!

# restart_cluster [-PARAMETER...] LINE... -- restart the cluster with the
# settings of the -PARAMETERs back at PostgreSQL's defaults and the
# postgresql.conf LINEs added (the last setting of a parameter wins)
restart_cluster() {
    local line conf=$CLUSTER_DIR/data/postgresql.conf
    while [ "${1:-}" != "${1#-}" ]; do
        as_owner sed -i "/^${1#-}[ =]/d" "$conf"
        shift
    done
    for line in "$@"; do echo "$line"; done | as_owner tee -a "$conf" >/dev/null
    as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$SERVER_LOG" -m fast -w restart >/dev/null
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
PG_VERSION=$(psql -XAt -c "SHOW server_version")
JIT_AVAILABLE=$(psql -XAt -c "SELECT pg_jit_available()")

# ---------------------------------------------------------------- data sets
# bench: the main database (the big tenant is 10% of the table); bench_s20
# and bench_s50: the same big tenant at 20% and 50% of the table.
SHARES=(10 20 50)
declare -A SHARE_DB=([10]=bench [20]=bench_s20 [50]=bench_s50)
declare -A SHARE_VAR=([10]=0 [20]=20 [50]=50)
log "generating the data sets (divisor $DIVISOR)"
t0=$(date +%s)
for s in "${SHARES[@]}"; do
    db=${SHARE_DB[$s]}
    createdb "$db" || exit 1
    psql_admin -d "$db" -c "CREATE EXTENSION task_outputs" || exit 1
    psql_admin -d "$db" -v divisor="$DIVISOR" -v share="${SHARE_VAR[$s]}" -f bench/generate.sql 2>&1 | grep -v NOTICE
    psql_admin -d "$db" -f bench/helpers.sql || exit 1
done
export PGDATABASE=bench
# load DB FIRST LAST -- load those organizations of database DB
load() {
    local t=$(date +%s)
    # planning the generator's inlined expressions takes ~20 ms: plan once
    psql -X -q -v ON_ERROR_STOP=1 -d "$1" -U bench_writer -c "SET plan_cache_mode = force_generic_plan" \
        -c "CALL bench.load($SLICES, $2, $3)" || return 1
    echo "   $1: organizations $2..$3 loaded in $(( $(date +%s) - t ))s"
}
# two loaders, one per core, of about the same number of rows
( load bench 0 99 && load bench_s20 0 99 ) &
loader1=$!
( load bench 100 101 && load bench_s50 0 99 ) &
loader2=$!
wait $loader1 || { echo "loading failed" >&2; exit 1; }
wait $loader2 || { echo "loading failed" >&2; exit 1; }
LOAD_S=$(( $(date +%s) - t0 ))
t0=$(date +%s)
vacuums=()
for s in "${SHARES[@]}"; do
    psql_admin -d "${SHARE_DB[$s]}" -c "VACUUM (ANALYZE)" &
    vacuums+=($!)
done
wait "${vacuums[@]}"
psql_admin -c "CHECKPOINT" || exit 1
VACUUM_S=$(( $(date +%s) - t0 ))

# the benchmark's organizations and facts about the data
org_of() { psql -XAt -d "${2:-bench}" -c "SELECT org_id FROM bench.orgs WHERE role = '$1' ORDER BY org LIMIT 1"; }
BIG=$(org_of big)
SMALL=$(org_of small)
EXPORT=$(org_of export)
TEXT=$(org_of text)
count_rows() {  # db, org, condition
    psql -XAt -d "$1" -c "SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$2' AND $3"
}
declare -A DB_ROWS DB_MB DB_KB SHARE_PCT
for s in "${SHARES[@]}"; do
    db=${SHARE_DB[$s]}
    read -r DB_ROWS[$db] DB_MB[$db] DB_KB[$db] SHARE_PCT[$s] < <(psql -XAt -F' ' -d "$db" -c "
        SELECT count(*), pg_total_relation_size('task_outputs.outputs') / 1048576,
               pg_total_relation_size('task_outputs.outputs') / 1024,
               round(100.0 * count(*) FILTER (WHERE organization_id = '$BIG') / count(*), 1)
          FROM task_outputs.outputs")
done
MAIN_ROWS=$(psql -XAt -c "SELECT count(*) FROM task_outputs.outputs WHERE organization_id NOT IN ('$EXPORT', '$TEXT')")
NORGS=$(psql -XAt -c "SELECT count(DISTINCT organization_id) FROM task_outputs.outputs WHERE organization_id NOT IN ('$EXPORT', '$TEXT')")
TOTAL_ROWS=${DB_ROWS[bench]}
BIG_ROWS=$(count_rows bench "$BIG" true)
BIG_VISIBLE=$(count_rows bench "$BIG" "status <> 'deleted'")
SMALL_VISIBLE=$(count_rows bench "$SMALL" "status <> 'deleted'")
EXPORT_VISIBLE=$(count_rows bench "$EXPORT" "status <> 'deleted'")
TEXT_VISIBLE=$(count_rows bench "$TEXT" "status <> 'deleted'")
TEXT_SIZES=$(psql -XAt -c "SELECT round(min(octet_length(output::text)) / 1024.0, 1) || '–' || round(max(octet_length(output::text)) / 1024.0, 1) || ' kB, '
        || round(avg(octet_length(output::text)) / 1024.0, 1) || ' kB on average'
    FROM task_outputs.outputs WHERE organization_id = '$TEXT' AND output IS NOT NULL")
TABLE_MB=${DB_MB[bench]}
log "loaded in ${LOAD_S}s (VACUUM ANALYZE ${VACUUM_S}s): main database $TOTAL_ROWS outputs, $TABLE_MB MB: $MAIN_ROWS over $NORGS organizations (big: $BIG_ROWS, $BIG_VISIBLE visible, ${SHARE_PCT[10]}% of the table; small: $SMALL_VISIBLE visible) + $EXPORT_VISIBLE in the export organization + $TEXT_VISIBLE visible text-heavy outputs ($TEXT_SIZES)"
for s in 20 50; do
    log "${SHARE_DB[$s]}: ${DB_ROWS[${SHARE_DB[$s]}]} outputs, ${DB_MB[${SHARE_DB[$s]}]} MB; the big tenant is ${SHARE_PCT[$s]}% of the table"
done

# ---------------------------------------------------------------- helpers
declare -A MS RESULT ERR PLAN

# The SQL the obvious way: json_agg over the rows in list order, the
# PostgREST shape.  $1: extra WHERE condition; $2: OFFSET/LIMIT clause.
COLUMNS="id, flow_execution_id, organization_id, task_name, status, summary, output, tags, last_modified_by, created_at, updated_at"
json_agg_sql() {
    echo "SELECT octet_length(coalesce(json_agg(_postgrest_t), '[]')::text) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE ${1:-true} AND status <> 'deleted' ORDER BY created_at DESC, id DESC ${2:-}) _postgrest_t"
}
# the same without the cast to text: pg_column_size reads the size of the
# json value in place, where octet_length(…::text) first copies it twice
# (json_out, then the text input), which for a list of hundreds of
# megabytes costs about as much as rendering it
json_agg_raw_sql() {
    echo "SELECT pg_column_size(coalesce(json_agg(_postgrest_t), '[]')) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) _postgrest_t"
}
# the render floor: only the jsonb columns to text, in list order ($1: LIMIT)
floor_sql() {
    echo "SELECT sum(octet_length(summary::text) + coalesce(octet_length(output::text), 0)) FROM (SELECT summary, output FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC ${1:-}) t"
}
# what the floor runs under: the index order, one process, no JIT
FLOOR_SETTINGS=("jit = off" "max_parallel_workers_per_gather = 0"
                "enable_seqscan = off" "enable_bitmapscan = off" "enable_sort = off")
LIST_C="SELECT octet_length(task_outputs.list_task_outputs()::text)"
LIST_RAW="SELECT pg_column_size(task_outputs.list_task_outputs())"
FIRST_PAGE="SELECT octet_length(task_outputs.list_task_outputs_page(\"limit\" => $PAGE)::text)"
EXPORT_FIRST="SELECT octet_length(task_outputs.export_task_outputs()::text) LIMIT 1"
EXPORT_FIRST_SQL="SELECT octet_length(to_json(t)::text) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t LIMIT 1"
EXPORT_ALL="SELECT sum(octet_length(j::text)) FROM (SELECT task_outputs.export_task_outputs() AS j) s"
EXPORT_ALL_SQL="SELECT sum(octet_length(to_json(t)::text)) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t"

# session_sql ORG SETTINGS... -- the opening of a session: tenant, settings
session_sql() {
    local org=$1
    shift
    [ -n "$org" ] && echo "SET task_outputs.org_id = '$org';"
    local s
    for s in "$@"; do echo "SET $s;"; done
}

# A case: where, as whom, how many runs per round, what, under which
# settings.  define_case ID DB ROLE ORG RUNS QUERY [SETTING...]
declare -A C_DB C_ROLE C_ORG C_RUNS C_SQL C_SET
define_case() {
    local id=$1
    C_DB[$id]=$2 C_ROLE[$id]=$3 C_ORG[$id]=$4 C_RUNS[$id]=$5 C_SQL[$id]=$6
    shift 6
    local IFS='|'
    C_SET[$id]="$*"
}
case_settings() {  # ID -- the settings of case ID, one per line
    [ -n "${C_SET[$1]}" ] && tr '|' '\n' <<<"${C_SET[$1]}"
}

# time_case ID -- C_RUNS runs of case ID in a new session, after a warm-up
# run; appends the times to $OUT/times-ID.txt and sets RESULT[ID], or
# ERR[ID] on failure.
time_case() {
    local id=$1 line settings=()
    mapfile -t settings < <(case_settings "$id")
    line=$( { session_sql "${C_ORG[$id]}" "${settings[@]}"
              echo "SELECT array_to_string(all_ms, ','), result FROM bench.time_ms(\$bench\$${C_SQL[$id]}\$bench\$, ${C_RUNS[$id]});"
            } | psql -X -q -At -F' ' -v ON_ERROR_STOP=1 -d "${C_DB[$id]}" -U "${C_ROLE[$id]}" 2>"$OUT/case-$id.err")
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
    printf "   %-24s %10.2f ms  (%s bytes, median of %d runs)\n" "$id" "${MS[$id]}" \
        "${RESULT[$id]}" "$(wc -l <"$OUT/times-$id.txt")"
}

# rounds N ID... -- N rounds of the given cases, interleaved; then medians
rounds() {
    local n=$1 r id
    shift
    for r in $(seq "$n"); do
        for id in "$@"; do [ -n "${C_SQL[$id]:-}" ] && time_case "$id"; done
    done
    for id in "$@"; do [ -n "${C_SQL[$id]:-}" ] && median "$id"; done
}

# best_of ID ID_JIT -- the faster of PostgREST's query without and with
# JIT, as MS[ID_best]; BEST_NOTE[ID] says which
declare -A BEST_NOTE
best_of() {
    local id=$1 jit=$2
    MS[${id}_best]=${MS[$id]:-}
    BEST_NOTE[$id]="without JIT"
    if [ -n "${MS[$jit]:-}" ] && { [ -z "${MS[$id]:-}" ] || awk "BEGIN {exit !(${MS[$jit]} < ${MS[$id]})}"; }; then
        MS[${id}_best]=${MS[$jit]}
        BEST_NOTE[$id]="with JIT"
    fi
}

# plan_summary FILE -- the plan nodes of each statement in FILE (EXPLAIN
# output, or auto_explain's log lines), with rows, sort methods, workers,
# JIT and buffers, one statement after another
plan_summary() {
    awk '
        function flush() {
            if (nodes == "") return
            s = nodes
            if (jit != "") s = s "; JIT (" jit " functions)"
            if (buffers != "") s = s " [" buffers "]"
            out = out (out == "" ? "" : " | ") s
            nodes = ""; jit = ""; buffers = ""; injit = 0
        }
        /LOG: +duration: / { flush(); next }
        /\(actual / {
            line = $0
            sub(/^[ \t]*(->)?[ \t]*/, "", line)
            name = line; sub(/  \(cost=.*$/, "", name); sub(/ \(actual.*$/, "", name)
            if (name ~ /^(Result|ProjectSet|Aggregate|Function Scan|Subquery Scan|Limit)/) next
            rows = line; sub(/^.*actual rows=/, "", rows); sub(/ .*$/, "", rows); sub(/\.00$/, "", rows)
            nodes = nodes (nodes == "" ? "" : "; ") name " (rows=" rows ")"
            next
        }
        /Sort Method:/ { m = $0; sub(/^.*Sort Method: */, "", m); gsub(/  +/, " ", m); nodes = nodes " [" m "]"; next }
        /Workers Launched:/ { w = $0; sub(/^.*Workers Launched: */, "", w); nodes = nodes " [" w " workers]"; next }
        /^[ \t]*JIT:/ { injit = 1; next }
        injit && /Functions:/ { j = $0; sub(/^.*Functions: */, "", j); jit = j; injit = 0; next }
        /Buffers:/ && buffers == "" { b = $0; sub(/^.*Buffers: */, "", b); buffers = b }
        END { flush(); print out }' "$1"
}

# plan_check FILE TENANT_ROWS -- "ok" when every statement reads the tenant
# index without a sort, parallel workers or JIT and no scan returns more
# rows than the tenant has, else what each statement does instead
plan_check() {
    awk -v max="$2" '
        /Seq Scan on outputs/ { bad["seq-scan"] = 1 }
        /(Sort|Incremental Sort)  \(cost/ || /-> +Sort / { bad["sort"] = 1 }
        /Sort Method: external/ { bad["sort-on-disk"] = 1 }
        /Gather/ { bad["parallel"] = 1 }
        /^[ \t]*JIT:/ { bad["jit"] = 1 }
        /(Scan|Sort) / && !/Function Scan/ && match($0, /actual rows=[0-9]+/) {
            rows = substr($0, RSTART + 12, RLENGTH - 12) + 0
            if (rows > max) bad["rows>" max] = 1
        }
        /outputs_list_idx/ { idx = 1 }
        END {
            if (!idx) bad["no-list-index"] = 1
            s = ""; for (k in bad) s = s " " k
            print (s == "" ? "ok" : "CHECK:" s)
        }' "$1"
}

# explain_sql ID -- EXPLAIN ANALYZE case ID once, as its role with its settings
explain_sql() {
    local id=$1 max=$2 settings=()
    mapfile -t settings < <(case_settings "$id")
    { session_sql "${C_ORG[$id]}" "${settings[@]}"; echo "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) ${C_SQL[$id]};"; } |
        psql -X -q -At -d "${C_DB[$id]}" -U "${C_ROLE[$id]}" >"$OUT/plan-$id.txt" 2>&1
    PLAN[$id]="$(plan_summary "$OUT/plan-$id.txt") -- $(plan_check "$OUT/plan-$id.txt" "$max")"
    echo "   plan $id: ${PLAN[$id]}"
}

# explain_c ID TENANT_ROWS -- the plans of the statements that the C
# function of case ID runs, logged by auto_explain (nested statements) for
# bench_explain, in a session with the case's settings
explain_c() {
    local id=$1 max=$2 offset settings=()
    [ "$AUTO_EXPLAIN" = 1 ] || return 0
    mapfile -t settings < <(case_settings "$id")
    offset=$(stat -c %s "$SERVER_LOG")
    { session_sql "${C_ORG[$id]}" "${settings[@]}"; echo "${C_SQL[$id]};"; } |
        psql -X -q -At -d "${C_DB[$id]}" -U bench_explain >/dev/null 2>"$OUT/plan-$id.err"
    sleep 0.5
    tail -c +"$((offset + 1))" "$SERVER_LOG" >"$OUT/plan-$id.txt"
    PLAN[$id]="$(plan_summary "$OUT/plan-$id.txt") -- $(plan_check "$OUT/plan-$id.txt" "$max")"
    echo "   plan $id (the C function's statements): ${PLAN[$id]}"
}

# auto_explain for bench_explain only: its sessions log the plans of every
# statement, nested ones included, with row counts and buffers
if [ "$AUTO_EXPLAIN" = 1 ]; then
    psql_admin <<'SQL' || exit 1
ALTER ROLE bench_explain SET session_preload_libraries = 'auto_explain';
ALTER ROLE bench_explain SET auto_explain.log_min_duration = 0;
ALTER ROLE bench_explain SET auto_explain.log_nested_statements = on;
ALTER ROLE bench_explain SET auto_explain.log_analyze = on;
ALTER ROLE bench_explain SET auto_explain.log_buffers = on;
ALTER ROLE bench_explain SET auto_explain.log_timing = off;
ALTER ROLE bench_explain SET client_min_messages = warning;
SQL
fi

# profile_case ID -- with --profile: perf record the backend while it runs
# case ID for about 3 s; the top functions by own time and the time by
# component go to $OUT/profile-ID.txt, the components to PROFILE_SUMMARY[ID]
declare -A PROFILE_SUMMARY
profile_case() {
    local id=$1 runs settings=()
    [ "$PROFILE" = 1 ] && [ -n "${MS[$id]:-}" ] || return 0
    runs=$(awk -v ms="${MS[$id]}" 'BEGIN { r = int(3000 / (ms > 0.01 ? ms : 0.01)) + 1; print (r > 20000 ? 20000 : r) }')
    mapfile -t settings < <(case_settings "$id")
    { session_sql "${C_ORG[$id]}" "${settings[@]}"
      echo "SELECT bench.time_ms(\$bench\$${C_SQL[$id]}\$bench\$, 1);"
      echo "SELECT pg_backend_pid() AS pid \\gset"
      echo "\\setenv BENCH_PID :pid"
      echo "\\! bench/profile.sh start $OUT/profile-$id.data"
      echo "SELECT bench.time_ms(\$bench\$${C_SQL[$id]}\$bench\$, $runs);"
      echo "\\! bench/profile.sh stop $OUT/profile-$id.data"
    } | psql -X -q -At -d "${C_DB[$id]}" -U "${C_ROLE[$id]}" >/dev/null 2>"$OUT/case-$id-profile.err"
    bench/profile.sh report "$OUT/profile-$id.data" >"$OUT/profile-$id.txt" 2>&1
    PROFILE_SUMMARY[$id]=$(sed -n 's/^component: //p' "$OUT/profile-$id.txt" | paste -sd';' | sed 's/;/; /g')
    echo "   profile $id ($runs runs): ${PROFILE_SUMMARY[$id]}"
}

# have_function NAME [ARG...] -- the read API function exists (with these
# argument names)
have_function() {
    local name=$1
    shift
    local args=""
    [ $# -gt 0 ] && args=" AND proargnames @> ARRAY[$(printf "'%s'," "$@" | sed 's/,$//')]"
    [ "$(psql -XAt -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'task_outputs'::regnamespace AND proname = '$name'$args")" -gt 0 ]
}

# memory_case ID DB ROLE ORG QUERY [SETTING...] -- run QUERY (returning
# "rows bytes") once, sampling the backend's memory; sets MEM_IDLE/MEM_PEAK
# (MB), MS, RESULT/ERR
declare -A MEM_IDLE MEM_PEAK
memory_case() {
    local id=$1 db=$2 role=$3 org=$4 query=$5
    shift 5
    local samples="$OUT/mem-$id.txt" line
    rm -f "$samples" "$samples.done"
    line=$( { session_sql "$org" "$@"
              echo "\\set VERBOSITY verbose"
              echo "SELECT pg_backend_pid() AS pid \\gset"
              echo "\\setenv BENCH_PID :pid"
              echo "\\! bench/memwatch.sh $samples"
              echo "SELECT clock_timestamp() AS t0 \\gset"
              echo "$query \\gset r_"
              echo "SELECT round((extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000)::numeric, 1) AS ms \\gset"
              echo "\\! touch $samples.stop"
              echo "\\echo :ms :r_rows :r_bytes"
            } | psql -X -q -At -d "$db" -U "$role" 2>"$OUT/case-$id.err")
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
    printf "   %-24s %10s ms  rows/bytes: %s  error: %s  memory: idle %s MB, peak %s MB (%d samples)\n" \
        "$id" "${MS[$id]}" "${RESULT[$id]:--}" "${ERR[$id]:--}" "${MEM_IDLE[$id]}" "${MEM_PEAK[$id]}" \
        "$(wc -l <"$samples")"
}

# same_as_postgrest DB ORG -- "yes" when list_task_outputs() is byte for
# byte the PostgREST query's json_agg
same_as_postgrest() {
    { session_sql "$2"
      echo "SELECT md5(task_outputs.list_task_outputs()::text) = (SELECT md5(coalesce(json_agg(t), '[]')::text) FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t);"
    } | psql -X -q -At -d "$1" -U bench_reader 2>&1 | sed 's/^t$/yes/; s/^f$/**no**/'
}

# define_list_cases SUFFIX DB ORG -- the list of tenant ORG in DB beside
# PostgREST's query (without and with JIT) and the render floor
define_list_cases() {
    local sfx=$1 db=$2 org=$3
    define_case "list_c_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$LIST_C"
    define_case "postgrest_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$(json_agg_sql)" "jit = off"
    [ "$JIT_AVAILABLE" = t ] &&
        define_case "postgrest_jit_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$(json_agg_sql)" "jit = on"
    define_case "jsonb_text_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$(floor_sql)" "${FLOOR_SETTINGS[@]}"
    # what the cast to text costs, on both sides (not with small shared_buffers)
    if [ "${sfx#sb}" = "$sfx" ]; then
        define_case "list_raw_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$LIST_RAW"
        define_case "postgrest_raw_$sfx" "$db" bench_reader "$org" $RUNS_BIG "$(json_agg_raw_sql)" "jit = off"
    fi
}
list_case_ids() { echo "list_c_$1 postgrest_$1 postgrest_jit_$1 jsonb_text_$1 list_raw_$1 postgrest_raw_$1"; }
# explain_list_cases SUFFIX TENANT_ROWS
explain_list_cases() {
    explain_c "list_c_$1" "$2"
    explain_sql "postgrest_$1" "$2"
    explain_sql "jsonb_text_$1" "$2"
}

# define_first_cases SUFFIX DB ORG -- the first page and the export's first
# row beside the SQL that gives the same
define_first_cases() {
    local sfx=$1 db=$2 org=$3
    define_case "first_page_$sfx" "$db" bench_reader "$org" $RUNS_FIRST "$FIRST_PAGE"
    define_case "first_page_pgrst_$sfx" "$db" bench_reader "$org" $RUNS_FIRST "$(json_agg_sql true "LIMIT $PAGE")"
    define_case "first_page_floor_$sfx" "$db" bench_reader "$org" $RUNS_FIRST "$(floor_sql "LIMIT $PAGE")" "${FLOOR_SETTINGS[@]}"
    define_case "export_first_$sfx" "$db" bench_reader "$org" $RUNS_FIRST "$EXPORT_FIRST"
    define_case "export_first_sql_$sfx" "$db" bench_reader "$org" $RUNS_FIRST "$EXPORT_FIRST_SQL"
}
first_case_ids() { echo "first_page_$1 first_page_pgrst_$1 first_page_floor_$1 export_first_$1 export_first_sql_$1"; }

# ---------------------------------------------------------------- cases
log "case 1: list_task_outputs() over the big tenant ($BIG_VISIBLE rows) at ${SHARE_PCT[10]}%, ${SHARE_PCT[20]}% and ${SHARE_PCT[50]}% of the table, and over the text-heavy tenant ($TEXT_VISIBLE rows)"
ids=()
for s in "${SHARES[@]}"; do
    define_list_cases "$s" "${SHARE_DB[$s]}" "$BIG"
    ids+=($(list_case_ids "$s"))
done
define_list_cases text bench "$TEXT"
ids+=($(list_case_ids text))
rounds $ROUNDS_BIG "${ids[@]}"
declare -A SAME
for s in "${SHARES[@]}" text; do
    best_of "postgrest_$s" "postgrest_jit_$s"
    if [ "$s" = text ]; then
        SAME[$s]=$(same_as_postgrest bench "$TEXT")
        explain_list_cases "$s" "$((TEXT_VISIBLE * 8 / 7 + 1))"
    else
        SAME[$s]=$(same_as_postgrest "${SHARE_DB[$s]}" "$BIG")
        explain_list_cases "$s" "$BIG_ROWS"
    fi
    echo "   $s: list_task_outputs() byte-identical to the PostgREST query: ${SAME[$s]}"
done
for s in 10 50 text; do profile_case "list_raw_$s"; done

# the plans of a tenant of 1% of the table (bench_s20), not timed
ORG1=$(psql -XAt -d bench_s20 -c "SELECT org_id FROM bench.orgs ORDER BY abs(nrows - (SELECT sum(nrows) FROM bench.orgs) / 100), org LIMIT 1")
ORG1_ROWS=$(count_rows bench_s20 "$ORG1" true)
ORG1_PCT=$(psql -XAt -d bench_s20 -c "SELECT round(100.0 * $ORG1_ROWS / count(*), 1) FROM task_outputs.outputs")
echo "   a tenant of $ORG1_PCT% of the table (bench_s20, $ORG1_ROWS rows):"
define_case list_c_1 bench_s20 bench_reader "$ORG1" 1 "$LIST_C"
define_case export_first_1 bench_s20 bench_reader "$ORG1" 1 "$EXPORT_FIRST"
explain_c list_c_1 "$ORG1_ROWS"
explain_c export_first_1 $((PAGE * 10))

log "case 2: a page $DEPTH rows deep vs the first page"
DEEP_ID=$( { session_sql "$BIG"
    echo "SELECT id FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC OFFSET $((DEPTH - 1)) LIMIT 1;"
    } | psql -X -q -At -U bench_reader)
OFFSET_SQL=$(json_agg_sql true "OFFSET $DEPTH LIMIT $PAGE")
define_case offset bench bench_reader "$BIG" $RUNS_SMALL "$OFFSET_SQL" "jit = off"
if have_function list_task_outputs_page starting_after limit; then
    PAGE_AVAILABLE=1
    DEEP_PAGE="SELECT octet_length(task_outputs.list_task_outputs_page(starting_after => '$DEEP_ID', \"limit\" => $PAGE)::text)"
    define_case first_page bench bench_reader "$BIG" $RUNS_SMALL "$FIRST_PAGE"
    define_case deep_page bench bench_reader "$BIG" $RUNS_SMALL "$DEEP_PAGE"
    rounds $ROUNDS_SMALL first_page deep_page offset
    SAME_AS_OFFSET=$( { session_sql "$BIG"
        echo "SELECT ARRAY(SELECT (e->>'id')::uuid FROM json_array_elements(task_outputs.list_task_outputs_page(starting_after => '$DEEP_ID', \"limit\" => $PAGE)->'data') e) = ARRAY(SELECT id FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC OFFSET $DEPTH LIMIT $PAGE);"
        } | psql -X -q -At -U bench_reader 2>&1 | sed 's/^t$/yes/; s/^f$/**no**/')
    echo "   deep page holds the same rows as OFFSET $DEPTH LIMIT $PAGE: $SAME_AS_OFFSET"
    explain_c deep_page $((PAGE * 10))
else
    PAGE_AVAILABLE=0
    echo "   list_task_outputs_page(starting_after, limit): not available in this build"
    rounds $ROUNDS_SMALL offset
fi
explain_sql offset "$BIG_ROWS"

log "case 3: a small tenant's list ($SMALL_VISIBLE rows) under RLS vs an explicit WHERE"
RLS_SQL=$(json_agg_sql)
WHERE_SQL=$(json_agg_sql "organization_id = '$SMALL'")
define_case small_rls bench bench_reader "$SMALL" $RUNS_SMALL "$RLS_SQL"
define_case small_where bench postgres "" $RUNS_SMALL "$WHERE_SQL"
if have_function grant_organization; then
    psql_admin -c "SELECT task_outputs.grant_organization('bench_direct', '$SMALL')" >/dev/null || exit 1
    DIRECT_AVAILABLE=1
    define_case small_direct bench bench_direct "$SMALL" $RUNS_SMALL "$RLS_SQL"
else
    DIRECT_AVAILABLE=0
fi
define_case small_c_rls bench bench_reader "$SMALL" $RUNS_SMALL "$LIST_C"
define_case small_c_super bench postgres "$SMALL" $RUNS_SMALL "$LIST_C"
rounds $ROUNDS_SMALL small_rls small_where small_direct small_c_rls small_c_super
explain_sql small_rls $((SMALL_VISIBLE * 2))
explain_sql small_where $((SMALL_VISIBLE * 2))
[ "$DIRECT_AVAILABLE" = 1 ] && explain_sql small_direct $((SMALL_VISIBLE * 2))
explain_c small_c_rls $((SMALL_VISIBLE * 2))

log "case 4: export_task_outputs() over the export tenant ($EXPORT_VISIBLE rows)"
EXPORT_SQL="SELECT count(*) AS rows, sum(octet_length(j::text)) AS bytes FROM task_outputs.export_task_outputs() j"
JSON_AGG_ALL="SELECT count(*) AS rows, octet_length(json_agg(t)::text) AS bytes FROM (SELECT $COLUMNS FROM task_outputs.outputs WHERE status <> 'deleted' ORDER BY created_at DESC, id DESC) t"
LIST_ALL="SELECT $EXPORT_VISIBLE AS rows, octet_length(task_outputs.list_task_outputs()::text) AS bytes"
if have_function export_task_outputs; then
    EXPORT_AVAILABLE=1
    memory_case export bench bench_reader "$EXPORT" "$EXPORT_SQL"
    define_case export bench bench_reader "$EXPORT" 1 "SELECT count(*) FROM task_outputs.export_task_outputs() j"
    explain_c export "$EXPORT_VISIBLE"
else
    EXPORT_AVAILABLE=0
    echo "   export_task_outputs(): not available in this build"
fi
memory_case export_json_agg bench bench_reader "$EXPORT" "$JSON_AGG_ALL" "jit = off"
memory_case export_list bench bench_reader "$EXPORT" "$LIST_ALL"

log "case 5: the first page ($PAGE rows) and the export's first row, big tenant at each share"
ids=()
for s in "${SHARES[@]}"; do
    define_first_cases "$s" "${SHARE_DB[$s]}" "$BIG"
    ids+=($(first_case_ids "$s"))
done
rounds $ROUNDS_FIRST "${ids[@]}"
for s in "${SHARES[@]}"; do
    explain_c "first_page_$s" $((PAGE * 10))
    explain_c "export_first_$s" $((PAGE * 10))
    explain_sql "export_first_sql_$s" $((PAGE * 10))
done
profile_case export_first_50

log "case 6: export_task_outputs() of the whole big tenant at each share"
ids=()
for s in "${SHARES[@]}"; do
    define_case "export_all_$s" "${SHARE_DB[$s]}" bench_reader "$BIG" 1 "$EXPORT_ALL"
    define_case "export_all_sql_$s" "${SHARE_DB[$s]}" bench_reader "$BIG" 1 "$EXPORT_ALL_SQL" "jit = off"
    ids+=("export_all_$s" "export_all_sql_$s")
done
rounds $ROUNDS_EXPORT "${ids[@]}"
for s in "${SHARES[@]}"; do explain_c "export_all_$s" "$BIG_ROWS"; done

# ---------------------------------------------------------------- small shared_buffers
# Each database in turn, the cluster restarted with shared_buffers at a
# quarter of its outputs table (indexes and TOAST included), and work_mem
# and the planner's cost settings at PostgreSQL's defaults, as a DBA's
# server has them: the table no longer fits, as in production, and the
# planner no longer assumes that every page is cached.
declare -A SB_MB
for s in "${SHARES[@]}"; do
    db=${SHARE_DB[$s]}
    sb_kb=$(( ${DB_KB[$db]} / 4 > 128 ? ${DB_KB[$db]} / 4 : 128 ))
    SB_MB[$s]=$((sb_kb / 1024))
    log "case 7: $db with shared_buffers ${SB_MB[$s]}MB (25% of its ${DB_MB[$db]} MB table), the rest at PostgreSQL's defaults"
    restart_cluster -work_mem -random_page_cost -effective_cache_size -effective_io_concurrency \
        "shared_buffers = ${sb_kb}kB" || exit 1
    SB_SETTINGS=$(psql -XAt -F' ' -c "SELECT current_setting('work_mem'), current_setting('random_page_cost'), current_setting('effective_cache_size')" |
        awk '{ printf "work_mem %s, random_page_cost %s, effective_cache_size %s", $1, $2, $3 }')
    ids=()
    define_list_cases "sb$s" "$db" "$BIG"
    ids+=($(list_case_ids "sb$s"))
    if [ "$s" = 10 ]; then
        define_list_cases sbtext bench "$TEXT"
        ids+=($(list_case_ids sbtext))
    fi
    define_case "first_page_sb$s" "$db" bench_reader "$BIG" $RUNS_FIRST "$FIRST_PAGE"
    define_case "export_first_sb$s" "$db" bench_reader "$BIG" $RUNS_FIRST "$EXPORT_FIRST"
    define_case "export_all_sb$s" "$db" bench_reader "$BIG" 1 "$EXPORT_ALL"
    ids+=("first_page_sb$s" "export_first_sb$s" "export_all_sb$s")
    rounds $ROUNDS_SB "${ids[@]}"
    best_of "postgrest_sb$s" "postgrest_jit_sb$s"
    explain_list_cases "sb$s" "$BIG_ROWS"
    explain_c "first_page_sb$s" $((PAGE * 10))
    explain_c "export_first_sb$s" $((PAGE * 10))
    explain_c "export_all_sb$s" "$BIG_ROWS"
    if [ "$s" = 10 ]; then
        best_of postgrest_sbtext postgrest_jit_sbtext
        explain_list_cases sbtext "$((TEXT_VISIBLE * 8 / 7 + 1))"
    fi
    if [ "$s" = 20 ]; then
        define_case list_c_sb1 bench_s20 bench_reader "$ORG1" 1 "$LIST_C"
        define_case export_first_sb1 bench_s20 bench_reader "$ORG1" 1 "$EXPORT_FIRST"
        explain_c list_c_sb1 "$ORG1_ROWS"
        explain_c export_first_sb1 $((PAGE * 10))
    fi
    profile_case "list_c_sb$s"
done

TOTAL_S=$(elapsed)
log "measured in ${TOTAL_S}s"

# ---------------------------------------------------------------- report
fmt_ms() { awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.2f s", v / 1000; else if (v >= 10) printf "%.0f ms", v; else printf "%.2f ms", v }'; }
fmt_mb() { awk -v v="$1" 'BEGIN { printf "%.1f MB", v / 1048576 }'; }
fmt_int() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|[^0-9]\)/\1,\2\3/' -e 'ta'; }
min_of() { [ -s "$OUT/times-$1.txt" ] && sort -g "$OUT/times-$1.txt" | head -n 1; }
# speedup BASE BASE_JIT FIGURE -- "median ratio (minima ratio)" of the
# faster baseline over the figure
speedup() {
    local b=${MS[$1]:-} f=${MS[$3]:-} bmin fmin
    [ -n "$2" ] && [ -n "${MS[$2]:-}" ] && { [ -z "$b" ] || awk "BEGIN {exit !(${MS[$2]} < $b)}"; } && b=${MS[$2]}
    [ -n "$b" ] && [ -n "$f" ] || { echo –; return; }
    bmin=$(min_of "$1"); [ -n "$2" ] && m2=$(min_of "$2") && [ -n "$m2" ] && awk "BEGIN {exit !($m2 < $bmin)}" && bmin=$m2
    fmin=$(min_of "$3")
    awk -v b="$b" -v f="$f" -v bm="$bmin" -v fm="$fmin" 'BEGIN { printf "%.2f (%.2f)", b / f, bm / fm }'
}
# ratios FIGURE BASE -- "median ratio (minima ratio)" of the figure over the baseline
ratios() {
    [ -n "${MS[$1]:-}" ] && [ -n "${MS[$2]:-}" ] || { echo –; return; }
    awk -v f="${MS[$1]}" -v b="${MS[$2]}" -v fm="$(min_of "$1")" -v bm="$(min_of "$2")" 'BEGIN { printf "%.3f (%.3f)", f / b, fm / bm }'
}
ms_or_err() { [ -n "${MS[$1]:-}" ] && fmt_ms "${MS[$1]}" || echo "failed${ERR[$1]:+: ${ERR[$1]}}"; }
ratio_of() { awk -v f="$1" -v b="$2" 'BEGIN { printf "%.3f", f / b }'; }
meets() { awk -v r="$1" -v g="$2" -v op="$3" 'BEGIN { print ((op == "<" ? r < g : r <= g) ? "yes" : "**no**") }'; }

CHART_DAT=$OUT/chart.dat
: >"$CHART_DAT"
ROWS=""
NCASE=0
chart_bar() {  # LABEL RATIO GOAL MET
    NCASE=$((NCASE + 1))
    echo "$NCASE \"$1\" $2 $3 ${4/\*\*no\*\*/no}" >>"$CHART_DAT"
}
# row CASE FIGURE_ID BASELINE_LABEL BASELINE_ID OP GOAL GOAL_TEXT CHART_LABEL
row() {
    local label=$1 fid=$2 blabel=$3 bid=$4 op=$5 goal=$6 goal_text=$7 clabel=$8
    local f=${MS[$fid]:-} b=${MS[$bid]:-} ratio met speed
    if [ -z "$f" ] || [ -z "$b" ]; then
        ROWS+="| $label | $(ms_or_err "$fid") | $blabel: $(ms_or_err "$bid") | – | $goal_text | – |"$'\n'
        return
    fi
    ratio=$(ratio_of "$f" "$b")
    met=$(meets "$ratio" "$goal" "$op")
    speed=$(awk -v r="$ratio" 'BEGIN { if (r < 1) printf " (%.*f× faster)", (1 / r < 2 ? 2 : 1), 1 / r; else printf " (%.2f× the time)", r }')
    ROWS+="| $label | $(fmt_ms "$f") | $blabel: $(fmt_ms "$b") | $ratio$speed | $goal_text | $met |"$'\n'
    chart_bar "$clabel" "$ratio" "$goal" "$met"
}
# row_abs CASE FIGURE_ID GOAL_MS CHART_LABEL -- an absolute time against its goal
row_abs() {
    local label=$1 fid=$2 goal=$3 clabel=$4 f=${MS[$2]:-} ratio met
    if [ -z "$f" ]; then
        ROWS+="| $label | $(ms_or_err "$fid") | – | – | ≤ $goal ms | – |"$'\n'
        return
    fi
    ratio=$(ratio_of "$f" "$goal")
    met=$(meets "$ratio" 1 "<=")
    ROWS+="| $label | $(fmt_ms "$f") | the goal: $goal ms | $ratio of the goal | ≤ $goal ms | $met |"$'\n'
    chart_bar "$clabel" "$ratio" 1 "$met"
}

share_label() {  # SUFFIX -- how a case's tenant is described
    case $1 in
        text|sbtext) echo "text-heavy tenant ($(fmt_int "$TEXT_VISIBLE") rows)" ;;
        sb*) echo "big tenant at ${SHARE_PCT[${1#sb}]}%" ;;
        *) echo "big tenant at ${SHARE_PCT[$1]}%" ;;
    esac
}
settings_label() {  # SUFFIX
    case $1 in
        sbtext) echo "shared_buffers ${SB_MB[10]}MB (25% of the table), defaults" ;;
        sb*) echo "shared_buffers ${SB_MB[${1#sb}]}MB (25% of the table), defaults" ;;
        *) echo "shared_buffers ${SHARED_MB}MB (holds every table), work_mem $WORK_MEM" ;;
    esac
}
short_label() {  # SUFFIX -- for the chart
    case $1 in
        text) echo "text" ;;
        sbtext) echo "text, small sb" ;;
        sb*) echo "${1#sb}%, small sb" ;;
        *) echo "$1%" ;;
    esac
}

BIG_JSON_MB=$(fmt_mb "${RESULT[list_c_10]:-${RESULT[postgrest_10]:-0}}")
TEXT_JSON_MB=$(fmt_mb "${RESULT[list_c_text]:-${RESULT[postgrest_text]:-0}}")
for s in 10 20 50 text sb10 sb20 sb50 sbtext; do
    [ -n "${C_SQL[list_c_$s]:-}" ] || continue
    row "\`list_task_outputs()\`, $(share_label "$s")$([ "${s#sb}" != "$s" ] && echo ", small shared_buffers")" \
        "list_c_$s" "PostgREST's query (${BEST_NOTE[postgrest_$s]:-}, under RLS)" "postgrest_${s}_best" \
        "<=" 0.3334 "≤ 0.333 (≥ 3× faster)" "list vs PostgREST, $(short_label "$s")"
    row "\`list_task_outputs()\`, $(share_label "$s")$([ "${s#sb}" != "$s" ] && echo ", small shared_buffers")" \
        "list_c_$s" "the jsonb columns to text, same rows, index order" "jsonb_text_$s" \
        "<" 1.0 "< 1.0" "list vs jsonb floor, $(short_label "$s")"
done
if [ "$PAGE_AVAILABLE" = 1 ]; then
    row "\`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep ($PAGE rows)" \
        deep_page "the first page" first_page "<=" 1.5 "≤ 1.5" "deep page vs first"
    row "\`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep" \
        deep_page "\`OFFSET $DEPTH LIMIT $PAGE\` in SQL" offset "<" 1.0 "< 1.0 (keyset, not OFFSET)" "deep page vs OFFSET"
else
    ROWS+="| \`list_task_outputs_page()\` $(fmt_int "$DEPTH") rows deep | not available in this build | first page; \`OFFSET $DEPTH LIMIT $PAGE\`: $(ms_or_err offset) | – | ≤ 1.5 | – |"$'\n'
fi
row "small tenant ($(fmt_int "$SMALL_VISIBLE") rows), \`json_agg\` under RLS as the tenant" \
    small_rls "superuser, explicit \`WHERE organization_id = …\`" small_where "<=" 1.1 "≤ 1.1" "RLS vs WHERE (SQL)"
[ "$DIRECT_AVAILABLE" = 1 ] &&
    row "small tenant, \`json_agg\` under RLS as a directly granted role (not a gateway)" \
        small_direct "superuser, explicit \`WHERE\`" small_where "<=" 1.1 "≤ 1.1" "RLS (granted) vs WHERE"
row "small tenant, \`list_task_outputs()\` as the tenant" \
    small_c_rls "the same as superuser (RLS bypassed)" small_c_super "<=" 1.1 "≤ 1.1" "RLS vs none (C)"

export_bytes_text() { [ -n "${RESULT[$1]:-}" ] && echo "$(fmt_int "${RESULT[$1]% *}") rows, $(awk -v b="${RESULT[$1]#* }" 'BEGIN { printf "%.2f GB (%.2f GiB)", b / 1e9, b / 1073741824 }')"; }
grow_of() { awk -v p="${MEM_PEAK[$1]}" -v i="${MEM_IDLE[$1]}" 'BEGIN { printf "%.0f", p - i }'; }
if [ "$EXPORT_AVAILABLE" = 1 ] && [ -n "${MEM_PEAK[export]:-}" ]; then
    grow=$(awk -v p="${MEM_PEAK[export]}" -v i="${MEM_IDLE[export]}" 'BEGIN { printf "%.1f", p - i }')
    ratio=$(ratio_of "$grow" "$MEM_BUDGET_MB")
    if [ -n "${ERR[export]:-}" ]; then
        met="**no**"; figure="failed: ${ERR[export]}"
    else
        met=$(meets "$ratio" 1 "<")
        figure="$(export_bytes_text export) in $(fmt_ms "${MS[export]}"); memory +$grow MB"
    fi
    if [ -n "${ERR[export_json_agg]:-}" ]; then
        jbase="fails after $(fmt_ms "${MS[export_json_agg]}"), +$(grow_of export_json_agg) MB: ${ERR[export_json_agg]}"
    else
        jbase="completes ($(export_bytes_text export_json_agg), below the 1 GiB limit at this scale) in $(fmt_ms "${MS[export_json_agg]}"), +$(grow_of export_json_agg) MB"
    fi
    ROWS+="| \`export_task_outputs()\`, export tenant | $figure | \`json_agg\` over the same rows: $jbase | $ratio of the memory budget | memory < $MEM_BUDGET_MB MB above idle | $met |"$'\n'
    chart_bar "export memory / 64 MB" "$ratio" 1.0 "$met"
else
    ROWS+="| \`export_task_outputs()\`, export tenant | not available in this build | \`json_agg\` over the same rows: ${ERR[export_json_agg]:-completes} | – | memory < $MEM_BUDGET_MB MB above idle | – |"$'\n'
fi
if [ -n "${ERR[export_list]:-}" ]; then
    LIST_ALL_TEXT="fails cleanly after $(fmt_ms "${MS[export_list]}") (memory +$(grow_of export_list) MB): ${ERR[export_list]}"
else
    LIST_ALL_TEXT="completes ($(export_bytes_text export_list)) in $(fmt_ms "${MS[export_list]:-0}") (memory +$(grow_of export_list) MB)"
fi
for s in 50 sb50; do
    row_abs "first page ($PAGE rows), big tenant at ${SHARE_PCT[50]}%$([ "$s" = sb50 ] && echo ", small shared_buffers")" \
        "first_page_$s" "$FIRST_ROWS_GOAL_MS" "first page, $(short_label "$s") / 10 ms"
    row_abs "\`export_task_outputs()\`'s first row, big tenant at ${SHARE_PCT[50]}%$([ "$s" = sb50 ] && echo ", small shared_buffers")" \
        "export_first_$s" "$FIRST_ROWS_GOAL_MS" "export 1st row, $(short_label "$s") / 10 ms"
done
# the same rows at a larger share of the table: the same time
for reader in list_c first_page export_first export_all; do
    case $reader in
        list_c) rlabel="\`list_task_outputs()\`"; clabel=list ;;
        first_page) rlabel="the first page"; clabel="first page" ;;
        export_first) rlabel="the export's first row"; clabel="export 1st row" ;;
        export_all) rlabel="\`export_task_outputs()\`, all rows"; clabel="export, all rows" ;;
    esac
    for s in 20 50 sb20 sb50; do
        [ "${s#sb}" = "$s" ] && ten=10 || ten=sb10
        row "$rlabel, big tenant at ${SHARE_PCT[${s#sb}]}% of the table$([ "$ten" = sb10 ] && echo ", small shared_buffers")" "${reader}_$s" \
            "the same rows at ${SHARE_PCT[10]}%" "${reader}_$ten" "<=" "$SHARE_GOAL" "≤ $SHARE_GOAL (the same rows)" \
            "$clabel at ${s#sb}% vs 10%$([ "$ten" = sb10 ] && echo ", small sb")"
    done
done

# the chart: each ratio beside its goal (log scale; below the mark is met)
gnuplot -e "datafile='$CHART_DAT'; outfile='$CHART'; width=$((300 + 42 * NCASE)); subtitle='$MODE run, PostgreSQL $PG_VERSION, $(fmt_int "$TOTAL_ROWS") outputs (main database)'" \
    bench/chart.gp 2>"$OUT/gnuplot.err" || { echo "gnuplot failed:"; cat "$OUT/gnuplot.err"; }

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src task_outputs--*.sql 2>/dev/null || COMMIT="$COMMIT (modified)"
RUN_CMD="bench/run.sh"
[ "$MODE" = quick ] && RUN_CMD="bench/run.sh --quick"
[ "$PROFILE" = 1 ] && RUN_CMD="$RUN_CMD --profile"
[ -n "$SUFFIX" ] && RUN_CMD="PG_CONFIG=…/pg_config $RUN_CMD"
CHART_NAME=$(basename "$CHART")

{
    echo "# task_outputs read benchmark: $MODE run"
    echo
    echo "\`$RUN_CMD\` on $(date -u +%Y-%m-%d), commit $COMMIT: PostgreSQL $PG_VERSION, $(nproc) × $CPU, $((RAM_MB / 1024)) GiB RAM."
    echo "Settings: shared_buffers ${SHARED_MB}MB (every table fits), work_mem $WORK_MEM, PostgreSQL's default \`jit = on\`"
    echo "($([ "$JIT_AVAILABLE" = t ] && echo "JIT available" || echo "this build has no JIT: PostgREST's query runs without it only")), random_page_cost 1.1, effective_cache_size $((RAM_MB * 2 / 3))MB. The small-memory cases"
    echo "(\"small shared_buffers\", \"defaults\") restart the cluster with shared_buffers at 25% of the table measured and"
    echo "work_mem and the planner's cost settings at PostgreSQL's defaults (${SB_SETTINGS:-}). The whole run took"
    echo "$((TOTAL_S / 60)) min $((TOTAL_S % 60)) s (loading ${LOAD_S} s, VACUUM ANALYZE ${VACUUM_S} s); the machine's load average"
    echo "(every 30 s) was $(awk '{ s += $1; if ($1 > m) m = $1 } END { if (NR) printf "%.1f on average, %.1f at most", s / NR, m; else printf "not sampled" }' "$OUT/load.txt") on $(nproc) cores, the benchmark's own session counting for about 1$(awk -v n="$(nproc)" '{ s += $1 } END { if (NR && s / NR > n + 1) printf ": a busy machine, whose noise the ratios share but the times do not" }' "$OUT/load.txt")."
    echo
    echo "Data (\`bench/generate.sql\`, fixed seed). Main database: $(fmt_int "$MAIN_ROWS") task outputs over $NORGS organizations —"
    echo "the big one holds $(fmt_int "$BIG_ROWS") ($(fmt_int "$BIG_VISIBLE") visible, 1 in 8 soft-deleted; ${SHARE_PCT[10]}% of the table), the small one $(fmt_int "$SMALL_VISIBLE") visible —"
    echo "plus an export organization of $(fmt_int "$EXPORT_VISIBLE") and a text-heavy one of $(fmt_int "$TEXT_VISIBLE") visible outputs ($TEXT_SIZES,"
    echo "a few long strings with the occasional escape and non-ASCII character; $TEXT_JSON_MB of JSON); 0.5–1 KB jsonb outputs"
    echo "elsewhere; $(fmt_int "$TOTAL_ROWS") rows, $TABLE_MB MB of table, TOAST and indexes. Two more databases hold the same big"
    echo "tenant (the same rows) at ${SHARE_PCT[20]}% ($(fmt_int "${DB_ROWS[bench_s20]}") rows, ${DB_MB[bench_s20]} MB) and ${SHARE_PCT[50]}% ($(fmt_int "${DB_ROWS[bench_s50]}") rows, ${DB_MB[bench_s50]} MB) of the table."
    echo
    echo "Times are medians of $((ROUNDS_BIG * RUNS_BIG)) runs (lists: $ROUNDS_BIG rounds of $RUNS_BIG; small shared_buffers: $ROUNDS_SB rounds),"
    echo "$((ROUNDS_SMALL * RUNS_SMALL)) runs (deep page, RLS: $ROUNDS_SMALL rounds of $RUNS_SMALL), $((ROUNDS_FIRST * RUNS_FIRST)) (first rows) or $ROUNDS_EXPORT (whole exports),"
    echo "the cases of a comparison interleaved round by round, each case in its own session per round after a"
    echo "warm-up run; each statement returns only \`octet_length\` of its result; the tenant's role is a"
    echo "\`task_outputs_reader\` under row-level security. PostgREST's query is timed without and with JIT and the"
    echo "faster counts; the jsonb render floor (only the summary and output columns to text, the same rows in index"
    echo "order) runs without JIT or parallel workers. Ratio = the figure's time ÷ the baseline's time (lower is better),"
    echo "except for the export's memory (growth ÷ budget) and the first rows (time ÷ the goal)."
    echo
    echo "| case | figure | baseline | ratio | goal | met? |"
    echo "|---|---|---|---|---|---|"
    printf "%s" "$ROWS"
    echo
    echo "![ratios against goals]($CHART_NAME)"
    echo
    echo "## Lists by tenant share, memory and kind of data"
    echo
    echo "Ratios of the medians, and in brackets of the minima. The last three columns measure the same json values"
    echo "with \`pg_column_size\` instead of \`octet_length(…::text)\`, whose two copies of the result are in both sides' times."
    echo
    echo "| tenant | settings | \`list_task_outputs()\` | PostgREST's query: without JIT / with JIT | × faster (goal ≥ 3) | jsonb render floor | ratio to the floor (goal < 1.0) | same bytes as PostgREST | without the cast: list / PostgREST | × faster | ratio to the floor |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for s in 10 20 50 text sb10 sb20 sb50 sbtext; do
        [ -n "${C_SQL[list_c_$s]:-}" ] || continue
        x=$(speedup "postgrest_$s" "postgrest_jit_$s" "list_c_$s")
        f=$(ratios "list_c_$s" "jsonb_text_$s")
        raw="– | – | –"
        [ -n "${C_SQL[list_raw_$s]:-}" ] &&
            raw="$(ms_or_err "list_raw_$s") / $(ms_or_err "postgrest_raw_$s") | $(speedup "postgrest_raw_$s" "" "list_raw_$s") | $(ratios "list_raw_$s" "jsonb_text_$s")"
        echo "| $(share_label "$s") | $(settings_label "$s") | $(ms_or_err "list_c_$s") | $(ms_or_err "postgrest_$s") / $([ "$JIT_AVAILABLE" = t ] && ms_or_err "postgrest_jit_$s" || echo "no JIT") | $x | $(ms_or_err "jsonb_text_$s") | $f | ${SAME[${s#sb}]:-–} | $raw |"
    done
    echo
    echo "## First rows, and the same reader at every share (big tenant, the same $(fmt_int "$BIG_VISIBLE") visible rows)"
    echo
    echo "| share | settings | first page ($PAGE rows) | PostgREST's page (\`json_agg … LIMIT $PAGE\`) | floor, $PAGE rows | export's first row | SQL's first row (\`to_json … LIMIT 1\`) | whole export | SQL export (\`to_json\` per row) | list |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for s in 10 20 50 sb10 sb20 sb50; do
        opt() { [ -n "${C_SQL[$1]:-}" ] && ms_or_err "$1" || echo –; }
        echo "| ${SHARE_PCT[${s#sb}]}% | $(settings_label "$s") | $(opt "first_page_$s") | $(opt "first_page_pgrst_$s") | $(opt "first_page_floor_$s") | $(opt "export_first_$s") | $(opt "export_first_sql_$s") | $(opt "export_all_$s") | $(opt "export_all_sql_$s") | $(opt "list_c_$s") |"
    done
    echo
    echo "Also measured:"
    echo
    if [ "$PAGE_AVAILABLE" = 1 ]; then
        echo "- The deep page holds exactly the rows of \`OFFSET $DEPTH LIMIT $PAGE\`: $SAME_AS_OFFSET."
    fi
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
    for f in $(ls -tr "$OUT"/times-*.txt 2>/dev/null); do
        id=${f#"$OUT"/times-}
        id=${id%.txt}
        sort -g "$f" | awk -v id="$id" '{v[NR] = $1} END {
            printf "| %s | %d | %.2f | %.2f | %.2f |\n", id, NR, v[1],
                (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
    done
    echo
    echo "Plans (\`EXPLAIN (ANALYZE, BUFFERS)\` once per case under its settings; the C functions' own statements through"
    echo "auto_explain, one statement after another; \`CHECK\` names what a reader's plan should not do: a sequential"
    echo "scan, a sort, parallel workers, JIT, more rows than the tenant's):"
    echo
    for f in $(ls -tr "$OUT"/plan-*.txt 2>/dev/null); do
        id=${f#"$OUT"/plan-}
        id=${id%.txt}
        [ -n "${PLAN[$id]:-}" ] && echo "- $id: ${PLAN[$id]}"
    done
    if [ "$PROFILE" = 1 ]; then
        echo
        echo "Profiles (\`perf record\` of the backend while it runs the case for about 3 s; share of the samples by"
        echo "component, \`bench/profile.sh\`; the top functions are in \`bench/out/profile-<case>.txt\`):"
        echo
        for id in "${!PROFILE_SUMMARY[@]}"; do echo "- $id: ${PROFILE_SUMMARY[$id]}"; done | sort
    fi
} >"$REPORT"

log "report: $REPORT, chart: $CHART"
cat "$REPORT"
echo
echo "bench: $MODE run done in $(( $(date +%s) - START_TIME ))s"
