#!/usr/bin/env bash
# tools/build-postgres.sh -- build one PostgreSQL release from its source
# tree into a cache outside the checkout, once, and print its pg_config.
#
#   tools/build-postgres.sh VERSION [--cassert | --valgrind]
#
# VERSION names a tarball postgresql-VERSION.tar.xz in $POSTGRESQL_TARBALLS
# (default: ../shared/postgresql beside the checkout), whose checksum is
# verified against SHA256SUMS there.  The installation lands in
# $TASK_OUTPUTS_CACHE/postgresql-VERSION-<key>, where the key hashes the
# tarball's checksum and the configure flags: a new tarball or new flags
# build anew, anything else reuses the cache.  --cassert builds with
# assertions, memory context checking and debug symbols (the memory oracle
# of the test command); without it, an optimized build as a DBA would run.
# --valgrind is the assertion build unoptimized and with USE_VALGRIND (the
# memory contexts tell Valgrind which bytes are allocated and defined),
# for tools/valgrind.sh; the tree's src/tools/valgrind.supp is installed
# beside it as share/valgrind.supp.
# Besides the server: contrib/amcheck (the crash tests check indexes) and
# the isolation tester.  Progress goes to stderr, the pg_config path to
# stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

version=${1:?usage: tools/build-postgres.sh VERSION [--cassert | --valgrind]}
flavour=release
case "${2:-}" in
    --cassert) flavour=cassert ;;
    --valgrind) flavour=valgrind ;;
    "") ;;
    *) echo "usage: tools/build-postgres.sh VERSION [--cassert | --valgrind]" >&2; exit 2 ;;
esac

tarballs=${POSTGRESQL_TARBALLS:-$(cd .. && pwd)/shared/postgresql}
tarball=$tarballs/postgresql-$version.tar.xz
[ -f "$tarball" ] || { echo "build-postgres: no $tarball (set POSTGRESQL_TARBALLS)" >&2; exit 1; }

configure_flags=(--without-icu --without-readline --enable-tap-tests)
if [ "$flavour" = cassert ]; then
    configure_flags+=(--enable-cassert --enable-debug)
    cflags="-O1 -ggdb -fno-omit-frame-pointer"
elif [ "$flavour" = valgrind ]; then
    configure_flags+=(--enable-cassert --enable-debug CPPFLAGS=-DUSE_VALGRIND)
    cflags="-O0 -ggdb -fno-omit-frame-pointer"
else
    cflags="-O2 -g"
fi

sum=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ -f "$tarballs/SHA256SUMS" ] && ! grep -q "^$sum  postgresql-$version.tar.xz$" "$tarballs/SHA256SUMS"; then
    echo "build-postgres: checksum of $tarball does not match SHA256SUMS" >&2
    exit 1
fi
key=$(printf '%s %s %s\n' "$sum" "${configure_flags[*]}" "$cflags" | sha256sum | cut -c1-12)
prefix=$(cache_dir)/postgresql-$version-$flavour-$key

# one build of a key at a time: a concurrent run waits, then reuses it
exec 9>"$prefix.lock"
flock 9
if [ -x "$prefix/bin/pg_config" ] && [ -f "$prefix/.complete" ]; then
    echo "$prefix/bin/pg_config"
    exit 0
fi

packages=(make gcc bison flex zlib1g-dev libipc-run-perl)
[ "$flavour" = valgrind ] && packages+=(valgrind)   # valgrind/memcheck.h
ensure_packages "${packages[@]}" >&2
echo "== building PostgreSQL $version ($flavour) into $prefix (several minutes, once)" >&2
started=$SECONDS
work=$(mktemp -d /tmp/postgresql-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -xJf "$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
rm -rf "$prefix"
(
    cd "$src"
    ./configure --prefix="$prefix" "${configure_flags[@]}" CFLAGS="$cflags" >"$work/configure.log" 2>&1 ||
        { tail -n 40 "$work/configure.log"; exit 1; }
    jobs=$(( $(nproc) + 1 ))
    make -s -j"$jobs" >"$work/make.log" 2>&1 || { tail -n 60 "$work/make.log"; exit 1; }
    make -s install >"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log"; exit 1; }
    for dir in contrib/amcheck src/test/isolation; do
        make -s -j"$jobs" -C "$dir" install >>"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log"; exit 1; }
    done
    if [ "$flavour" = valgrind ]; then
        cp src/tools/valgrind.supp "$prefix/share/valgrind.supp"
    fi
) >&2
chmod -R a+rX "$prefix"
touch "$prefix/.complete"
echo "== built PostgreSQL $version ($flavour) in $((SECONDS - started)) s" >&2
echo "$prefix/bin/pg_config"
