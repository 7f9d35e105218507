#!/usr/bin/env bash
# tools/matrix.sh -- the version matrix: for each PostgreSQL release named
# (default: every supported one), build it once with assertions
# (tools/build-postgres.sh, cached), build the extension against it with
# -Werror and install it into that build, start a throwaway cluster as the
# postgres user and run the suites the PGXS way: make installcheck
# (pg_regress and isolation; alternative expected files where PostgreSQL's
# own output differs between versions), make installcheck-pgtap (pgTAP,
# Debian's SQL files copied into the build) and, on the versions in
# MATRIX_TAP (default: the last one named), make installcheck-tap (the
# Perl TAP tests, through tools/tap.sh).
#
#   tools/matrix.sh [VERSION ...]
#   MATRIX_TAP="18.6 19beta3" tools/matrix.sh      # TAP tests on those
#   MATRIX_TAP=none tools/matrix.sh                 # no TAP tests
#
# Prints one tally line per version, with its build and test times, and
# exits non-zero when anything failed on any version.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(15.19 16.15 17.11 18.6 19beta3)
tap_versions=${MATRIX_TAP:-${versions[-1]}}

# The extension goes into each build's own directories, not a staging one.
unset INSTALL_DESTDIR
# Assertions and memory checking make a backend several times slower: the
# TAP tests' waits for one statement get longer than their default 180 s.
export PG_TEST_TIMEOUT_DEFAULT=${PG_TEST_TIMEOUT_DEFAULT:-900}

ensure_packages make gcc postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl \
    libipc-run-perl libio-pty-perl || exit 1

logdir=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-matrix.XXXXXX")
trap 'stop_cluster; rm -rf "$logdir"' EXIT
tallies=()
any_failed=0

# The sum of "All N tests passed" / "N of M tests failed" over pg_regress
# and pg_isolation_regress in the file $1, as "passed failed"; a run that
# failed without such a line counts one failure.
count_regress() {
    awk -v status="$2" '
        /All [0-9]+ tests passed/ { for (i = 1; i <= NF; i++) if ($i == "All") p += $(i + 1) }
        /[0-9]+ of [0-9]+ tests failed/ {
            for (i = 1; i <= NF; i++) if ($i == "of") { f += $(i - 1); p += $(i + 1) - $(i - 1) }
        }
        END { if (status != 0 && f == 0) f = 1; print p + 0, f + 0 }' "$1"
}

# prove's "Tests=N" and "Failed n/N subtests" in the file $1, as "passed
# failed"; a failed run without them counts one failure.
count_prove() {
    awk -v status="$2" '
        /Tests=[0-9]+/ { match($0, /Tests=[0-9]+/); t = substr($0, RSTART + 6, RLENGTH - 6) }
        /Failed [0-9]+\/[0-9]+ subtests/ { match($0, /Failed [0-9]+\//); f += substr($0, RSTART + 7, RLENGTH - 8) }
        END { if (status != 0 && f == 0) f = 1; print (t > f ? t - f : 0), f + 0 }' "$1"
}

# Run the versions one after another: each suite's output goes to its log,
# and is printed when the suite fails.
run_version() {
    local version=$1 log=$logdir/$1 pg_config start build_s make_s test_s tap_s=0 status
    local regress=(0 0) counts pgtap=(0 0) tap=(0 0) tap_result="not run" tap_time="" failed=0 result

    echo "== PostgreSQL $version"
    start=$SECONDS
    pg_config=$(tools/build-postgres.sh "$version" --cassert) || {
        tallies+=("$version: PostgreSQL did not build; FAILED"); return 1; }
    build_s=$((SECONDS - start))
    PG_BIN=$("$pg_config" --bindir)

    start=$SECONDS
    if ! { make -s PG_CONFIG="$pg_config" clean &&
        make -s -j"$(nproc)" PG_CONFIG="$pg_config" &&
        make -s PG_CONFIG="$pg_config" install; } >"$log.build" 2>&1; then
        cat "$log.build"
        tallies+=("$version: task_outputs did not build with -Werror; FAILED")
        return 1
    fi
    [ -s "$log.build" ] && cat "$log.build"
    install_pgtap "$pg_config"
    make_s=$((SECONDS - start))

    start=$SECONDS

    start_cluster >"$log.cluster" 2>&1 || {
        cat "$log.cluster"; tallies+=("$version: the cluster did not start; FAILED"); return 1; }

    # make installcheck, once for pg_regress and once for isolation, so that
    # a failure of the first does not keep the second from running
    rm -rf results regression.diffs regression.out output_iso
    for suite in regress isolation; do
        if [ "$suite" = regress ]; then
            make -s PG_CONFIG="$pg_config" ISOLATION= installcheck >"$log.$suite" 2>&1
        else
            make -s PG_CONFIG="$pg_config" REGRESS= installcheck >"$log.$suite" 2>&1
        fi
        status=$?
        read -r -a counts < <(count_regress "$log.$suite" "$status")
        regress=($((regress[0] + counts[0])) $((regress[1] + counts[1])))
        [ "$status" -ne 0 ] && cat "$log.$suite"
        wait_for_server
    done
    cat regression.diffs output_iso/regression.diffs 2>/dev/null

    make -s PG_CONFIG="$pg_config" installcheck-pgtap >"$log.pgtap" 2>&1
    status=$?
    read -r -a pgtap < <(count_prove "$log.pgtap" "$status")
    [ "$status" -ne 0 ] && cat "$log.pgtap"

    if [ "$tap_versions" = all ] || [[ " $tap_versions " == *" $version "* ]]; then
        tap_s=$SECONDS
        PG_BIN=$PG_BIN tools/tap.sh --no-build >"$log.tap" 2>&1
        status=$?
        tap_s=$((SECONDS - tap_s))
        tap_time=" (TAP ${tap_s} s)"
        read -r -a tap < <(count_prove "$log.tap" "$status")
        tap_result="${tap[0]}/${tap[1]}"
        if [ "$status" -ne 0 ]; then cat "$log.tap"; else grep -E "^\[[0-9:]+\] t/" "$log.tap"; fi
    fi

    # an assertion failure prints a backtrace after its TRAP line
    {
        grep -E -A8 "^TRAP:" "$CLUSTER_DIR/server.log"
        grep -E -A1 "terminated by signal" "$CLUSTER_DIR/server.log"
    } >"$log.crashes"
    if [ -s "$log.crashes" ]; then
        echo "== server log of $version: assertion failures and crashes"
        cat "$log.crashes"
        failed=1
    fi
    stop_cluster
    # leave no objects built for this version behind for the next build
    make -s PG_CONFIG="$pg_config" clean
    test_s=$((SECONDS - start))

    [ "${regress[1]}" -eq 0 ] && [ "${pgtap[1]}" -eq 0 ] && [ "${tap[1]}" -eq 0 ] || failed=1
    result=passed
    [ "$failed" -ne 0 ] && result=FAILED
    tallies+=("$version $result: $((regress[0] + pgtap[0] + tap[0])) passed, $((regress[1] + pgtap[1] + tap[1])) failed (regress+isolation ${regress[0]}/${regress[1]}, pgTAP ${pgtap[0]}/${pgtap[1]}, TAP $tap_result); PostgreSQL build ${build_s} s, extension build ${make_s} s, tests ${test_s} s$tap_time")
    return "$failed"
}

for version in "${versions[@]}"; do
    run_version "$version" || any_failed=1
done

echo
for line in "${tallies[@]}"; do echo "matrix: $line"; done
exit "$any_failed"
