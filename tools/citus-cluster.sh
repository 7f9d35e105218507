#!/usr/bin/env bash
# tools/citus-cluster.sh -- a throwaway Citus cluster for task_outputs: a
# coordinator and two workers on this machine, run as the postgres user.
#
#   tools/citus-cluster.sh start        build (cached) and start; print the nodes
#   tools/citus-cluster.sh status       print the nodes of the running cluster
#   tools/citus-cluster.sh env [NODE]   print export lines for libpq (PGHOST, PGPORT, ...)
#   tools/citus-cluster.sh psql [NODE] [psql arguments...]
#   tools/citus-cluster.sh add-worker   start one more worker and add it (topology tests)
#   tools/citus-cluster.sh restart      rebuild and restage task_outputs, restart every node
#   tools/citus-cluster.sh stop         stop the nodes and remove their directories
#
# NODE is coordinator (the default), worker1, worker2, ... as printed.
# Citus comes from tools/build-citus.sh (built once into the cache,
# installed into the server); task_outputs is built from this checkout and
# staged into $INSTALL_DESTDIR (default: a directory of the cluster's
# state), which the servers read through extension_destdir, so nothing of
# the checkout is installed into the server's own directories.  Each node
# runs Citus's required settings (shared_preload_libraries,
# citus.node_conninfo without SSL, max_prepared_transactions, and wal_level
# = logical for shard moves), trusts local connections, and has the
# database $CITUS_DATABASE (default: task_outputs) with CREATE EXTENSION
# citus and task_outputs; the coordinator knows its own address and has
# both workers added.  A worker added later gets only CREATE EXTENSION
# citus: Citus itself creates task_outputs there, at the coordinator's
# version, when the node is added, as it would in a real cluster.  The
# cluster's state (node directories and ports) is kept in
# $CITUS_CLUSTER_STATE (default: task_outputs-citus under $TMPDIR or /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

state=${CITUS_CLUSTER_STATE:-${TMPDIR:-/tmp}/task_outputs-citus}
database=${CITUS_DATABASE:-task_outputs}
nodes_file=$state/nodes
node_names=(coordinator worker1 worker2)
node_settings=(
    "shared_preload_libraries = 'citus'"
    "citus.node_conninfo = 'sslmode=disable'"
    "max_prepared_transactions = 100"
    "max_connections = 100"
    "wal_level = logical"
)

# The directory and port of node $1, from the state file.
node_field() {
    local name dir port
    [ -f "$nodes_file" ] || { echo "citus-cluster: no cluster running (tools/citus-cluster.sh start)" >&2; exit 1; }
    while read -r name dir port; do
        if [ "$name" = "$1" ]; then
            case $2 in dir) echo "$dir" ;; port) echo "$port" ;; esac
            return 0
        fi
    done <"$nodes_file"
    echo "citus-cluster: no node \"$1\" ($(all_nodes | tr '\n' ' '))" >&2
    exit 1
}

# The names of the running nodes, in order.
all_nodes() {
    awk '{print $1}' "$nodes_file"
}

# psql on node $1 as postgres, further arguments passed on.
node_psql() {
    local node=$1
    shift
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(node_field "$node" port)" \
        -U postgres -d "$database" "$@"
}

print_nodes() {
    local name
    [ -f "$nodes_file" ] || { echo "citus-cluster: no cluster running" >&2; exit 1; }
    for name in $(all_nodes); do
        printf '%-11s port %-5s  "host=127.0.0.1 port=%s dbname=%s user=postgres"\n' \
            "$name" "$(node_field "$name" port)" "$(node_field "$name" port)" "$database"
    done
}

cmd_start() {
    local name
    if [ -f "$nodes_file" ]; then
        echo "citus-cluster: a cluster is already running (tools/citus-cluster.sh stop first):" >&2
        print_nodes >&2
        exit 1
    fi
    mkdir -p "$state"
    tools/build-citus.sh >/dev/null
    export INSTALL_DESTDIR=${INSTALL_DESTDIR:-$state/install}
    build_and_install
    : >"$nodes_file.new"
    for name in "${node_names[@]}"; do
        unset CLUSTER_DIR
        start_cluster "${node_settings[@]}" || { [ -n "${CLUSTER_DIR:-}" ] && rm -rf "$CLUSTER_DIR"; exit 1; }
        echo "$name $CLUSTER_DIR $PGPORT" >>"$nodes_file.new"
        # registered at once, so that stop finds every node started so far
        mv "$nodes_file.new" "$nodes_file"
        cp "$nodes_file" "$nodes_file.new"
    done
    rm -f "$nodes_file.new"
    for name in "${node_names[@]}"; do
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(node_field "$name" port)" \
            -U postgres -d postgres -c "CREATE DATABASE $database" >/dev/null
        node_psql "$name" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION task_outputs" >/dev/null
    done
    node_psql coordinator \
        -c "SELECT citus_set_coordinator_host('127.0.0.1', $(node_field coordinator port))" \
        -c "SELECT citus_add_node('127.0.0.1', $(node_field worker1 port))" \
        -c "SELECT citus_add_node('127.0.0.1', $(node_field worker2 port))" >/dev/null
    echo "== Citus cluster running (database $database, user postgres, trust on 127.0.0.1):"
    print_nodes
    echo "   tools/citus-cluster.sh psql [coordinator|worker1|worker2]; tools/citus-cluster.sh stop"
}

cmd_add_worker() {
    local name port
    [ -f "$nodes_file" ] || { echo "citus-cluster: no cluster running (tools/citus-cluster.sh start)" >&2; exit 1; }
    name=worker$(($(wc -l <"$nodes_file")))
    export INSTALL_DESTDIR=${INSTALL_DESTDIR:-$state/install}
    unset CLUSTER_DIR
    start_cluster "${node_settings[@]}" || { [ -n "${CLUSTER_DIR:-}" ] && rm -rf "$CLUSTER_DIR"; exit 1; }
    echo "$name $CLUSTER_DIR $PGPORT" >>"$nodes_file"
    port=$PGPORT
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE DATABASE $database" >/dev/null
    node_psql "$name" -c "CREATE EXTENSION citus" >/dev/null
    node_psql coordinator -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
    echo "== added $name (no shards until a rebalance):"
    print_nodes
}

cmd_restart() {
    local name dir port
    [ -f "$nodes_file" ] || { echo "citus-cluster: no cluster running" >&2; exit 1; }
    export INSTALL_DESTDIR=${INSTALL_DESTDIR:-$state/install}
    build_and_install
    while read -r name dir port; do
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" \
            -m fast -w restart >/dev/null
    done <"$nodes_file"
    echo "== Citus cluster restarted"
}

cmd_stop() {
    local name dir port
    [ -f "$nodes_file" ] || { echo "citus-cluster: no cluster running"; return 0; }
    while read -r name dir port; do
        CLUSTER_DIR=$dir stop_cluster
    done <"$nodes_file"
    rm -rf "$state"
    echo "== Citus cluster stopped"
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    add-worker) cmd_add_worker ;;
    restart) cmd_restart ;;
    status) print_nodes ;;
    env)
        node=${2:-coordinator}
        echo "export PGHOST=127.0.0.1 PGPORT=$(node_field "$node" port) PGUSER=postgres PGDATABASE=$database"
        ;;
    psql)
        shift
        node=coordinator
        case ${1:-} in coordinator | worker[0-9]*) node=$1; shift ;; esac
        node_psql "$node" "$@"
        ;;
    *)
        echo "usage: tools/citus-cluster.sh start|stop|restart|status|add-worker|env [NODE]|psql [NODE] [psql arguments]" >&2
        exit 2
        ;;
esac
