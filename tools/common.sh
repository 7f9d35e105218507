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
    make -s PG_CONFIG="$PG_BIN/pg_config" >/dev/null
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
start_cluster() {
    local attempt port
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
            -o "-p $port" -w start >/dev/null; then
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
