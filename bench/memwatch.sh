#!/usr/bin/env bash
# bench/memwatch.sh OUTFILE -- sample the memory of the backend whose pid is
# in $BENCH_PID, 20 times a second, one line per sample into OUTFILE, until
# OUTFILE.stop appears or the backend exits.  The first sample is taken
# before this script returns, so it is the backend's idle state; sampling
# then goes on in the background.
#
# A line is "RssAnon VmRSS RssShmem" in kB.  RssAnon is the backend's
# private memory (palloc'd memory comes from malloc); VmRSS and VmHWM also
# count the shared buffers the backend has touched, so they say nothing
# about the backend's own memory.
out=$1
pid=${BENCH_PID:?BENCH_PID is not set}

sample() {
    local key val unit anon=0 rss=0 shmem=0
    while read -r key val unit; do
        case $key in
            RssAnon:) anon=$val ;;
            VmRSS:) rss=$val ;;
            RssShmem:) shmem=$val ;;
        esac
    done <"/proc/$pid/status" || return 1
    echo "$anon $rss $shmem" >>"$out"
}

: >"$out"
rm -f "$out.stop"
sample || exit 1
(
    while [ ! -e "$out.stop" ] && [ -r "/proc/$pid/status" ]; do
        sample || break
        sleep 0.05
    done
    rm -f "$out.stop"
    touch "$out.done"
) </dev/null >/dev/null 2>&1 &
