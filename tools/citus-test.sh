#!/usr/bin/env bash
# tools/citus-test.sh -- the distributed suite: task_outputs on a real Citus
# cluster (a coordinator and two workers, tools/citus-cluster.sh, Citus
# built from ../shared/citus once and cached), beside a single node of the
# same build, with one tally at the end.  Exits non-zero when anything
# failed.
#
#   tools/citus-test.sh
#
# What it runs, in order (test/citus/ says what each file checks):
#   1. distribute(), then the API scenario (test/citus/scenario.psql) and a
#      gateway's requests as a real login (gateway.psql) on the single node
#      and on the coordinator: the outputs must be equal once generated ids
#      and timestamps are masked;
#   2. the differential checks (differential.sql) and plain SQL by the
#      trusted tier (plain_sql.sql) on both;
#   3. what distribution adds (distributed.sql); every API entry point
#      routed to one node, whose own statements stay on that organization's
#      shards (routing.psql); the hostile tenant on the coordinator and on
#      each worker, and its propagated settings (hostile_settings.sql);
#      the grants' invalidation across sessions, on a worker;
#   4. the isolation specs (specs/) against the coordinator of a database
#      of their own;
#   5. topology: a worker added and the shards rebalanced, an organization
#      isolated to a shard of its own and moved to the new worker, each
#      followed by the differential, routing and hostile checks;
#   6. upgrades: an update script of the test's own applied on the
#      distributed install with task_outputs_internal.apply_table_ddl (an
#      index on every node's table and every shard, twice), and a database
#      created at 0.1.0, updated, then distributed.
#
# It skips, with a line saying so and exit status 0, only where Citus
# cannot be built: no Citus source, or a PostgreSQL major version the
# Citus release does not support.  A Citus that fails to build where it
# should is a failure.  It installs what it needs with apt-get (through
# tools/common.sh and tools/build-citus.sh) and runs PostgreSQL as the
# postgres user; nothing is installed into the server's own directories
# but Citus.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

CITUS_SUPPORTED_MAJORS="15 16 17"
citus_source=${CITUS_SOURCE:-$(cd .. && pwd)/shared/citus}
if ! ls "$citus_source"/citus-*.tar.gz >/dev/null 2>&1; then
    echo "citus-test: SKIPPED: no Citus source in $citus_source (set CITUS_SOURCE)"
    exit 0
fi
case " $CITUS_SUPPORTED_MAJORS " in
    *" $PG_MAJOR "*) ;;
    *) echo "citus-test: SKIPPED: Citus $(basename "$citus_source"/citus-*.tar.gz .tar.gz) does not build for PostgreSQL $PG_MAJOR"
       exit 0 ;;
esac

ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-pgtap" \
    libtap-parser-sourcehandler-pgtap-perl || exit 1
tools/build-citus.sh >/dev/null || { echo "citus-test: building Citus failed"; exit 1; }

if [ -z "${CITUS_CLUSTER_STATE:-}" ]; then
    CITUS_CLUSTER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-citus-test.XXXXXX")
    chmod 755 "$CITUS_CLUSTER_STATE"    # the servers read the staged install in it
    CITUS_CLUSTER_STATE=$CITUS_CLUSTER_STATE/cluster
fi
export CITUS_CLUSTER_STATE
export INSTALL_DESTDIR=${INSTALL_DESTDIR:-$CITUS_CLUSTER_STATE/install}
work=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-citus-work.XXXXXX")
chmod 755 "$work"
single_dir=

cleanup() {
    tools/citus-cluster.sh stop >/dev/null 2>&1
    [ -n "$single_dir" ] && CLUSTER_DIR=$single_dir stop_cluster
    rm -rf "$work"
    rmdir "$(dirname "$CITUS_CLUSTER_STATE")" 2>/dev/null
}
trap cleanup EXIT

tools/citus-cluster.sh start | sed 's/^/  /' || exit 1
port_of() { awk -v n="$1" '$1 == n { print $3 }' "$CITUS_CLUSTER_STATE/nodes"; }
COORDINATOR=$(port_of coordinator)
WORKER1=$(port_of worker1)
WORKER2=$(port_of worker2)

# the single node: the same build, without Citus
start_cluster >/dev/null || exit 1
single_dir=$CLUSTER_DIR
SINGLE=$PGPORT
unset PGHOST PGPORT PGUSER PGDATABASE CLUSTER_DIR
"$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$SINGLE" -U postgres -d postgres -c "CREATE DATABASE task_outputs" >/dev/null

# psql PORT [ROLE] [psql arguments...], in database task_outputs
sql() {
    local port=$1 role=postgres
    shift
    case ${1:-} in to_c_* | postgres) role=$1; shift ;; esac
    "$PG_BIN/psql" -X -h 127.0.0.1 -p "$port" -U "$role" -d "${DB:-task_outputs}" "$@"
}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local description=$1; shift; if "$@"; then ok "$description"; else not_ok "$description"; fi; }

# pg_prove PORT ROLE FILE [pg_prove arguments]: its tests into the tally
prove() {
    local port=$1 role=$2 file=$3 out total bad
    shift 3
    out=$(pg_prove -h 127.0.0.1 -p "$port" -U "$role" -d "${DB:-task_outputs}" "$@" "$file" 2>&1)
    total=$(grep -oE "Tests=[0-9]+" <<<"$out" | grep -oE "[0-9]+" || echo 0)
    bad=$(grep -oE "Failed [0-9]+/[0-9]+ subtests" <<<"$out" | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
    grep -q "^Result: PASS" <<<"$out" || [ "$bad" -gt 0 ] || bad=1
    passed=$((passed + total - bad))
    failed=$((failed + bad))
    if [ "$bad" -gt 0 ]; then
        echo "not ok - $file on port $port as $role: $bad of $total failed"
        sed 's/^/    /' <<<"$out" | tail -40
    else
        echo "ok - $file on port $port as $role: $total tests"
    fi
}

# generated ids, clock readings, shard suffixes and ports differ between
# installs; nothing else may
normalize() {
    sed -e 's/[0-9a-f]\{8\}-[0-9a-f]\{4\}-7[0-9a-f]\{3\}-[89ab][0-9a-f]\{3\}-[0-9a-f]\{12\}/<uuid7>/g' \
        -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]\(\.[0-9]*\)\{0,1\}/<ts>/g' \
        -e '/^LOCATION:/d' \
        -e '/^\(SCHEMA\|TABLE\|COLUMN\|DATATYPE\|CONSTRAINT\) NAME:/d' \
        -e 's/\("[a-z_]*\)_[0-9]\{6,\}"/\1"/g' \
        -e 's/port [0-9]* failed/port <port> failed/'
}

# the same psql script on both installs, as ROLE: equal outputs
same_on_both() {
    local description=$1 role=$2 file=$3
    sql "$SINGLE" "$role" -f "$file" 2>&1 | normalize >"$work/single.out"
    sql "$COORDINATOR" "$role" -f "$file" 2>&1 | normalize >"$work/coordinator.out"
    if [ ! -s "$work/single.out" ]; then
        not_ok "$description: no output"
    elif cmp -s "$work/single.out" "$work/coordinator.out"; then
        ok "$description ($(wc -l <"$work/single.out") lines, $(grep -c ERROR "$work/single.out") errors, equal)"
    else
        not_ok "$description: the outputs differ"
        diff "$work/single.out" "$work/coordinator.out" | head -40 | sed 's/^/    /'
    fi
}

# the port of the node that holds organization $1's shards
node_of() {
    sql "$COORDINATOR" -Atc "SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
                             WHERE p.shardid = get_shard_id_for_distribution_column('task_outputs.outputs', '$1')"
}

# every API entry point for organization $1: one statement each, to its node,
# whose own statements stay local on that organization's shards
routing() {
    local org=$1 node shards report
    node=$(node_of "$org")
    shards=$(sql "$COORDINATOR" -Atc "SELECT string_agg(get_shard_id_for_distribution_column(t, '$org')::text, ' ')
                                        FROM unnest(ARRAY['task_outputs.outputs', 'task_outputs.flow_executions',
                                                          'task_outputs.audit_trail']::regclass[]) t")
    report=$(sql "$COORDINATOR" -v org="$org" -f test/citus/routing.psql 2>&1 >/dev/null | awk '
        function flush() { if (name != "" && name != "end") printf "%s %d %s %d %s\n", name, n, (ports == "" ? "-" : ports), nested, (used == "" ? "-" : used) }
        function add(list, item) { return index("," list ",", "," item ",") ? list : list (list == "" ? "" : ",") item }
        /^CALL / { flush(); name = $2; n = 0; nested = 0; ports = ""; used = ""; kind = ""; next }
        /NOTICE:  issuing / {
            cmd = $0; sub(/.*issuing /, "", cmd)
            kind = (cmd ~ /^(BEGIN|COMMIT|ROLLBACK|PREPARE TRANSACTION|COMMIT PREPARED|ROLLBACK PREPARED|SET LOCAL|SELECT assign_distributed_transaction_id)/) ? "control" : "issued"
            next
        }
        /NOTICE:  executing the command locally: / {
            kind = "local"; cmd = $0
            while (match(cmd, /_[0-9][0-9][0-9][0-9][0-9][0-9]+ /)) { used = add(used, substr(cmd, RSTART + 1, RLENGTH - 2)); cmd = substr(cmd, RSTART + RLENGTH) }
            next
        }
        /DETAIL:  on server / { if (kind == "issued") { n++; port = $0; sub(/.*@[^:]*:/, "", port); sub(/ .*/, "", port); ports = add(ports, port) } kind = ""; next }
        /DETAIL:  from / { if (kind == "issued") nested++; kind = ""; next }
        END { flush() }')
    if [ "$(wc -l <<<"$report")" -ne 15 ]; then
        not_ok "routing of $org: 15 entry points expected, got: $report"
        return
    fi
    while read -r name count ports nested used; do
        local outside
        outside=$(tr ',' '\n' <<<"$used" | grep -v '^-$' | grep -vxF -f <(tr ' ' '\n' <<<"$shards") | tr '\n' ' ')
        # an export sends one statement per chunk
        if { [ "$count" -eq 1 ] || { [ "$name" = export_task_outputs ] && [ "$count" -ge 1 ]; }; } &&
            [ "$ports" = "$node" ] && [ "$nested" -eq 0 ] && [ -z "$outside" ]; then
            ok "$name for $org: $count statement(s), to its node ($node), local there on its shards"
        else
            not_ok "$name for $org: $count statements to $ports (want 1 to $node), $nested sent on from there, shards outside its group: ${outside:-none}"
        fi
    done <<<"$report"
}

# the hostile tenant on every node, and with a twin granted by mistake on
# the node of its organization's shards
hostile() {
    local name port node_a
    for name in $(awk '{print $1}' "$CITUS_CLUSTER_STATE/nodes"); do
        port=$(port_of "$name")
        prove "$port" to_c_tenant test/citus/hostile.sql
    done
    prove "$COORDINATOR" to_c_tenant test/citus/hostile_settings.sql
    node_a=$(node_of 0a000000-0000-4000-8000-00000000000a)
    local twin="task_outputs_internal.count_task_outputs(task_outputs_internal.uuid_argument, boolean, task_outputs_internal.text_argument, task_outputs_internal.text_array_argument, task_outputs_internal.uuid_argument, task_outputs_internal.text_argument, task_outputs.task_output_status[], task_outputs_internal.text_array_argument, task_outputs_internal.jsonb_argument, task_outputs_internal.timestamptz_argument, task_outputs_internal.timestamptz_argument, boolean)"
    sql "$node_a" -q -c "SET citus.enable_ddl_propagation = off" \
        -c "GRANT USAGE ON SCHEMA task_outputs_internal TO to_c_tenant" \
        -c "GRANT EXECUTE ON FUNCTION $twin TO to_c_tenant" >/dev/null
    prove "$node_a" to_c_tenant test/citus/hostile.sql --set mistake=true
    sql "$node_a" -q -c "SET citus.enable_ddl_propagation = off" \
        -c "REVOKE ALL ON SCHEMA task_outputs_internal FROM to_c_tenant" \
        -c "REVOKE ALL ON FUNCTION $twin FROM to_c_tenant" >/dev/null
}

# A revoke committed by another session is seen by a transaction already
# running, also when that transaction's row-level security is decided on a
# worker (the grants' placement fires the invalidation there).
grants_invalidation() {
    local port=$1 where=$2 fifo="$work/fifo.$port" out="$work/session.$port" before after
    rm -f "$fifo"
    mkfifo "$fifo"
    sql "$port" to_c_reader -At <"$fifo" >"$out" 2>&1 &
    exec 7>"$fifo"
    echo "BEGIN; SET LOCAL citus.propagate_set_commands = 'local';" >&7
    echo "SET LOCAL task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';" >&7
    echo "SELECT 'count ' || count(*) FROM task_outputs.outputs;" >&7
    sleep 2
    sql "$port" -q -c "SELECT task_outputs.revoke_organization('to_c_reader', '0a000000-0000-4000-8000-00000000000a')" >/dev/null
    echo "SELECT 'count ' || count(*) FROM task_outputs.outputs;" >&7
    echo "ROLLBACK;" >&7
    exec 7>&-
    wait
    sql "$port" -q -c "SELECT task_outputs.grant_organization('to_c_reader', '0a000000-0000-4000-8000-00000000000a')" >/dev/null
    before=$(grep '^count ' "$out" | sed -n 1p)
    after=$(grep '^count ' "$out" | sed -n 2p)
    if [ -n "$before" ] && [ "$before" != "count 0" ] && [ "$after" = "count 0" ]; then
        ok "a revoke reaches a transaction already running ($where): $before, then nothing"
    else
        not_ok "a revoke reaches a transaction already running ($where): got '$before' then '$after'"
        sed 's/^/    /' "$out"
    fi
    rm -f "$fifo"
}

# the differential, plain SQL, routing and hostile checks, after a change
after_change() {
    prove "$COORDINATOR" postgres test/citus/differential.sql
    prove "$COORDINATOR" to_c_admin test/citus/plain_sql.sql --set distributed=true
    routing 0a000000-0000-4000-8000-00000000000a
    hostile
}

echo "== the single node and the coordinator: the same API, the same results"
for port in "$SINGLE" "$COORDINATOR"; do
    sql "$port" -q -c "CREATE EXTENSION IF NOT EXISTS task_outputs" -c "CREATE EXTENSION pgtap" >/dev/null || exit 1
done
sql "$COORDINATOR" -q -c "SELECT task_outputs.distribute()" >/dev/null || exit 1
for port in "$SINGLE" "$COORDINATOR"; do
    sql "$port" -q -f test/citus/setup.sql >/dev/null || exit 1
done
same_on_both "the API scenario" postgres test/citus/scenario.psql
for port in "$SINGLE" "$COORDINATOR"; do
    sql "$port" -q -f test/citus/differential_data.psql >/dev/null || exit 1
done
same_on_both "a gateway's requests, logged in as the authenticator" to_c_authenticator test/citus/gateway.psql
prove "$SINGLE" postgres test/citus/differential.sql
prove "$COORDINATOR" postgres test/citus/differential.sql
prove "$SINGLE" to_c_admin test/citus/plain_sql.sql
prove "$COORDINATOR" to_c_admin test/citus/plain_sql.sql --set distributed=true

echo "== what distribution adds"
prove "$COORDINATOR" postgres test/citus/distributed.sql
routing 0a000000-0000-4000-8000-00000000000a
routing 6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01
hostile
grants_invalidation "$SINGLE" "single node"
grants_invalidation "$COORDINATOR" "on a worker"

echo "== the isolation specs against the coordinator"
iso_db=task_outputs_isolation
for name in coordinator worker1 worker2; do
    DB=postgres sql "$(port_of $name)" -q -c "CREATE DATABASE $iso_db" >/dev/null
    DB=$iso_db sql "$(port_of $name)" -q -c "CREATE EXTENSION citus" >/dev/null
done
DB=$iso_db sql "$COORDINATOR" -q \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORDINATOR)" \
    -c "SELECT citus_add_node('127.0.0.1', $WORKER1)" \
    -c "SELECT citus_add_node('127.0.0.1', $WORKER2)" \
    -c "CREATE EXTENSION task_outputs" \
    -c "SELECT task_outputs.distribute()" \
    -c "SELECT citus_internal.replace_isolation_tester_func()" >/dev/null || exit 1
pgxs_src=$(cd "$(dirname "$("$PG_BIN/pg_config" --pgxs)")/.." && pwd)
for spec in specs/*.spec; do
    name=$(basename "$spec" .spec)
    if timeout 600 "$pgxs_src/test/isolation/pg_isolation_regress" --host=127.0.0.1 --port="$COORDINATOR" \
        --user=postgres --use-existing --dbname=$iso_db --inputdir=. --outputdir="$work/isolation" \
        "$name" >"$work/isolation.log" 2>&1; then
        ok "specs/$name.spec against the coordinator"
    else
        not_ok "specs/$name.spec against the coordinator"
        sed 's/^/    /' "$work/isolation/regression.diffs" 2>/dev/null | head -40
    fi
done

echo "== topology: a worker added, the shards rebalanced"
tools/citus-cluster.sh add-worker | sed 's/^/  /'
WORKER3=$(port_of worker3)
sql "$COORDINATOR" -q -c "SELECT rebalance_table_shards('task_outputs.outputs', shard_transfer_mode => 'block_writes')" >/dev/null
# (placements of the extension's tables, from Citus's catalog: the
# citus_shards view leaves out the tables of extensions)
placements() {
    sql "$COORDINATOR" -Atc "SELECT s.shardid, n.nodeport FROM pg_dist_shard s
                               JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
                              WHERE s.logicalrelid = 'task_outputs.outputs'::regclass $1 ORDER BY s.shardid" | tr '|' ' '
}
check "the new worker holds shards after the rebalance" test "$(placements "AND n.nodeport = $WORKER3" | wc -l)" -gt 0
check "task_outputs on the new worker is the coordinator's version" \
    test "$(sql "$WORKER3" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'")" = \
         "$(sql "$COORDINATOR" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'")"
after_change

echo "== topology: an organization isolated to a shard of its own, moved to the new worker"
sql "$COORDINATOR" -q -c "SELECT isolate_tenant_to_new_shard('task_outputs.outputs', '0a000000-0000-4000-8000-00000000000a', 'CASCADE', shard_transfer_mode => 'block_writes')" >/dev/null
check "organization A has a shard of its own" \
    test "$(sql "$COORDINATOR" -Atc "SELECT shardminvalue = shardmaxvalue FROM pg_dist_shard
                                      WHERE shardid = get_shard_id_for_distribution_column('task_outputs.outputs', '0a000000-0000-4000-8000-00000000000a')")" = t
from=$(node_of 0a000000-0000-4000-8000-00000000000a)
to=$WORKER3
[ "$from" = "$WORKER3" ] && to=$WORKER1
sql "$COORDINATOR" -q -c "SELECT citus_move_shard_placement(get_shard_id_for_distribution_column('task_outputs.outputs', '0a000000-0000-4000-8000-00000000000a'),
                                                           '127.0.0.1', $from, '127.0.0.1', $to, shard_transfer_mode => 'block_writes')" >/dev/null
check "and it moved, with its co-located shards" test "$(node_of 0a000000-0000-4000-8000-00000000000a)" = "$to"
after_change

echo "== upgrades on the distributed install"
sharedir=$("$PG_BIN/pg_config" --sharedir)
ext_dirs=()
for name in $(awk '{print $1}' "$CITUS_CLUSTER_STATE/nodes"); do
    destdir=$(sql "$(port_of "$name")" -Atc "SELECT coalesce((SELECT setting FROM pg_settings WHERE name = 'extension_destdir'), '')")
    ext_dirs+=("$destdir$sharedir/extension")
done
for dir in $(printf '%s\n' "${ext_dirs[@]}" | sort -u); do
    for step in 0.2.0--0.2.0.1 0.2.0.1--0.2.0.2; do
        # a test's own update script: one index, added the way a release would
        cat >"$dir/task_outputs--$step.sql" <<'EOF'
\echo Use "ALTER EXTENSION task_outputs UPDATE" to load this file. \quit
SELECT task_outputs_internal.apply_table_ddl('outputs',
    'CREATE INDEX IF NOT EXISTS outputs_upgrade_test_idx ON task_outputs.outputs (organization_id, task_name)');
EOF
    done
done
indexes_everywhere() {
    local nodes placements expected_nodes expected_placements
    expected_nodes=$(wc -l <"$CITUS_CLUSTER_STATE/nodes")
    nodes=$(sql "$COORDINATOR" -Atc "SELECT count(*) FROM run_command_on_all_nodes(\$\$SELECT count(*) FROM pg_indexes
                                        WHERE schemaname = 'task_outputs' AND indexname = 'outputs_upgrade_test_idx'\$\$)
                                      WHERE success AND result = '1'")
    expected_placements=$(placements "" | wc -l)
    placements=$(sql "$COORDINATOR" -Atc "SELECT count(*) FROM run_command_on_placements('task_outputs.outputs',
                                            \$\$SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                                                WHERE i.indrelid = '%s'::regclass AND c.relname LIKE 'outputs_upgrade_test_idx%%'\$\$)
                                           WHERE success AND result = '1'")
    [ "$expected_placements" -gt 0 ] && [ "$nodes" = "$expected_nodes" ] && [ "$placements" = "$expected_placements" ] ||
        { echo "    index on $nodes of $expected_nodes nodes, $placements of $expected_placements shards"; return 1; }
}
sql "$COORDINATOR" -q -c "ALTER EXTENSION task_outputs UPDATE TO '0.2.0.1'" >/dev/null
check "0.2.0 -> 0.2.0.1 on the coordinator: the index on every node's table and every shard, once" indexes_everywhere
check "every node is at 0.2.0.1" \
    test "$(sql "$COORDINATOR" -Atc "SELECT count(*) FROM run_command_on_all_nodes(\$\$SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'\$\$) WHERE result = '0.2.0.1'")" = "$(wc -l <"$CITUS_CLUSTER_STATE/nodes")"
sql "$COORDINATOR" -q -c "ALTER EXTENSION task_outputs UPDATE TO '0.2.0.2'" >/dev/null
check "0.2.0.1 -> 0.2.0.2 applies the same statement again: still once everywhere" indexes_everywhere
read -r shard from <<<"$(placements "AND n.nodeport <> $WORKER2" | head -n 1)"
sql "$COORDINATOR" -q -c "SELECT citus_move_shard_placement($shard, '127.0.0.1', $from, '127.0.0.1', $WORKER2, shard_transfer_mode => 'block_writes')" >/dev/null
check "a shard moved after the update has the index (built from the coordinator's definition)" indexes_everywhere
routing 6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01
for dir in $(printf '%s\n' "${ext_dirs[@]}" | sort -u); do
    rm -f "$dir"/task_outputs--0.2.0--0.2.0.1.sql "$dir"/task_outputs--0.2.0.1--0.2.0.2.sql
done

echo "== 0.1.0 created on a Citus cluster, updated, then distributed"
up_db=task_outputs_upgrade
for name in coordinator worker1 worker2 worker3; do
    DB=postgres sql "$(port_of $name)" -q -c "CREATE DATABASE $up_db" >/dev/null
    DB=$up_db sql "$(port_of $name)" -q -c "CREATE EXTENSION citus" >/dev/null
done
DB=$up_db sql "$COORDINATOR" -q \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', $COORDINATOR)" \
    -c "SELECT citus_add_node('127.0.0.1', $WORKER1)" \
    -c "SELECT citus_add_node('127.0.0.1', $WORKER2)" \
    -c "SELECT citus_add_node('127.0.0.1', $WORKER3)" \
    -c "CREATE EXTENSION task_outputs VERSION '0.1.0'" >/dev/null
check "CREATE EXTENSION VERSION '0.1.0' reaches every node" \
    test "$(DB=$up_db sql "$COORDINATOR" -Atc "SELECT count(*) FROM run_command_on_all_nodes(\$\$SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'\$\$) WHERE result = '0.1.0'")" = 4
DB=$up_db sql "$COORDINATOR" -q -c "SET citus.enable_ddl_propagation = off" -c "ALTER EXTENSION task_outputs UPDATE" >/dev/null
distribute_refused() {
    local out
    out=$(DB=$up_db sql "$COORDINATOR" -Atc "SELECT task_outputs.distribute()" 2>&1)
    grep -q 'does not run task_outputs 0.2.0' <<<"$out"
}
check "distribute() refuses while the nodes run different versions" distribute_refused
# as Citus itself sends it to a worker, which refuses the statement otherwise
for name in worker1 worker2 worker3; do
    DB=$up_db sql "$(port_of $name)" -q -c "SET citus.enable_ddl_propagation = off" -c "ALTER EXTENSION task_outputs UPDATE" >/dev/null
done
# the README's blocks "-- on the Citus coordinator ...", in order, as pasted
readme_block() {
    awk -v want="$1" '
        /^```sql$/ { inblock = 1; text = ""; next }
        inblock && /^```$/ { inblock = 0; if (text ~ /^-- on the Citus coordinator/ && ++n == want) { printf "%s", text; exit } next }
        inblock { text = text $0 "\n" }' README.md
}
distribute_works() {
    readme_block 1 | grep -q 'task_outputs.distribute()' &&
        readme_block 1 | DB=$up_db sql "$COORDINATOR" -q -v ON_ERROR_STOP=1 -f - >/dev/null
}
check "ALTER EXTENSION UPDATE on every node, then distribute() as the README shows it" distribute_works
check "the API on the updated, distributed install" \
    test "$(DB=$up_db sql "$COORDINATOR" -At -v ON_ERROR_STOP=1 \
              -c "SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a'" \
              -c "SELECT task_outputs.create_flow_execution('upgraded', '0f000000-0000-4000-8000-0000000000a1')" \
              -c "SELECT status FROM task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000a1', 'after the update')" \
              -c "SELECT json_array_length(task_outputs.list_task_outputs())" 2>&1 | tail -2 | paste -sd' ')" = "completed 1"
readme_plain_sql() {
    local out
    DB=$up_db sql "$COORDINATOR" -q -v ON_ERROR_STOP=1 \
        -c "SELECT task_outputs.grant_organization('to_c_admin', '0a000000-0000-4000-8000-00000000000a')" >/dev/null || return 1
    out=$(readme_block 2 | DB=$up_db sql "$COORDINATOR" to_c_admin -At -v ON_ERROR_STOP=1 -f - 2>&1) || { echo "$out"; return 1; }
    [ "$(DB=$up_db sql "$COORDINATOR" -Atc "SELECT count(*) FROM task_outputs.outputs
                                             WHERE organization_id = '0a000000-0000-4000-8000-00000000000a' AND task_name = 'load_1'")" = 1 ]
}
check "the README's plain SQL on a distributed install, as pasted, by a role of task_outputs_direct" readme_plain_sql

echo
echo "citus-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
