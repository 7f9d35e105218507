#!/usr/bin/env bash
# bench/citus.sh -- what running distributed costs: the API through the
# coordinator of a Citus cluster (a coordinator and two workers on this
# machine, tools/citus-cluster.sh) beside a single node of the same build
# and settings, on the same data, in one run.
#
#   bench/citus.sh [--rounds N] [--keep]
#
# The data set (bench/citus.sql, with bench/generate.sql's documents): an
# organization of 100,000 outputs and 16 of 2,000, the latter spread over
# both workers.  Cases, each measured as the median of N rounds (default
# 7) that alternate the single node and the coordinator, each round a
# pgbench run of one client in a session of its own (warm caches, plans
# and connections):
#   - page: list_task_outputs_page() of the big organization (100 rows);
#   - get: get_task_output(id) of one of 200 of its outputs, at random;
#   - floor: one of those rows by its key in plain SQL, as a superuser,
#     which Citus routes to one shard: what Citus itself adds to a
#     statement through the coordinator;
#   - list: list_task_outputs() of the big organization (87,500 rows,
#     about 100 MB of JSON), a few calls a round;
#   - export's first row: FETCH 1 from a cursor over export_task_outputs(),
#     timed by psql (ten in a session, the median, per round);
#   - mixed: 4 clients for 30 s over the 16 organizations at random: pages
#     of 20 (40%), reads by id (30%), writes (20%), counts (10%).
# Every read returns a byte count, so nothing large travels to the client.
# Callers are gateways (bench_reader, bench_writer: the organization from
# the session, given in the connection's options), as PostgREST calls.
# Writes a report to bench/results/citus-latest.md; raw output to
# bench/out/citus/.  --keep leaves both servers running.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

ROUNDS=7
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) ROUNDS=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: bench/citus.sh [--rounds N] [--keep]" >&2; exit 2 ;;
    esac
done

OUT=bench/out/citus
REPORT=bench/results/citus-latest.md
mkdir -p "$OUT" bench/results
rm -f "$OUT"/*
START=$(date +%s)

ensure_packages make gcc "postgresql-$PG_MAJOR" || exit 1
if [ -z "${CITUS_CLUSTER_STATE:-}" ]; then
    CITUS_CLUSTER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-citus-bench.XXXXXX")
    chmod 755 "$CITUS_CLUSTER_STATE"
    CITUS_CLUSTER_STATE=$CITUS_CLUSTER_STATE/cluster
fi
export CITUS_CLUSTER_STATE
export INSTALL_DESTDIR=${INSTALL_DESTDIR:-$CITUS_CLUSTER_STATE/install}
CITUS_DATABASE=bench tools/citus-cluster.sh start | sed 's/^/  /' || exit 1
export CITUS_DATABASE=bench
port_of() { awk -v n="$1" '$1 == n { print $3 }' "$CITUS_CLUSTER_STATE/nodes"; }
COORDINATOR=$(port_of coordinator)
start_cluster >/dev/null || exit 1
SINGLE_DIR=$CLUSTER_DIR
SINGLE=$PGPORT
unset PGHOST PGPORT PGUSER PGDATABASE CLUSTER_DIR
cleanup() {
    if [ "$KEEP" = 1 ]; then
        echo "left running: the coordinator on port $COORDINATOR, the single node on port $SINGLE (database bench)"
    else
        tools/citus-cluster.sh stop >/dev/null 2>&1
        CLUSTER_DIR=$SINGLE_DIR stop_cluster
        rmdir "$(dirname "$CITUS_CLUSTER_STATE")" 2>/dev/null
    fi
}
trap cleanup EXIT

sql() { local port=$1; shift; "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d bench "$@"; }
"$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SINGLE" -U postgres -d postgres -c "CREATE DATABASE bench" || exit 1
sql "$SINGLE" -c "CREATE EXTENSION task_outputs" || exit 1
sql "$COORDINATOR" -c "SELECT task_outputs.distribute()" || exit 1

echo "== loading the data set on both (bench/citus.sql)"
for port in "$SINGLE" "$COORDINATOR"; do
    t=$(date +%s)
    { sql "$port" -v divisor=20 -f bench/generate.sql && sql "$port" -f bench/citus.sql &&
      sql "$port" -c "VACUUM (ANALYZE)"; } 2>&1 | grep -v NOTICE
    echo "   port $port: $(( $(date +%s) - t )) s"
done
read -r BIG BIG_ROWS < <(sql "$SINGLE" -At -F' ' -c "SELECT org_id, (SELECT count(*) FROM task_outputs.outputs
                                                        WHERE organization_id = o.org_id AND status <> 'deleted')
                                                     FROM bench.citus_orgs o WHERE n = 0")
SPREAD=$(sql "$COORDINATOR" -At -c "SELECT string_agg(format('%s on %s', c, nodeport), ', ' ORDER BY nodeport)
                                      FROM (SELECT n.nodeport, count(*) AS c FROM bench.citus_orgs o
                                              JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('task_outputs.outputs', o.org_id)
                                              JOIN pg_dist_node n USING (groupid)
                                             WHERE o.n > 0 GROUP BY n.nodeport) s")

# the scripts
cat >"$OUT/page.sql" <<'EOF'
SELECT octet_length(task_outputs.list_task_outputs_page()::text);
EOF
cat >"$OUT/get.sql" <<'EOF'
\set k random(1, 200)
SELECT octet_length(task_outputs.get_task_output(s.id)::text) FROM bench.citus_sample s WHERE s.n = 0 AND s.k = :k;
EOF
# Citus's own cost of a statement through the coordinator: one row by its
# key, plain SQL as a superuser, routed to one shard
read -r FLOOR_ID < <(sql "$SINGLE" -At -c "SELECT id FROM bench.citus_sample WHERE n = 0 AND k = 1")
cat >"$OUT/floor.sql" <<EOF
SELECT octet_length(summary::text) FROM task_outputs.outputs
 WHERE organization_id = '$BIG' AND id = '$FLOOR_ID';
EOF
cat >"$OUT/list.sql" <<'EOF'
SELECT octet_length(task_outputs.list_task_outputs()::text);
EOF
cat >"$OUT/export.sql" <<'EOF'
\timing on
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
BEGIN; DECLARE c CURSOR FOR SELECT task_outputs.export_task_outputs(); FETCH 1 FROM c; COMMIT;
EOF
# the mixed workload: an organization of 1..16 per transaction, set for
# the transaction (set_config, as a gateway does), then one call
for mix in page get write count; do
    case $mix in
        page) call="octet_length(task_outputs.list_task_outputs_page(\"limit\" => 20)::text)" ;;
        get) call="octet_length(task_outputs.get_task_output(s.id)::text)" ;;
        write) call="(task_outputs.record_task_output(s.flow_execution_id, 'bench', '{\"n\": 1}', status => 'running')).status" ;;
        count) call="task_outputs.count_task_outputs(status => '{completed}')" ;;
    esac
    cat >"$OUT/mixed-$mix.sql" <<EOF
\\set n random(1, 16)
\\set k random(1, 200)
SELECT $call FROM (SELECT set_config('task_outputs.org_id', org_id::text, true), id, flow_execution_id
                     FROM bench.citus_sample WHERE n = :n AND k = :k) s;
EOF
done

# median of numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# pgbench PORT ROLE ORG SCRIPT ARGS...: the average latency in ms
latency() {
    local port=$1 role=$2 org=$3 script=$4
    shift 4
    PGOPTIONS="-c task_outputs.org_id=$org" "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$port" -U "$role" \
        -f "$script" "$@" bench 2>&1 | tee -a "$OUT/pgbench.log" | awk '/^latency average/ { print $4 }'
}

# the first row's FETCH of each export, in ms: the third of the four
# statements of each line of export.sql; the first export warms up
first_rows() {
    PGOPTIONS="-c task_outputs.org_id=$2" "$PG_BIN/psql" -X -h 127.0.0.1 -p "$1" -U bench_reader -d bench \
        -f "$OUT/export.sql" 2>&1 | tee -a "$OUT/export.log" |
        awk '/^Time:/ && ++n % 4 == 3 { print $2 }' | tail -n +2
}

declare -A samples
measure() {
    local name=$1 round port value
    shift
    for round in $(seq 1 "$ROUNDS"); do
        for port in "$SINGLE" "$COORDINATOR"; do
            value=$("$@" "$port")
            samples[$name,$port]+="$value "
        done
    done
}
case_page() { latency "$1" bench_reader "$BIG" "$OUT/page.sql" -T 5; }
case_get() { latency "$1" bench_reader "$BIG" "$OUT/get.sql" -T 5; }
case_floor() { latency "$1" postgres "$BIG" "$OUT/floor.sql" -T 5; }
case_list() { latency "$1" bench_reader "$BIG" "$OUT/list.sql" -t 3; }
case_export() { first_rows "$1" "$BIG" | median; }

echo "== measuring: $ROUNDS rounds per case, single node and coordinator alternating"
measure page case_page
measure get case_get
measure floor case_floor
measure list case_list
measure export case_export
for port in "$SINGLE" "$COORDINATOR"; do
    "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$port" -U bench_writer -c 4 -j 2 -T 30 \
        -f "$OUT/mixed-page.sql@40" -f "$OUT/mixed-get.sql@30" -f "$OUT/mixed-write.sql@20" \
        -f "$OUT/mixed-count.sql@10" bench >"$OUT/mixed-$port.log" 2>&1
    samples[mixed,$port]=$(awk '/^tps = / { print $3; exit }' "$OUT/mixed-$port.log")
    samples[mixedlat,$port]=$(awk '/^latency average/ { print $4; exit }' "$OUT/mixed-$port.log")
    samples[mixedfail,$port]=$(awk '/^number of failed transactions/ { print $5; exit }' "$OUT/mixed-$port.log")
done

med() { tr ' ' '\n' <<<"${samples[$1,$2]}" | grep -v '^$' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f×", b / a; else print "n/a" }'; }
row() {
    local single coordinator
    single=$(med "$1" "$SINGLE")
    coordinator=$(med "$1" "$COORDINATOR")
    printf '| %s | %s ms | %s ms | %s | %s |\n' "$2" "$single" "$coordinator" "$(ratio "$single" "$coordinator")" "$3"
}

COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
PGVER=$("$PG_BIN/psql" -XAt -h 127.0.0.1 -p "$SINGLE" -U postgres -d bench -c "SELECT version()" | sed 's/ on .*//')
CITUSVER=$(sql "$COORDINATOR" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'")
{
    echo "# task_outputs on Citus: what the coordinator costs"
    echo
    echo "\`bench/citus.sh\` on $(date -u +%Y-%m-%d), commit $COMMIT: $PGVER, Citus $CITUSVER; a coordinator and two"
    echo "workers on this machine ($(nproc) cores, shared with other work), beside a single node of the same build"
    echo "and settings; the whole run took $(( ($(date +%s) - START) / 60 )) min."
    echo
    echo "Data: an organization of 100,000 outputs ($BIG_ROWS visible) and 16 of 2,000 ($SPREAD)."
    echo "Each latency is the median over $ROUNDS rounds, single node and coordinator alternating, of a"
    echo "one-client pgbench run (page, get: 5 s; list: 3 calls) or of ten FETCHes (export)."
    echo
    echo "| case | single node | coordinator | ratio | target |"
    echo "|---|---|---|---|---|"
    row page "one page of 100: \`list_task_outputs_page()\`" "≤ 2×"
    row get "\`get_task_output(id)\`" "≤ 2×"
    row floor "the floor: one row by its key in plain SQL, routed by Citus" "—"
    row list "\`list_task_outputs()\` of $BIG_ROWS rows" "≤ 2×"
    row export "first row of \`export_task_outputs()\`" "≤ 10 ms"
    echo
    echo "Mixed API calls, 4 clients, 30 s, over the 16 organizations (pages of 20 40%, reads by id 30%,"
    echo "writes 20%, counts 10%):"
    echo
    echo "| | transactions/s | average latency | failed |"
    echo "|---|---|---|---|"
    echo "| single node | ${samples[mixed,$SINGLE]} | ${samples[mixedlat,$SINGLE]} ms | ${samples[mixedfail,$SINGLE]:-0} |"
    echo "| coordinator | ${samples[mixed,$COORDINATOR]} | ${samples[mixedlat,$COORDINATOR]} ms | ${samples[mixedfail,$COORDINATOR]:-0} |"
    echo
    echo "Through the coordinator, \`get_task_output(id)\` takes $(ratio "$(med floor "$COORDINATOR")" "$(med get "$COORDINATOR")") the floor's time:"
    echo "what the coordinator adds to a call is mostly what Citus adds to any statement it routes."
    echo
    echo "Rounds, in ms (single node; coordinator):"
    echo
    for name in page get floor list export; do
        echo "- $name: ${samples[$name,$SINGLE]}; ${samples[$name,$COORDINATOR]}"
    done
} >"$REPORT"
cat "$REPORT"
