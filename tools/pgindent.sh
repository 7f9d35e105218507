#!/usr/bin/env bash
# tools/pgindent.sh -- format the C sources as PostgreSQL's pgindent does.
#
#   tools/pgindent.sh            rewrite src/ in place
#   tools/pgindent.sh --check    list the files pgindent would change; exit 1 if any
#
# Uses pgindent and pg_bsd_indent from a PostgreSQL release tree (18.6, from
# the same directory as tools/build-postgres.sh; pg_bsd_indent is built once
# into the cache), with PostgreSQL's typedefs.list plus ours: typedefs.list,
# which this script regenerates from the sources first.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

version=18.6
check=0
[ "${1:-}" = "--check" ] && check=1

pg_config=$(tools/build-postgres.sh "$version")
prefix=$(dirname "$(dirname "$pg_config")")
tree=$(cache_dir)/pgindent-$version
indent=$tree/pg_bsd_indent
if [ ! -x "$indent" ]; then
    tarballs=${POSTGRESQL_TARBALLS:-$(cd .. && pwd)/shared/postgresql}
    rm -rf "$tree" && mkdir -p "$tree"
    tar -xJf "$tarballs/postgresql-$version.tar.xz" -C "$tree" --strip-components=1 \
        --wildcards '*/src/tools/pg_bsd_indent/*' '*/src/tools/pgindent/*'
    (cd "$tree/src/tools/pg_bsd_indent" &&
        gcc -O1 -o "$indent" -I"$prefix/include/server" -DHAVE_CONFIG_H \
            args.c err.c indent.c io.c lexi.c parse.c pr_comment.c \
            -L"$prefix/lib" -lpgport -lpgcommon)
fi

# our typedefs: the names a typedef in src/ declares
grep -rhoE '^\} [A-Za-z_][A-Za-z0-9_]*;|typedef struct [A-Za-z_][A-Za-z0-9_]* [A-Za-z_][A-Za-z0-9_]*;|typedef [a-z ]+\(\*[A-Za-z_][A-Za-z0-9_]*\)' src |
    sed -E 's/^\} ([A-Za-z0-9_]+);/\1/; s/^typedef struct [A-Za-z0-9_]+ ([A-Za-z0-9_]+);/\1/; s/.*\(\*([A-Za-z0-9_]+)\)/\1/' |
    LC_ALL=C sort -u >typedefs.list
all=$(mktemp)
trap 'rm -f "$all"' EXIT
cat "$tree/src/tools/pgindent/typedefs.list" typedefs.list | LC_ALL=C sort -u >"$all"

files=$(find src -name '*.[ch]' | sort)
if [ "$check" -eq 1 ]; then
    out=$(perl "$tree/src/tools/pgindent/pgindent" --indent="$indent" --typedefs="$all" --diff $files || true)
    [ -z "$out" ] || { grep -E '^--- ' <<<"$out" | sed 's/^--- //; s/\t.*//'; exit 1; }
else
    perl "$tree/src/tools/pgindent/pgindent" --indent="$indent" --typedefs="$all" $files
fi
