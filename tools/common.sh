# tools/common.sh -- shared by the run and test commands: packages, build,
# and a throwaway PostgreSQL cluster run as the postgres user.
# Sourced, not executed.

PG_MAJOR=${PG_MAJOR:-15}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}

# Run a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Run a command as the cluster's owner: postgres when we are root (the
# server refuses to run as root), else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Install the Debian packages in "$@" that are missing, updating the
# package lists first.
ensure_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Build and install the extension into the server; with INSTALL_DESTDIR
# set, into that staging directory instead (no root needed), which
# start_cluster then points the server at with Debian's extension_destdir.
build_and_install() {
    echo "== building and installing task_outputs"
    # objects built for another server (PGXS does not track the server,
    # nor header dependencies) must not be reused
    make -s PG_CONFIG="$PG_BIN/pg_config" clean >/dev/null
    make -s -j"$(nproc)" PG_CONFIG="$PG_BIN/pg_config" >/dev/null
    if [ -n "${INSTALL_DESTDIR:-}" ]; then
        make -s PG_CONFIG="$PG_BIN/pg_config" DESTDIR="$INSTALL_DESTDIR" install >/dev/null
    else
        as_root make -s PG_CONFIG="$PG_BIN/pg_config" install >/dev/null
    fi
}

# Start a throwaway cluster in a new directory; sets PGHOST, PGPORT,
# PGUSER, PGDATABASE and CLUSTER_DIR.  Extra postgresql.conf lines may be
# passed as arguments.  The port is CLUSTER_PORT if set, else a free one
# (tried again on another port if a concurrent run took it first).
# CLUSTER_POSTGRES, if set, is the executable pg_ctl starts instead of
# the build's postgres (a wrapper that runs it under Valgrind).
start_cluster() {
    local attempt port postgres_opt=()
    [ -n "${CLUSTER_POSTGRES:-}" ] && postgres_opt=(-p "$CLUSTER_POSTGRES")
    CLUSTER_DIR=$(mktemp -d /tmp/task_outputs.XXXXXX)
    chmod 755 "$CLUSTER_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$CLUSTER_DIR"
    as_owner "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -A trust -U postgres \
        --encoding=UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 || {
        cat "$CLUSTER_DIR/initdb.log"; return 1; }
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "unix_socket_directories = '$CLUSTER_DIR'"
        echo "fsync = off"
        echo "max_connections = 60"
        [ -n "${INSTALL_DESTDIR:-}" ] && echo "extension_destdir = '$INSTALL_DESTDIR'"
        for line in "$@"; do echo "$line"; done
    } | as_owner tee -a "$CLUSTER_DIR/data/postgresql.conf" >/dev/null
    for attempt in 1 2 3 4 5; do
        port=${CLUSTER_PORT:-$(free_port)}
        if as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" \
            "${postgres_opt[@]}" -o "-p $port" -w start >/dev/null; then
            export PGHOST=$CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
            return 0
        fi
        [ -n "${CLUSTER_PORT:-}" ] && break
    done
    cat "$CLUSTER_DIR/server.log"
    return 1
}

stop_cluster() {
    [ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR/data" ] || return 0
    as_owner "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$CLUSTER_DIR"
}

# Wait until the server accepts connections again, as after a crash of a
# backend; at most $1 seconds (default 60).
wait_for_server() {
    local attempt
    for attempt in $(seq "${1:-60}"); do
        "$PG_BIN/pg_isready" -q && return 0
        sleep 1
    done
    return 1
}

# Install Debian's pgTAP (plain SQL, packaged for Debian's server only)
# into the extension directory of the server whose pg_config is $1.
install_pgtap() {
    cp /usr/share/postgresql/15/extension/pgtap.control \
        /usr/share/postgresql/15/extension/pgtap--*.sql "$("$1" --sharedir)/extension/"
}

# A free TCP port from a random start in 54320-54819 up.
free_port() {
    local port=$((54320 + RANDOM % 500))
    while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null || [ -e "/tmp/.s.PGSQL.$port" ]; do
        port=$((port + 1))
    done
    echo $port
}

# Where builds of PostgreSQL and Citus are cached, outside the checkout and
# readable by the postgres user that runs the clusters.
cache_dir() {
    local dir=${TASK_OUTPUTS_CACHE:-}
    if [ -z "$dir" ]; then
        if [ "$(id -u)" -eq 0 ]; then dir=/var/cache/task_outputs; else dir=${XDG_CACHE_HOME:-$HOME/.cache}/task_outputs; fi
    fi
    mkdir -p "$dir" && chmod 755 "$dir"
    echo "$dir"
}

# The runners' tallies, the one parser of their output for the test
# command and the version matrix.  Each prints "passed failed" for the log
# file $1 of a run that exited with status $2; a run that failed without
# saying how counts one failure.

# pg_regress and pg_isolation_regress: "All N tests passed", "N of M tests
# failed".
count_regress() {
    awk -v status="$2" '
        /All [0-9]+ tests passed/ { for (i = 1; i <= NF; i++) if ($i == "All") p += $(i + 1) }
        /[0-9]+ of [0-9]+ tests failed/ {
            for (i = 1; i <= NF; i++) if ($i == "of") { f += $(i - 1); p += $(i + 1) - $(i - 1) }
        }
        END { if (status != 0 && f == 0) f = 1; print p + 0, f + 0 }' "$1"
}

# prove (pgTAP and Perl TAP): "Tests=N", "Failed n/N subtests".
count_prove() {
    awk -v status="$2" '
        /Tests=[0-9]+/ { match($0, /Tests=[0-9]+/); t = substr($0, RSTART + 6, RLENGTH - 6) }
        /Failed [0-9]+\/[0-9]+ subtests/ { match($0, /Failed [0-9]+\//); f += substr($0, RSTART + 7, RLENGTH - 8) }
        END { if (status != 0 && f == 0) f = 1; print (t > f ? t - f : 0), f + 0 }' "$1"
}
