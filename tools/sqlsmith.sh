#!/usr/bin/env bash
# tools/sqlsmith.sh -- random SQL against the extension, as a tenant.
#
#   tools/sqlsmith.sh [--queries N] [--seed S]... [--fuzz-calls N] [--use-cluster]
#
# Sets up a database with the extension and a little data of two
# organizations, and two login roles that act for one of them
# (task_outputs.org_id set with ALTER ROLE, errors logged verbosely): a
# writer that is also of the direct tier (plain SQL on the tables, bound
# by row-level security and the triggers), and a writer alone (the API,
# no table privilege), as a deployment's tenants are.  It runs:
#   - as the direct-tier writer, sqlsmith, once per seed (default: one
#     seed, 1), N queries each (default 1000), over the extension's tables
#     (--exclude-catalog);
#   - as the writer alone, tools/api-fuzz.sql: seeded random calls of
#     every function of the extension with edge-case arguments (sqlsmith
#     seldom calls them and never calls set-returning functions);
#     --fuzz-calls (default 5000).
# Then it checks that the server is still up, that its log shows no crash
# (no "terminated by signal", PANIC or failed assertion) and no internal
# error (SQLSTATE class XX) raised in the extension's source files, and
# that the fuzz pass met no internal error.  Internal errors raised by
# PostgreSQL's own code are listed, not counted as failures.
#
# Without --use-cluster it builds, installs (honouring INSTALL_DESTDIR)
# and runs on a throwaway cluster; with it, on the cluster the caller
# started (PGHOST, PGPORT and CLUSTER_DIR from tools/common.sh).  Ends with
# "sqlsmith: N checks passed, M failed" and exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

queries=1000
fuzz_calls=5000
seeds=()
use_cluster=0
while [ $# -gt 0 ]; do
    case "$1" in
        --queries) queries=$2; shift 2 ;;
        --seed) seeds+=("$2"); shift 2 ;;
        --fuzz-calls) fuzz_calls=$2; shift 2 ;;
        --use-cluster) use_cluster=1; shift ;;
        *) echo "usage: $0 [--queries N] [--seed S]... [--fuzz-calls N] [--use-cluster]" >&2; exit 2 ;;
    esac
done
[ ${#seeds[@]} -eq 0 ] && seeds=(1)

if [ "$use_cluster" -eq 0 ]; then
    ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" sqlsmith || exit 1
    build_and_install || exit 1
    start_cluster || exit 1
    trap stop_cluster EXIT
fi
serverlog="${CLUSTER_DIR:-$PGHOST}/server.log"   # start_cluster logs there
db=task_outputs_smith
org_a=0a000000-0000-4000-8000-00000000000a
org_c=0c000000-0000-4000-8000-00000000000c
scratch=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-smith.XXXXXX")

passed=0
failed=0
check() {  # check "what" condition-status
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok - $1"
    else
        failed=$((failed + 1)); echo "not ok - $1"
    fi
}

echo "== sqlsmith: setting up database $db"
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || exit 1
psql -q -X -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL || exit 1
CREATE EXTENSION task_outputs;
DO \$\$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['to_smith', 'to_smith_api'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
        EXECUTE format('ALTER ROLE %I IN DATABASE $db SET task_outputs.org_id = %L', r, '$org_a');
        EXECUTE format('ALTER ROLE %I IN DATABASE $db SET log_error_verbosity = verbose', r);
        EXECUTE format('ALTER ROLE %I IN DATABASE $db SET statement_timeout = %L', r, '5s');
        EXECUTE format('ALTER ROLE %I IN DATABASE $db SET lock_timeout = %L', r, '2s');
        IF NOT pg_catalog.pg_has_role(r, 'task_outputs_writer', 'MEMBER') THEN
            EXECUTE format('GRANT task_outputs_writer TO %I', r);
        END IF;
        IF pg_catalog.to_regprocedure('task_outputs.grant_organization(regrole,uuid)') IS NOT NULL THEN
            EXECUTE 'SELECT task_outputs.grant_organization(\$1, \$2)' USING r::regrole, '$org_a'::uuid;
        END IF;
    END LOOP;
    -- the direct tier (0.2.0 on): plain SQL on the tables, for sqlsmith
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'task_outputs_direct')
       AND NOT pg_catalog.pg_has_role('to_smith', 'task_outputs_direct', 'MEMBER') THEN
        GRANT task_outputs_direct TO to_smith;
    END IF;
END
\$\$;

-- a little data: organization A (the role's) and C (another tenant's)
SET task_outputs.org_id = '$org_a';
SELECT task_outputs.create_flow_execution('smith ' || n, ('0f000000-0000-4000-8000-0000000000a' || n)::uuid)
  FROM generate_series(1, 3) n;
INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, summary, output, tags, created_at)
SELECT ('0f000000-0000-4000-8000-0000000000a' || (1 + g % 3))::uuid,
       (ARRAY['extract', 'transform', 'load', 'tâche ✓'])[1 + g % 4],
       (enum_range(NULL::task_outputs.task_output_status))[1 + g % 6],
       jsonb_build_object('k', g % 4, 'flag', g % 2 = 0),
       CASE WHEN g % 7 = 0 THEN NULL ELSE jsonb_build_object('rows', g, 'items', jsonb_build_array(g, 'x', NULL)) END,
       (ARRAY['{}', '{a}', '{a,b}', '{"ü ñ"}'])[1 + g % 4]::text[],
       '2026-01-01 00:00:00+00'::timestamptz + (g / 2) * interval '1 s'
  FROM generate_series(1, 30) g;
SET task_outputs.org_id = '$org_c';
SELECT task_outputs.create_flow_execution('other', '0f000000-0000-4000-8000-0000000000c1');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, output)
VALUES ('01000000-0000-7000-8000-0000000000c1', '0f000000-0000-4000-8000-0000000000c1', 'secret', '{"secret": true}');
RESET task_outputs.org_id;
ANALYZE task_outputs.outputs, task_outputs.flow_executions;
SQL

log_start=$(stat -c %s "$serverlog" 2>/dev/null || echo 0)
target="host=$PGHOST port=$PGPORT dbname=$db user=to_smith"
server_up() { psql -X -q -d "$db" -c "SELECT 1" >/dev/null 2>&1; }

for seed in "${seeds[@]}"; do
    echo "== sqlsmith --seed=$seed --max-queries=$queries"
    start=$(date +%s)
    (cd "$scratch" && sqlsmith --target="$target" --seed="$seed" --max-queries="$queries" \
        --exclude-catalog --verbose) >"$scratch/sqlsmith-$seed.log" 2>&1
    rc=$?
    echo "   $(grep -m1 '^error rate' "$scratch/sqlsmith-$seed.log" || echo 'no error rate reported'); exit $rc; $(( $(date +%s) - start )) s"
    server_up
    up=$?
    [ $rc -eq 0 ] && [ $up -eq 0 ]
    check "sqlsmith seed $seed: $queries queries ran and the server is up" $?
    if [ $up -ne 0 ]; then
        tail -n 20 "$scratch/sqlsmith-$seed.log"
        break
    fi
done

if server_up; then
    fuzz_seed=$(awk -v s="${seeds[0]}" 'BEGIN { printf "%.6f", (s * 7919 % 999983) / 999983 }')
    echo "== api-fuzz: $fuzz_calls calls of the extension's functions, seed $fuzz_seed"
    start=$(date +%s)
    psql -X -d "$db" -U to_smith_api -v seed="$fuzz_seed" -v calls="$fuzz_calls" \
        -f tools/api-fuzz.sql >"$scratch/fuzz.out" 2>&1
    rc=$?
    sed 's/^/   /' "$scratch/fuzz.out"
    echo "   $(( $(date +%s) - start )) s"
    grep -q "^internal errors: 0$" "$scratch/fuzz.out" && [ $rc -eq 0 ] && server_up
    check "api-fuzz: no internal error, the server is up" $?
fi

# The server log since we started: crashes, and internal errors by where
# they were raised (log_error_verbosity = verbose gives a LOCATION line).
tail -c +"$((log_start + 1))" "$serverlog" >"$scratch/server.log"
! grep -E "terminated by signal|was terminated by|PANIC:|TRAP:" "$scratch/server.log"
check "server log: no crash" $?

our_files=$(ls src/*.c | xargs -n1 basename | paste -sd'|')
awk -v ours="$our_files" '
    / ERROR:  XX[0-9A-Z][0-9A-Z][0-9A-Z]: / { err = $0; want = 1; next }
    want && /LOCATION:/ {
        where = ($0 ~ (", (" ours "):[0-9]+")) ? "task_outputs" : "postgresql"
        print where "\t" err "\t" $0
        want = 0
    }' "$scratch/server.log" >"$scratch/internal.tsv"
if [ -s "$scratch/internal.tsv" ]; then
    echo "   internal errors in the server log (where raised, error, location):"
    sed 's/^/   /' "$scratch/internal.tsv"
fi
! grep -q "^task_outputs" "$scratch/internal.tsv"
check "server log: no internal error raised in task_outputs' code" $?

rm -rf "$scratch"
echo "sqlsmith: $passed checks passed, $failed failed"
[ "$failed" -eq 0 ]
