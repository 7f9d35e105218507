#!/usr/bin/env bash
# tools/demo.sh -- the main job on a fresh machine: install what is missing,
# build and install task_outputs, start a throwaway local PostgreSQL, create
# the extension, load a small sample (two organizations) and print one
# organization's task outputs, newest first.  The server keeps running;
# "tools/demo.sh stop" stops it and removes its files.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

STATE=/tmp/task_outputs-demo.env
ACME=6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01

stop_demo() {
    if [ -f "$STATE" ]; then
        . "$STATE"
        stop_cluster
        rm -f "$STATE"
        echo "Stopped the task_outputs demo server."
    fi
}

if [ "${1:-}" = "stop" ]; then
    stop_demo
    exit 0
fi

ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" jq
build_and_install
stop_demo >/dev/null
start_cluster
echo "CLUSTER_DIR=$CLUSTER_DIR PGHOST=$PGHOST PGPORT=$PGPORT" >"$STATE"

psql -q -X -v ON_ERROR_STOP=1 -c "CREATE EXTENSION task_outputs"
psql -q -X -v ON_ERROR_STOP=1 -f tools/sample-data.sql

echo
echo "== task_outputs.list_task_outputs() for organization $ACME (Acme Corp), newest first:"
psql -X -A -t -v ON_ERROR_STOP=1 \
    -c "SET task_outputs.org_id = '$ACME'" \
    -c "SELECT task_outputs.list_task_outputs()" | sed -n '2,$p' | jq .

cat <<MSG

The demo server is running.  Connect with:
    psql -h $PGHOST -p $PGPORT -U postgres
then, for example:
    SET task_outputs.org_id = '$ACME';
    SELECT task_outputs.list_task_outputs_page("limit" => 2);
Stop it (and remove its files) with:
    tools/demo.sh stop
MSG
