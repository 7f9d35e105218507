#!/usr/bin/env bash
# tools/test.sh -- every test suite of task_outputs, on throwaway clusters
# run as the postgres user: installs what is missing, builds and installs
# the extension, and runs the suites the PGXS way (make installcheck,
# installcheck-pgtap, installcheck-tap; test/README.md says what each
# holds), then the gateway and the random SQL:
#
#   1. on Debian's PostgreSQL 15: every suite;
#   2. on PostgreSQL 15.19 built with assertions (tools/build-postgres.sh,
#      cached outside the checkout): pg_regress, isolation and pgTAP, and
#      its server log must show no assertion failure and no crash
#      (tools/matrix.sh 15.19).
#
# Ends with one line, "task_outputs: N passed, M failed", and exits non-zero
# when anything failed.  TEST_ASSERTIONS=no skips the second part.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
    "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl libipc-run-perl \
    libio-pty-perl sqlsmith || exit 1
build_and_install || exit 1
start_cluster || exit 1
trap stop_cluster EXIT

logdir=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-test.XXXXXX")
trap 'stop_cluster; rm -rf "$logdir"' EXIT
passed=0
failed=0

# add "passed failed" to the totals
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "== pg_regress (sql/) and isolation (specs/): make installcheck"
rm -rf results regression.diffs regression.out output_iso
make -s PG_CONFIG="$PG_BIN/pg_config" installcheck >"$logdir/regress" 2>&1
status=$?
grep -E "^(test |ok |not ok )" "$logdir/regress"
cat regression.diffs output_iso/regression.diffs 2>/dev/null
tally $(count_regress "$logdir/regress" "$status")

echo "== pgTAP (test/*.sql, as the roles a user would be): make installcheck-pgtap"
make -s PG_CONFIG="$PG_BIN/pg_config" installcheck-pgtap 2>&1 | tee "$logdir/pgtap"
tally $(count_prove "$logdir/pgtap" "${PIPESTATUS[0]}")

echo "== gateway: PostGraphile v4 over HTTP (test/gateway/, node --test)"
command -v node >/dev/null && command -v npm >/dev/null || ensure_packages nodejs npm || exit 1
if (cd test/gateway && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    (cd test/gateway && node --test --test-reporter=tap) >"$logdir/gateway" 2>&1
    gateway_pass=$(grep -oE "^# pass [0-9]+" "$logdir/gateway" | grep -oE "[0-9]+" || true)
    gateway_fail=$(grep -oE "^# fail [0-9]+" "$logdir/gateway" | grep -oE "[0-9]+" || true)
    if [ -z "$gateway_pass" ] || [ "${gateway_fail:-1}" -ne 0 ]; then
        cat "$logdir/gateway"
        [ -n "$gateway_pass" ] || gateway_pass=0
        [ "${gateway_fail:-0}" -gt 0 ] || gateway_fail=1
    else
        grep -E "^ *(not )?ok " "$logdir/gateway"
    fi
    tally "$gateway_pass" "$gateway_fail"
else
    echo "npm ci failed in test/gateway: the gateway tests could not run"
    tally 0 1
fi

echo "== sqlsmith and api-fuzz, short fixed-seed run (tools/sqlsmith.sh for longer ones)"
CLUSTER_DIR=$CLUSTER_DIR tools/sqlsmith.sh --use-cluster --queries 1000 --seed 1 --seed 2 \
    --fuzz-calls 5000 2>&1 | tee "$logdir/smith"
smith=$(grep -oE "^sqlsmith: [0-9]+ checks passed, [0-9]+ failed" "$logdir/smith" |
    grep -oE "[0-9]+" | paste -sd' ')
if [ -n "$smith" ]; then tally $smith; else tally 0 1; fi
stop_cluster

echo "== Perl TAP (t/*.pl, clusters of their own): make installcheck-tap"
tools/tap.sh --no-build 2>&1 | tee "$logdir/tap"
tally $(count_prove "$logdir/tap" "${PIPESTATUS[0]}")

if [ "${TEST_ASSERTIONS:-yes}" != no ]; then
    echo "== PostgreSQL 15.19 with assertions: pg_regress, isolation, pgTAP, and its server log"
    MATRIX_TAP=none tools/matrix.sh 15.19 2>&1 | tee "$logdir/assertions"
    status=${PIPESTATUS[0]}
    line=$(grep -E "^matrix: 15\.19 " "$logdir/assertions")
    counts=$(echo "$line" | grep -oE "[0-9]+ passed, [0-9]+ failed" | head -1 | grep -oE "[0-9]+" | paste -sd' ')
    if [ -n "$counts" ]; then
        read -r p f <<<"$counts"
        # a version can fail (its server log) with every check passed
        [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        tally "$p" "$f"
    else
        tally 0 1
    fi
    # the matrix left no objects; the next make builds for Debian's server
fi

echo
echo "task_outputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
