#!/usr/bin/env bash
# bench/load.sh -- the load benchmark of task_outputs: throughput and
# latency of each operation under the mixed workload of the load test, in
# one command.
#
#   bench/load.sh                          # DURATION=60 BASELINE=10; writes
#                                          # bench/results/load-latest.md
#   DURATION=20 BASELINE=5 bench/load.sh   # writes bench/out/load-quick.md
#
# Runs the load test, t/004_load.pl, through tools/tap.sh (which builds,
# installs into INSTALL_DESTDIR when set, and runs it as the postgres user
# on a throwaway node) for DURATION seconds: pgbench as two tenant roles of
# two organizations (2 clients each, scripts record, status, list and page)
# and as an admin of both (1 client), all at once.  The test then checks
# what it always checks (no failed transaction, no error in the server log,
# the invariants, every tenant sees exactly its own rows): its verdict is
# the run's.  Then, as the baseline, each writer and reader script runs
# alone, one client, BASELINE seconds each, on the data the load left.
#
# The report gives, per role and script, transactions per second and
# failures, and per statement (one API call each) its average latency, its
# calls per second, its latency alone and the ratio; then the same per
# operation over all roles.  pgbench's reports and the TAP output go to
# bench/out/, which is not committed.  Not part of the tests: timings on a
# shared machine are noisy, so nothing here asserts but the test's checks.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

DURATION=${DURATION:-60}
BASELINE=${BASELINE:-10}
case ${1:-} in
    "") ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: [DURATION=seconds] [BASELINE=seconds] bench/load.sh" >&2; exit 2 ;;
esac
for v in "$DURATION" "$BASELINE"; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "DURATION and BASELINE are whole seconds" >&2; exit 2; }
done

OUT=bench/out
mkdir -p "$OUT" bench/results
if [ "$DURATION" -ge 60 ] && [ "$BASELINE" -ge 10 ]; then
    REPORT=bench/results/load-latest.md
else
    REPORT=$OUT/load-quick.md
fi
RAW=$OUT/load-pgbench.txt
TAP=$OUT/load-tap.txt
rm -f "$RAW" "$TAP"

# The test runs as the postgres user, from a scratch copy of t/: its
# report file goes to a directory that user may write to.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-load.XXXXXX")
chmod 755 "$SCRATCH"
[ "$(id -u)" -eq 0 ] && chown postgres: "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT

START_TIME=$(date +%s)
echo "== load: ${DURATION} s of the mixed workload, then each script alone for ${BASELINE} s"
TASK_OUTPUTS_LOAD_SECONDS=$DURATION \
TASK_OUTPUTS_LOAD_BASELINE_SECONDS=$BASELINE \
TASK_OUTPUTS_LOAD_REPORT=$SCRATCH/pgbench.txt \
PROVE_FLAGS=-v \
    tools/tap.sh t/004_load.pl 2>&1 | tee "$TAP" | grep --line-buffered -E '^(==|ok|not ok|Result)'
TAP_STATUS=${PIPESTATUS[0]}
[ -s "$SCRATCH/pgbench.txt" ] && cp "$SCRATCH/pgbench.txt" "$RAW"
if [ ! -s "$RAW" ]; then
    echo "bench: the load test wrote no pgbench report (exit $TAP_STATUS); see $TAP" >&2
    exit 1
fi

TAP_OK=$(grep -c '^ok [0-9]' "$TAP")
TAP_NOT_OK=$(grep -c '^not ok [0-9]' "$TAP")
if [ "$TAP_STATUS" -eq 0 ] && [ "$TAP_NOT_OK" -eq 0 ] && grep -q '^Result: PASS' "$TAP"; then
    VERDICT="passed"
else
    VERDICT="**FAILED** (exit $TAP_STATUS)"
fi

# ------------------------------------------------------------ parsing
# pgbench's reports, one section per run ("== pgbench as ROLE, N s" for the
# load, "== pgbench alone: SCRIPT as ROLE, N s" for a baseline), into
# tab-separated records:
#   R run role clients transactions tps failed seconds          (per run)
#   S run role script weight transactions tps failed latency    (per script)
#   Q run role script n latency failures text                   (per statement)
# where run is "load" or "alone" and n counts the script's SQL statements
# (pgbench's \set lines are left out).
TSV=$OUT/load.tsv
awk -v OFS='\t' '
    function base(p) { sub(/.*\//, "", p); return p }
    function flush_run() {
        if (run == "") return
        print "R", run, role, clients, tx, tps, failed, dur
        if (!multi) print "S", run, role, script, 1, tx, tps, failed, lat
    }
    function flush_script() {
        if (multi && script != "") print "S", run, role, script, s_weight, s_tx, s_tps, s_failed, s_lat
    }
    /^== pgbench as / {
        flush_script(); flush_run()
        run = "load"; role = $4; sub(/,$/, "", role)
        multi = 0; script = ""; n = 0; next
    }
    /^== pgbench alone: / {
        flush_script(); flush_run()
        run = "alone"; role = $6; sub(/,$/, "", role)
        multi = 0; script = $4; n = 0; next
    }
    run == "" { next }
    /^transaction type: / { if ($3 == "multiple") multi = 1; else script = base($3); next }
    /^number of clients: / { clients = $4; next }
    /^duration: / { dur = $2; next }
    /^number of transactions actually processed: / { tx = $6; next }
    /^number of failed transactions: / { failed = $5; next }
    /^latency average = / { lat = $4; next }
    /^tps = / { tps = $3; next }
    /^SQL script [0-9]+: / { flush_script(); script = base($4); n = 0; next }
    /^ - weight: / { s_weight = $3; next }
    /^ - [0-9]+ transactions / { s_tx = $2; s_tps = $NF; sub(/\)$/, "", s_tps); next }
    /^ - number of failed transactions: / { s_failed = $6; next }
    /^ - latency average = / { s_lat = $5; next }
    /^ +[0-9.]+ +[0-9]+ +/ {
        text = $0
        sub(/^ +[0-9.]+ +[0-9]+ +/, "", text)
        if (text ~ /^\\/) next
        print "Q", run, role, script, ++n, $1, $2, text
        next
    }
    END { flush_script(); flush_run() }
' "$RAW" >"$TSV"

# What each statement of the test's scripts does, to label it: "script n
# operation description"; a label is used only when its operation is the
# function the statement calls (so a changed script shows its own text).
LABELS=$OUT/load-labels.txt
cat >"$LABELS" <<'EOF'
record.sql	1	record_task_output	a completed output (supersedes the task's previous one)
status.sql	1	record_task_output	a queued output
status.sql	2	set_task_output_status	queued → running
status.sql	3	set_task_output_status	running → failed
status.sql	4	set_task_output_status	failed → queued
status.sql	5	delete_task_output	soft delete of its own output
list.sql	1	list_task_outputs	a flow execution's outputs, limit 50
list.sql	2	task_outputs	records by tag, limit 100
page.sql	1	list_task_outputs_page	first page of 20 (a 500-output flow execution)
page.sql	2	list_task_outputs_page	the next page (`starting_after`)
admin.sql	1	set_config	switch organization (`task_outputs.org_id`)
admin.sql	2	delete_task_output	soft-delete up to 5 stale outputs found with `task_outputs()`
admin.sql	3	purge_task_outputs	purge the soft-deleted outputs
EOF

# ------------------------------------------------------------ report
# The tables, from the records: per role, each script and its statements;
# then per operation over all roles.  Calls per second of a statement =
# its script's transactions per second (one call per transaction);
# ratio = the latency under load / the latency alone.
TABLES=$(awk -F'\t' '
    function op_of(text,   m) {
        if (match(text, /task_outputs\.[a-z_]+\(/)) return substr(text, RSTART + 13, RLENGTH - 14)
        if (match(text, /set_config\(/)) return "set_config"
        return "statement"
    }
    function ms(v) { return sprintf("%.2f ms", v) }
    function persec(v) { return (v >= 100 ? sprintf("%.0f", v) : sprintf("%.1f", v)) }
    function ratio(a, b) { return (b > 0 ? sprintf("%.2f×", a / b) : "–") }
    FILENAME == ARGV[1] { label_op[$1, $2] = $3; label[$1, $2] = $4; next }
    $1 == "R" && $2 == "load" {
        roles[++nroles] = $3; clients[$3] = $4; rtx[$3] = $5; rtps[$3] = $6; rfailed[$3] = $7; rdur[$3] = $8
        next
    }
    $1 == "S" && $2 == "load" {
        k = $3 SUBSEP $4
        scripts[$3, ++nscripts[$3]] = $4
        weight[k] = $5; stx[k] = $6; stps[k] = $7; sfailed[k] = $8; slat[k] = $9
        next
    }
    $1 == "S" && $2 == "alone" { alone_tx_lat[$4] = $9; alone_failed[$4] = $8; next }
    $1 == "Q" {
        op = op_of($8)
        desc = (label_op[$4, $5] == op) ? label[$4, $5] : "`" substr($8, 1, 60) "…`"
        if ($2 == "alone") { alone_lat[$4, $5] = $6; next }
        k = $3 SUBSEP $4
        nst[k] = $5; qop[k, $5] = op; qdesc[k, $5] = desc; qlat[k, $5] = $6; qfail[k, $5] = $7
        next
    }
    END {
        total_tps = 0; total_calls = 0; total_failed = 0
        for (r = 1; r <= nroles; r++) {
            role = roles[r]
            total_tps += rtps[role]; total_failed += rfailed[role]
            printf "\n**%s**, %d client%s, %d s: %d transactions, %s/s, %d failed\n\n", role, clients[role],
                (clients[role] > 1 ? "s" : ""), rdur[role], rtx[role], persec(rtps[role]), rfailed[role]
            print "| script (weight) | transactions/s | failed | operation | what it does | avg latency | calls/s | alone | ratio |"
            print "|---|---|---|---|---|---|---|---|---|"
            for (s = 1; s <= nscripts[role]; s++) {
                sc = scripts[role, s]; k = role SUBSEP sc
                for (i = 1; i <= nst[k]; i++) {
                    first = (i == 1)
                    a = alone_lat[sc, i]
                    printf "| %s | %s | %s | `%s` | %s | %s | %s | %s | %s |\n",
                        first ? sc " (" weight[k] ")" : "", first ? persec(stps[k]) : "",
                        first ? sfailed[k] : "", qop[k, i], qdesc[k, i], ms(qlat[k, i]),
                        persec(stps[k]), a != "" ? ms(a) : "–", a != "" ? ratio(qlat[k, i], a) : "–"
                    total_calls += stps[k]
                    # per operation over all roles: calls and latency weighted by calls
                    g = qop[k, i] SUBSEP qdesc[k, i]
                    if (!(g in gcalls)) { gorder[++ngroups] = g; gscripts[g] = sc }
                    else if (index(", " gscripts[g] ", ", ", " sc ", ") == 0) gscripts[g] = gscripts[g] ", " sc
                    gcalls[g] += stps[k]; glat[g] += stps[k] * qlat[k, i]
                    if (a != "") { galone[g] += stps[k] * a; gcalls_alone[g] += stps[k] }
                }
            }
            printf "| **all** | **%s** | **%d** | | | | | | |\n", persec(rtps[role]), rfailed[role]
        }
        print ""
        print "PER_OPERATION"
        print "| operation | what it does | script | calls/s | avg latency | alone | ratio |"
        print "|---|---|---|---|---|---|---|"
        for (j = 1; j <= ngroups; j++) {
            g = gorder[j]; split(g, parts, SUBSEP)
            l = glat[g] / gcalls[g]
            a = (gcalls_alone[g] > 0 ? galone[g] / gcalls_alone[g] : "")
            printf "| `%s` | %s | %s | %s | %s | %s | %s |\n", parts[1], parts[2], gscripts[g],
                persec(gcalls[g]), ms(l), a != "" ? ms(a) : "–", a != "" ? ratio(l, a) : "–"
        }
        printf "TOTALS %s %s %d\n", persec(total_tps), persec(total_calls), total_failed
    }
' "$LABELS" "$TSV")

PER_ROLE=${TABLES%%PER_OPERATION*}
PER_OP=${TABLES#*PER_OPERATION}
read -r _ TOTAL_TPS TOTAL_CALLS TOTAL_FAILED < <(echo "$PER_OP" | grep '^TOTALS ')
PER_OP=$(echo "$PER_OP" | grep -v '^TOTALS ' | sed '/^$/d')
[ "${TOTAL_FAILED:-1}" -eq 0 ] || VERDICT="$VERDICT; **$TOTAL_FAILED failed transactions**"

# the machine and the run
PG_VERSION=$(grep -m1 -oE '^pgbench \(.*\)$' "$RAW" | sed -E 's/^pgbench \((.*)\)$/\1/; s/^[^,]*, server //')
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
RAM_GB=$(awk '/^MemTotal:/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src task_outputs--0.1.0.sql t 2>/dev/null || COMMIT="$COMMIT (modified)"
CLIENTS=$(awk -F'\t' '$1 == "R" && $2 == "load" { printf "%s%s %d", (n++ ? ", " : ""), $3, $4 }' "$TSV")
NCLIENTS=$(awk -F'\t' '$1 == "R" && $2 == "load" { n += $4 } END { print n + 0 }' "$TSV")
# the test's checks, one line each ("ok"/"not ok" and what it checks)
CHECKS=$(grep -E '^(not )?ok [0-9]+ - ' "$TAP" | sed -E 's/^ok [0-9]+ - /- ok: /; s/^not ok [0-9]+ - /- **not ok**: /; s/ \(audit_trail[^)]*\)$//')
RUN_CMD="bench/load.sh"
[ "$DURATION" -ne 60 ] || [ "$BASELINE" -ne 10 ] && RUN_CMD="DURATION=$DURATION BASELINE=$BASELINE bench/load.sh"
TOTAL_S=$(( $(date +%s) - START_TIME ))

{
    echo "# task_outputs load benchmark"
    echo
    echo "\`$RUN_CMD\` on $(date -u +%Y-%m-%d), commit $COMMIT: PostgreSQL $PG_VERSION,"
    echo "$(nproc) cores ($CPU), $RAM_GB GiB RAM, shared with other work; the whole run took $((TOTAL_S / 60)) min $((TOTAL_S % 60)) s."
    echo
    echo "The workload of \`t/004_load.pl\` for $DURATION s: pgbench (extended protocol, over a Unix socket, on the"
    echo "same cores) as three roles at once — clients per role: $CLIENTS. \`to_a\` and \`to_b\` are writers of two"
    echo "organizations (20 flow executions each, plus one of 500 outputs that nobody changes), each running the"
    echo "scripts record, status, list and page by weight; \`to_admin\` acts for both organizations in turn (and"
    echo "stops a second early, so that the writers' last soft deletes are left for the checks). The node is"
    echo "PostgreSQL::Test::Cluster's (the server's defaults, but \`fsync = off\`, \`wal_level = minimal\`)."
    echo
    echo "**In all: $TOTAL_TPS transactions/s, $TOTAL_CALLS statements/s, ${TOTAL_FAILED:-?} failed transactions.**"
    echo "**The test's checks: $VERDICT** ($TAP_OK passed, $TAP_NOT_OK failed; listed at the end)."
    echo
    echo "Baseline (\"alone\"): right after the load, each writer and reader script again as \`to_a\`, alone on the"
    echo "cluster, one client, for $BASELINE s each, on the data the load left. Ratio = the average latency under"
    echo "load ÷ alone. Under load $NCLIENTS clients, their $NCLIENTS backends and pgbench itself share $(nproc) cores that other"
    echo "work also uses, so the ratio is waiting for a core as well as for locks (a writer locks the flow"
    echo "execution it writes to). The admin's statements have no baseline: what they do depends on what the"
    echo "writers leave them."
    echo
    echo "## Per operation, all roles"
    echo
    echo "$PER_OP"
    echo
    echo "## Per role and script"
    echo
    echo "Calls/s of a statement = its script's transactions/s (one call per transaction)."
    printf "%s" "$PER_ROLE"
    echo
    echo "Each script alone (one client, $BASELINE s):"
    echo
    awk -F'\t' '$1 == "S" && $2 == "alone" {
        printf "- %s: %s transactions/s, %.2f ms per transaction, %d failed\n", $4, sprintf("%.0f", $7), $9, $8 }' "$TSV"
    echo
    echo "## The test's checks"
    echo
    echo "During and after the load (\`t/004_load.pl\`; the invariants are \`check_invariants\` of \`t/lib/TaskOutputsNode.pm\`):"
    echo
    echo "$CHECKS"
} >"$REPORT"

echo
cat "$REPORT"
echo
echo "== report: $REPORT; pgbench's reports: $RAW; TAP output: $TAP"
echo "bench: load run done in ${TOTAL_S}s, checks $VERDICT"
case $VERDICT in passed) exit 0 ;; *) exit 1 ;; esac
