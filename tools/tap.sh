#!/usr/bin/env bash
# tools/tap.sh -- run the Perl TAP tests (t/*.pl) with prove.
#
#   tools/tap.sh [--no-build] [t/NNN_name.pl ...]
#
# Runs make installcheck-tap against the server in PG_BIN (default: Debian's
# PostgreSQL $PG_MAJOR).  The tests start their own clusters with
# PostgreSQL::Test::Cluster, which refuses to run as root: as root, make
# runs as the postgres user, from a copy of the Makefile and t/ in a
# scratch directory that user can write to (the repository stays clean).
# The environment is passed on (a test's own settings, such as
# TASK_OUTPUTS_LOAD_SECONDS, apply); a file a test is told to write must be
# where that user may write.  The nodes load the extension from
# INSTALL_DESTDIR when it is set, like every other suite.  Builds and
# installs first unless --no-build (the test command has done it already).
# Exits with prove's status; on failure the failing tests' logs are
# printed.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

build=1
if [ "${1:-}" = "--no-build" ]; then
    build=0
    shift
fi
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(t/*.pl)

if [ "$build" -eq 1 ]; then
    ensure_packages make gcc "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
        libipc-run-perl libio-pty-perl || exit 1
    build_and_install || exit 1
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/task_outputs-tap.XXXXXX")
cp -r Makefile task_outputs.control t README.md "$workdir/"
chmod -R a+rX "$workdir"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$workdir"

# make installcheck-tap sets PATH, PG_REGRESS and the test modules' path
# from the server's PGXS installation
(
    cd "$workdir" && as_owner env \
        INSTALL_DESTDIR="${INSTALL_DESTDIR:-}" \
        make -s PG_CONFIG="$PG_BIN/pg_config" PROVE_FLAGS="--timer ${PROVE_FLAGS:-}" \
        PROVE_TESTS="${tests[*]}" installcheck-tap
)
status=$?

if [ "$status" -ne 0 ]; then
    for log in "$workdir"/tmp_check/log/regress_log_*; do
        [ -f "$log" ] || continue
        echo "== $(basename "$log") (last 60 lines)"
        tail -n 60 "$log"
    done
fi
rm -rf "$workdir"
exit "$status"
