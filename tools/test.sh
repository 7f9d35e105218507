#!/usr/bin/env bash
# tools/test.sh -- run every test suite of task_outputs on a throwaway
# PostgreSQL cluster: installs what is missing, builds, installs, starts the
# cluster as the postgres user, runs the suites, stops the cluster, and ends
# with one summary line.  Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
    "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl libipc-run-perl \
    libio-pty-perl sqlsmith || exit 1
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
make -s PG_CONFIG="$PG_BIN/pg_config" installcheck-pgtap 2>&1 | tee /tmp/task_outputs-prove.$$
prove_total=$(grep -oE "Tests=[0-9]+" /tmp/task_outputs-prove.$$ | grep -oE "[0-9]+" || echo 0)
prove_failed=$(grep -oE "Failed [0-9]+/[0-9]+ subtests" /tmp/task_outputs-prove.$$ | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
grep -q "^Result: PASS" /tmp/task_outputs-prove.$$ || [ "$prove_failed" -gt 0 ] || prove_failed=1
rm -f /tmp/task_outputs-prove.$$
tally $((prove_total - prove_failed)) "$prove_failed"

echo "== gateway: PostGraphile v4 over HTTP (test/gateway/, node --test)"
command -v node >/dev/null && command -v npm >/dev/null || ensure_packages nodejs npm || exit 1
gateway_out=$(mktemp)
if (cd test/gateway && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    (cd test/gateway && node --test --test-reporter=tap) >"$gateway_out" 2>&1
    gateway_pass=$(grep -oE "^# pass [0-9]+" "$gateway_out" | grep -oE "[0-9]+" || true)
    gateway_fail=$(grep -oE "^# fail [0-9]+" "$gateway_out" | grep -oE "[0-9]+" || true)
    if [ -z "$gateway_pass" ] || [ "${gateway_fail:-1}" -ne 0 ]; then
        cat "$gateway_out"
        [ -n "$gateway_pass" ] || gateway_pass=0
        [ "${gateway_fail:-0}" -gt 0 ] || gateway_fail=1
    else
        grep -E "^ *(not )?ok " "$gateway_out"
    fi
    tally "$gateway_pass" "$gateway_fail"
else
    echo "npm ci failed in test/gateway: the gateway tests could not run"
    tally 0 1
fi
rm -f "$gateway_out"

# count prove's "Tests=N" and "Failed n/N subtests" from the file $1
tally_prove() {
    local total bad
    total=$(grep -oE "Tests=[0-9]+" "$1" | grep -oE "[0-9]+" || echo 0)
    bad=$(grep -oE "Failed [0-9]+/[0-9]+ subtests" "$1" | awk '{split($2,a,"/"); s+=a[1]} END {print s+0}')
    grep -q "^Result: PASS" "$1" || [ "$bad" -gt 0 ] || bad=1
    tally $((total - bad)) "$bad"
}

echo "== sqlsmith and api-fuzz, short fixed-seed run (tools/sqlsmith.sh for longer ones)"
CLUSTER_DIR=$CLUSTER_DIR tools/sqlsmith.sh --use-cluster --queries 1000 --seed 1 --seed 2 --fuzz-calls 5000 2>&1 | tee /tmp/task_outputs-smith.$$
smith=$(grep -oE "^sqlsmith: [0-9]+ checks passed, [0-9]+ failed" /tmp/task_outputs-smith.$$ | grep -oE "[0-9]+" | paste -sd' ')
if [ -n "$smith" ]; then
    tally $smith
else
    tally 0 1
fi
rm -f /tmp/task_outputs-smith.$$

echo "== Perl TAP (t/*.pl: cancellation, memory, crash safety, load, dump/restore, upgrade; clusters of their own)"
tools/tap.sh --no-build 2>&1 | tee /tmp/task_outputs-tap.$$
tally_prove /tmp/task_outputs-tap.$$
rm -f /tmp/task_outputs-tap.$$

echo
echo "task_outputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
