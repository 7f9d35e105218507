#!/usr/bin/env bash
# tools/valgrind.sh -- the memory oracle: the regress and isolation suites
# and pgTAP files against a PostgreSQL server that runs under Valgrind's
# memcheck, then every memory error Valgrind saw, sorted into those whose
# stacks run through task_outputs and the rest.  Valgrind finds what an
# assertion build does not: a read of freed or unallocated memory that
# happens to hold plausible bytes, a decision taken on uninitialised bytes.
# It runs code 20 to 50 times slower, so it is a long run of its own, not a
# part of the test command (tools/test.sh).
#
#   tools/valgrind.sh
#   VALGRIND_PGTAP=all tools/valgrind.sh                   # every pgTAP file
#   VALGRIND_PGTAP="escapes readers_sizes" tools/valgrind.sh
#   VALGRIND_PGTAP=none tools/valgrind.sh                  # regress and isolation only
#
# 1. PostgreSQL 15.19 built with assertions, -O0 and USE_VALGRIND (its
#    memory contexts tell Valgrind which bytes are allocated and defined),
#    by tools/build-postgres.sh --valgrind: cached, built once.
# 2. The extension built against it and installed into it, with pgTAP.
# 3. A throwaway cluster, run as the postgres user, whose postmaster and
#    every backend run under memcheck with the options PostgreSQL documents
#    (its wiki's Valgrind page) and its tree's suppressions, plus longer
#    stacks and full source paths, which tell our frames from the server's.
#    No autovacuum: its workers would only add time and the server's code.
# 4. make installcheck (pg_regress, then isolation) and make
#    installcheck-pgtap on the pgTAP files VALGRIND_PGTAP names: "all",
#    "none", or file names of test/.  By default every file but the three
#    slowest, which under Valgrind take most of an hour each: differential
#    (its page walks and oracles are PL/pgSQL and SQL, not ours), escapes
#    and readers_sizes.  The read path is still covered by the regress
#    tests (list, read_api), export_cursors (the export's own executor
#    across fetches, holdable cursors, savepoints, spills; rendering of
#    thousands of rows), limits (nested, large and unicode payloads) and
#    postgrest; the write triggers by lifecycle, rules, transitions, the
#    supersede_* files, restore_in_one_query and the thousands of writes of
#    export_cursors; the rest by the catalog, security, tenancy and
#    hostile_* files.
# 5. The server stopped, each process's Valgrind log is read: every error
#    block (between the error markers) counts, as ours when any of its
#    stacks -- where the error happened, where the block was allocated or
#    freed -- has a frame in this checkout's src/ or in task_outputs.so.
#    Each distinct error of ours is printed, with its stacks, the test
#    that hit it (the backend's application_name) and the suppression
#    Valgrind proposes; the others are PostgreSQL's own and only counted.
#
# Ends with "valgrind: N errors in task_outputs, M elsewhere; tests: X
# passed, Y failed" (tests as the version matrix counts them: regress and
# isolation tests, pgTAP assertions; a server crash or failed assertion is
# a failure too) and exits non-zero when N or Y is not zero.  The logs (one
# per process, the server's, the suites' and the error reports) are kept in
# a directory it prints.  VALGRIND_SUITE_TIMEOUT (seconds, default 7200)
# bounds each suite; Valgrind also reads VALGRIND_OPTS, e.g.
# --track-origins=yes to learn where an uninitialised value came from (and
# run twice as long).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

version=15.19
started=$SECONDS
suite_timeout=${VALGRIND_SUITE_TIMEOUT:-7200}
default_pgtap="catalog export_cursors hostile_admin_scope hostile_definer hostile_estimates
    hostile_locks hostile_maintenance hostile_table_access lifecycle limits planner_settings
    postgrest restore_in_one_query rules security supersede_multirow_update
    supersede_on_conflict tenancy transitions"

case "${VALGRIND_PGTAP:-default}" in
    default) pgtap_names=$default_pgtap ;;
    all) pgtap_names=$(cd test && ls -- *.sql | sed 's/\.sql$//') ;;
    none) pgtap_names= ;;
    *) pgtap_names=$VALGRIND_PGTAP ;;
esac
pgtap_tests=()
for name in $pgtap_names; do
    name=${name#test/}
    name=${name%.sql}
    [ -f "test/$name.sql" ] || { echo "valgrind: no pgTAP file test/$name.sql" >&2; exit 2; }
    pgtap_tests+=("test/$name.sql")
done

ensure_packages make gcc valgrind "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl

pg_config=$(tools/build-postgres.sh "$version" --valgrind)
PG_BIN=$("$pg_config" --bindir)
# the extension goes into the build's own directories
unset INSTALL_DESTDIR
build_and_install
install_pgtap "$pg_config"
build_s=$((SECONDS - started))

logdir=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-valgrind.XXXXXX")
chmod 755 "$logdir"
mkdir "$logdir/valgrind"
[ "$(id -u)" -eq 0 ] && chown postgres: "$logdir/valgrind"

# What pg_ctl starts instead of postgres.  --fullpath-after= (empty) names
# each frame's source file by its full path, which is how a frame of this
# checkout's src/ is told from one of PostgreSQL's own src/.
cat >"$logdir/postgres-valgrind" <<EOF
#!/bin/sh
exec valgrind --leak-check=no --gen-suppressions=all \\
    --suppressions="$("$pg_config" --sharedir)/valgrind.supp" --time-stamp=yes \\
    --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END \\
    --log-file="$logdir/valgrind/%p.log" --trace-children=yes \\
    --num-callers=40 --fullpath-after= \\
    "$PG_BIN/postgres" "\$@"
EOF
chmod 755 "$logdir/postgres-valgrind"

# Stop the server and wait for its postmaster to be gone, so that every
# Valgrind log is complete; keep the server log.  Safe to call twice.
stop_server() {
    local pid
    [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR/data" ] || return 0
    pid=$(head -n 1 "$CLUSTER_DIR/data/postmaster.pid" 2>/dev/null || true)
    as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    cp "$CLUSTER_DIR/server.log" "$logdir/server.log" 2>/dev/null || true
    stop_cluster
}
trap 'stop_server; make -s PG_CONFIG="$pg_config" clean >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Valgrind's startup and shutdown of the postmaster take far longer than
# pg_ctl's default minute; so can an isolation step (default 300 s).
export PGCTLTIMEOUT=900 PGISOLATIONTIMEOUT=1800
echo "== starting PostgreSQL $version under Valgrind (logs in $logdir)"
CLUSTER_POSTGRES=$logdir/postgres-valgrind start_cluster \
    "autovacuum = off" "max_connections = 20" "log_connections = on" \
    "log_line_prefix = '%m [%p] '" >"$logdir/cluster.log" 2>&1 || {
    cat "$logdir/cluster.log"; echo "valgrind: the cluster did not start"; exit 1; }
tests_started=$SECONDS

passed=0
failed=0
tally() { passed=$((passed + $1)); failed=$((failed + $2)); }

# Run "$@" with the suite timeout, its output to $logdir/$suite; sets status.
run_suite() {
    local suite=$1
    shift
    status=0
    timeout "$suite_timeout" "$@" >"$logdir/$suite" 2>&1 || status=$?
    [ "$status" -eq 124 ] && echo "$suite: stopped after $suite_timeout s" | tee -a "$logdir/$suite"
    return 0
}

rm -rf results regression.diffs regression.out output_iso
for suite in regress isolation; do
    echo "== $suite under Valgrind: make installcheck"
    if [ "$suite" = regress ]; then
        run_suite regress make -s PG_CONFIG="$pg_config" ISOLATION= installcheck
    else
        run_suite isolation make -s PG_CONFIG="$pg_config" REGRESS= installcheck
    fi
    grep -E "^(test |ok |not ok )" "$logdir/$suite" || true
    [ "$status" -ne 0 ] && tail -n 5 "$logdir/$suite"
    tally $(count_regress "$logdir/$suite" "$status")
    wait_for_server 600 || true
done
for diffs in regression.diffs output_iso/regression.diffs; do
    [ -f "$diffs" ] && cp "$diffs" "$logdir/$(dirname "$diffs" | sed 's/^\.$/regress/;s/output_iso/isolation/').diffs"
done

if [ ${#pgtap_tests[@]} -gt 0 ]; then
    echo "== pgTAP under Valgrind: make installcheck-pgtap (${#pgtap_tests[@]} files)"
    run_suite pgtap make -s PG_CONFIG="$pg_config" PG_PROVE="pg_prove --timer" \
        PGTAP_TESTS="${pgtap_tests[*]}" installcheck-pgtap
    if [ "$status" -eq 0 ]; then grep -E "^\[[0-9:]+\] " "$logdir/pgtap" || true; else cat "$logdir/pgtap"; fi
    tally $(count_prove "$logdir/pgtap" "$status")
fi
tests_s=$((SECONDS - tests_started))

echo "== stopping PostgreSQL; reading the Valgrind logs"
stop_server

# an assertion failure prints a backtrace after its TRAP line
if grep -E -A8 "^TRAP:|terminated by signal" "$logdir/server.log" >"$logdir/crashes"; then
    echo "== server crashes and failed assertions"
    cat "$logdir/crashes"
    tally 0 "$(grep -cE "^TRAP:|terminated by signal" "$logdir/server.log")"
else
    rm -f "$logdir/crashes"
fi

# Every error block of every process: the blocks go to errors-ours.txt and
# errors-elsewhere.txt, each distinct one (same kind, same frames) once
# with its count, the processes that hit it and the suppression Valgrind
# proposes; the last line printed is "ours ours_distinct other
# other_distinct".
scan_errors() {
    awk -v ours_path="$PWD/src/" -v dir="$logdir" '
        # process id -> the test it ran, from log_connections
        FNR == 1 && FILENAME ~ /server\.log$/ { in_server = 1 }
        FNR == 1 && FILENAME !~ /server\.log$/ { in_server = 0; pid = FILENAME; sub(/.*\//, "", pid); sub(/\.log$/, "", pid) }
        in_server {
            if (match($0, /\[[0-9]+\] LOG:  connection authorized: .*application_name=[^ ]+/)) {
                p = $0; sub(/^[^[]*\[/, "", p); sub(/\].*/, "", p)
                a = $0; sub(/.*application_name=/, "", a); sub(/ .*/, "", a)
                app[p] = a
            }
            next
        }
        /VALGRINDERROR-BEGIN/ { inblock = 1; text = ""; next }
        /VALGRINDERROR-END/ {
            inblock = 0; insupp = 0
            key = text; gsub(/0x[0-9A-Fa-f]+/, "0x", key)
            mine = index(text, ours_path) > 0 || index(text, "task_outputs.so") > 0
            if (mine) ours++; else other++
            if (!(key in count)) {
                order[++n] = key; body[key] = text; isours[key] = mine; last = key; want_supp = 1
            } else want_supp = 0
            count[key]++
            who = pid (pid in app ? " (" app[pid] ")" : "")
            if (!((key, who) in seen) && nwho[key] < 10) {
                seen[key, who] = 1
                pids[key] = pids[key] (nwho[key]++ ? ", " : "") who
            }
            next
        }
        inblock { line = $0; sub(/^==[0-9:.]+ [0-9]+== /, "", line); text = text line "\n"; next }
        # the suppression Valgrind proposes follows the block, unprefixed
        want_supp && /^\{$/ { insupp = 1; supp[last] = "" }
        want_supp && insupp { supp[last] = supp[last] $0 "\n"; if ($0 ~ /^\}$/) { insupp = 0; want_supp = 0 } }
        END {
            for (i = 1; i <= n; i++) {
                k = order[i]
                f = dir "/errors-" (isours[k] ? "ours" : "elsewhere") ".txt"
                if (isours[k]) dours++; else dother++
                printf "---- %d time(s), in %s\n%s%s\n", count[k], pids[k], body[k], supp[k] >> f
            }
            print ours + 0, dours + 0, other + 0, dother + 0
        }' "$logdir/server.log" "$logdir"/valgrind/*.log
}
read -r ours ours_distinct other other_distinct < <(scan_errors)
if [ "$ours" -gt 0 ]; then
    # the top of each error here, with paths from the source trees' roots;
    # all of it and the suppressions in the file
    echo "== Valgrind errors in task_outputs ($ours_distinct distinct; in full in $logdir/errors-ours.txt)"
    awk -v ours="$PWD/" '
        /^---- / { n = 0 }
        /^\{$/ { skip = 1 }
        !skip && ++n <= 30 { gsub(ours, ""); gsub(/\(\/[^ ]*\/postgresql-[^/ ]*\//, "("); print }
        /^\}$/ { skip = 0 }' "$logdir/errors-ours.txt"
fi
[ "$other" -gt 0 ] && echo "== $other_distinct distinct Valgrind errors in PostgreSQL's own code: $logdir/errors-elsewhere.txt"

echo
echo "valgrind: PostgreSQL build and extension install ${build_s} s, suites ${tests_s} s, wall $((SECONDS - started)) s; logs in $logdir"
echo "valgrind: $ours errors in task_outputs, $other elsewhere; tests: $passed passed, $failed failed"
[ "$ours" -eq 0 ] && [ "$failed" -eq 0 ]
