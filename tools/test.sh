#!/usr/bin/env bash
# tools/test.sh -- run every test suite of task_outputs on a throwaway
# PostgreSQL cluster: installs what is missing, builds, installs, starts the
# cluster as the postgres user, runs the suites, stops the cluster, and ends
# with one summary line.  Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
    "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl libipc-run-perl || exit 1
build_and_install || exit 1
start_cluster || exit 1
trap stop_cluster EXIT

passed=0
failed=0

# count "passed failed" into the totals
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "== pg_regress (sql/, expected/) and pg_isolation_regress (specs/, expected/)"
rm -rf results regression.diffs regression.out output_iso
make -s PG_CONFIG="$PG_BIN/pg_config" installcheck 2>&1 | tee /tmp/task_outputs-regress.$$ | grep -E "^(ok|not ok|#|test |\s+[a-z_]+ +\.\.\.)" || true
regress_total=$(grep -cE "^(ok|not ok|test )" /tmp/task_outputs-regress.$$ || true)
regress_failed=$(grep -cE "^not ok|FAILED|failed \(ignored\)" /tmp/task_outputs-regress.$$ || true)
rm -f /tmp/task_outputs-regress.$$
for diffs in regression.diffs output_iso/regression.diffs; do
    if [ -f "$diffs" ]; then
        cat "$diffs"
        [ "$regress_failed" -eq 0 ] && regress_failed=1
    fi
done
tally $((regress_total - regress_failed)) "$regress_failed"

echo "== pgTAP (test/*.sql, run as the roles a user would be)"
dropdb --if-exists task_outputs_test >/dev/null 2>&1
createdb task_outputs_test
psql -q -X -v ON_ERROR_STOP=1 -d task_outputs_test \
    -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION task_outputs" >/dev/null
pg_prove -d task_outputs_test test/*.sql 2>&1 | tee /tmp/task_outputs-prove.$$
prove_total=$(grep -oE "Tests=[0-9]+" /tmp/task_outputs-prove.$$ | grep -oE "[0-9]+" || echo 0)
prove_failed=$(grep -oE "Failed [0-9]+/[0-9]+ subtests" /tmp/task_outputs-prove.$$ | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
grep -q "^Result: PASS" /tmp/task_outputs-prove.$$ || [ "$prove_failed" -gt 0 ] || prove_failed=1
rm -f /tmp/task_outputs-prove.$$
tally $((prove_total - prove_failed)) "$prove_failed"

echo
echo "task_outputs tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
