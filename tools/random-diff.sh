#!/usr/bin/env bash
# tools/random-diff.sh -- long randomized differential runs of the read API.
#
#   tools/random-diff.sh [--seed S] [--iterations N] [--shapes K] [--shape k] [--use-cluster]
#
# For each of K data shapes (default 5) derived from the seed S (default:
# the current time, printed), generates data with the fixtures of
# test/differential.sql -- from 30 to 10000 outputs, from one created_at
# shared by all rows to nearly all distinct -- and checks N random filter
# combinations (default 300; N/4 more with include_deleted as an admin)
# and page walks of random sizes against the obvious SQL, with the same
# functions as the fixed-seed run of the test command (tools/random-diff.sql).
# Every mismatch is printed with its filter values and the command that
# replays its shape; --shape k runs only shape k of seed S.
#
# Without --use-cluster it builds, installs (honouring INSTALL_DESTDIR)
# and runs on a throwaway cluster.  Exits non-zero on a mismatch.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

seed=$(date +%s)
iterations=300
shapes=5
only=""
use_cluster=0
while [ $# -gt 0 ]; do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --iterations) iterations=$2; shift 2 ;;
        --shapes) shapes=$2; shift 2 ;;
        --shape) only=$2; shift 2 ;;
        --use-cluster) use_cluster=1; shift ;;
        *) echo "usage: $0 [--seed S] [--iterations N] [--shapes K] [--shape k] [--use-cluster]" >&2; exit 2 ;;
    esac
done

if [ "$use_cluster" -eq 0 ]; then
    ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" || exit 1
    build_and_install || exit 1
    start_cluster || exit 1
    trap stop_cluster EXIT
fi

db=task_outputs_diff
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || exit 1
psql -q -X -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION task_outputs" >/dev/null || exit 1

# A number in [0, 1) from the seed, the shape and a salt: the same inputs
# give the same shape on any machine.
frac() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { p = 1000003; x = (a * 7919 + b * 104729 + c * 1299709) % p; x = (x * x + 12345) % p; x = (x * x + c) % p; printf "%.6f", x / p }'; }
pick() { local list=($1); local i; i=$(awk -v f="$2" -v n=${#list[@]} 'BEGIN { print int(f * n) }'); echo "${list[$i]}"; }

echo "== randomized differential run: seed $seed, $shapes shapes, $iterations combinations each"
mismatches=0
total_start=$(date +%s)
for k in $(seq 1 "$shapes"); do
    [ -n "$only" ] && [ "$k" != "$only" ] && continue
    rows=$(pick "30 200 900 3000 10000" "$(frac "$seed" "$k" 1)")
    instants=$(pick "1 5 50 300 5000" "$(frac "$seed" "$k" 2)")
    data_seed=$(frac "$seed" "$k" 3)
    combo_seed=$(frac "$seed" "$k" 4)
    admin_seed=$(frac "$seed" "$k" 5)
    # page sizes: one small, one about a tenth of the rows, one large
    small=$(awk -v f="$(frac "$seed" "$k" 6)" 'BEGIN { print 1 + int(f * 20) }')
    tenth=$(( rows / 10 + 1 ))
    pages="{$small,$tenth,10000}"
    [ "$rows" -gt 1000 ] && pages="{$tenth,10000}"   # keep the walks short on big shapes
    echo "== shape $k: rows=$rows instants=$instants data_seed=$data_seed combo_seed=$combo_seed admin_seed=$admin_seed pages=$pages"
    start=$(date +%s)
    out=$(psql -X -d "$db" -v data_seed="$data_seed" -v data_rows="$rows" -v data_instants="$instants" \
        -v combo_seed="$combo_seed" -v admin_seed="$admin_seed" -v iterations="$iterations" \
        -v page_sizes="$pages" -f tools/random-diff.sql 2>&1)
    rc=$?
    echo "$out" | grep -v "^MISMATCH"
    n=$(echo "$out" | grep -c "^MISMATCH")
    if [ "$rc" -ne 0 ] || [ "$n" -gt 0 ]; then
        echo "$out" | grep "^MISMATCH" | head -20
        [ "$n" -gt 20 ] && echo "   ... and $((n - 20)) more"
        [ "$rc" -ne 0 ] && echo "   psql failed (exit $rc)"
        echo "   REPLAY: tools/random-diff.sh --seed $seed --iterations $iterations --shapes $shapes --shape $k"
        mismatches=$((mismatches + n + (rc != 0)))
    fi
    echo "   $(( $(date +%s) - start )) s"
done
echo "randomized differential run: seed $seed, $mismatches mismatches, $(( $(date +%s) - total_start )) s"
[ "$mismatches" -eq 0 ]
