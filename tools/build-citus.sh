#!/usr/bin/env bash
# tools/build-citus.sh -- build Citus once into a cache outside the checkout
# and install it from there into the PostgreSQL server the clusters run.
#
#   tools/build-citus.sh
#
# The release tarball, its one patch and its build script live in
# $CITUS_SOURCE (default: ../shared/citus beside the checkout); the build
# script is run unchanged, with the Debian dependencies installed here
# first (the server's development headers at exactly the server's package
# version: headers of a newer point release make it apply a patch whose
# symbol an older server does not export) and `make install` staged into
# the cache with DESTDIR.  The cache entry is keyed by the tarball's
# sha256 and `pg_config --version`: a new tarball or a new server builds
# anew, anything else only copies the cached files (the shared libraries
# and the extension's control and script files) into the server's
# directories, and does nothing when they are already there.  Installing
# into the server needs root.  Progress goes to stderr; the cache entry's
# path to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

citus_source=${CITUS_SOURCE:-$(cd .. && pwd)/shared/citus}
tarball=$(find "$citus_source" -maxdepth 1 -name 'citus-*.tar.gz' | sort | tail -n 1)
[ -n "$tarball" ] && [ -x "$citus_source/build-citus.sh" ] || {
    echo "build-citus: no citus-*.tar.gz and build-citus.sh in $citus_source (set CITUS_SOURCE)" >&2
    exit 1
}
pg_config=$PG_BIN/pg_config
[ -x "$pg_config" ] || { echo "build-citus: no $pg_config (PostgreSQL $PG_MAJOR server)" >&2; exit 1; }

version=$(basename "$tarball" .tar.gz)
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
pg_version=$("$pg_config" --version)
key=$(printf '%s %s\n' "$sum" "$pg_version" | sha256sum | cut -c1-12)
entry=$(cache_dir)/$version-pg$PG_MAJOR-$key
pkglibdir=$("$pg_config" --pkglibdir)
sharedir=$("$pg_config" --sharedir)

# Install the build dependencies; the server headers at the server's version.
install_build_deps() {
    local server_version dev_version
    server_version=$(dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR" 2>/dev/null || true)
    [ -n "$server_version" ] || { echo "build-citus: package postgresql-$PG_MAJOR is not installed" >&2; exit 1; }
    ensure_packages make gcc libkrb5-dev liblz4-dev libzstd-dev
    dev_version=$(dpkg-query -W -f='${Status} ${Version}' "postgresql-server-dev-$PG_MAJOR" 2>/dev/null |
        sed -n 's/^install ok installed //p')
    if [ -z "$dev_version" ]; then
        echo "== installing: postgresql-server-dev-$PG_MAJOR=$server_version" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "postgresql-server-dev-$PG_MAJOR=$server_version" >/dev/null
    elif [ "$dev_version" != "$server_version" ]; then
        echo "build-citus: postgresql-server-dev-$PG_MAJOR $dev_version does not match the server's $server_version" >&2
        exit 1
    fi
}

if [ ! -f "$entry/.complete" ]; then
    install_build_deps >&2
    echo "== building $version against $pg_version into $entry (minutes, once)" >&2
    work=$(mktemp -d /tmp/citus-build.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    rm -rf "$entry"
    start=$(date +%s)
    # The build script's `make install` honours DESTDIR from the environment.
    PG_CONFIG=$pg_config APT_DEPS=no WORKDIR=$work/src DESTDIR=$work/stage \
        "$citus_source/build-citus.sh" "$tarball" 2>&1 | grep -E '^(TIMING|patch)' >&2
    mkdir -p "$entry/lib" "$entry/extension"
    cp -a "$work/stage$pkglibdir"/. "$entry/lib/"
    cp -a "$work/stage$sharedir/extension"/. "$entry/extension/"
    chmod -R a+rX "$entry"
    echo "$version $sum" >"$entry/SOURCE"
    echo "$pg_version" >>"$entry/SOURCE"
    touch "$entry/.complete"
    echo "== built in $(($(date +%s) - start)) s" >&2
fi

# Install from the cache, file by file, only what differs.
changed=0
while IFS= read -r -d '' file; do
    rel=${file#"$entry"/}
    case $rel in
        lib/*) target=$pkglibdir/${rel#lib/} ;;
        extension/*) target=$sharedir/extension/${rel#extension/} ;;
        *) continue ;;
    esac
    if ! cmp -s "$file" "$target"; then
        as_root mkdir -p "$(dirname "$target")"
        as_root cp "$file" "$target"
        changed=$((changed + 1))
    fi
done < <(find "$entry/lib" "$entry/extension" -type f -print0)
if [ "$changed" -gt 0 ]; then
    echo "== installed $version into $pkglibdir ($changed files)" >&2
else
    echo "== $version already installed in $pkglibdir" >&2
fi
echo "$entry"
