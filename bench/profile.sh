#!/usr/bin/env bash
# bench/profile.sh -- profile a backend with perf, for bench/run.sh --profile.
#
#   bench/profile.sh start FILE    perf record the backend $BENCH_PID into FILE
#                                  (in the background; returns once recording)
#   bench/profile.sh stop FILE     stop that recording and wait for it
#   bench/profile.sh report FILE   the functions with the most samples of
#                                  their own, then "component: NAME PCT%"
#                                  lines: the samples grouped by what the
#                                  backend was doing
#
# Samples are flat (no call graphs: Debian's server has no frame pointers),
# so a function's time is its own; the components are named by function
# and library.  Run as root, or where perf_event_paranoid lets perf attach.
set -uo pipefail

cmd=${1:?usage: bench/profile.sh start|stop|report FILE}
file=${2:?usage: bench/profile.sh start|stop|report FILE}

case $cmd in
    start)
        pid=${BENCH_PID:?BENCH_PID is not set}
        rm -f "$file" "$file.pid"
        perf record -q -F 1999 -p "$pid" -o "$file" >"$file.log" 2>&1 </dev/null &
        echo $! >"$file.pid"
        # perf writes its header once it is attached
        for _ in $(seq 50); do
            [ -s "$file" ] && break
            kill -0 "$(cat "$file.pid")" 2>/dev/null || break
            sleep 0.1
        done
        ;;
    stop)
        [ -f "$file.pid" ] || exit 0
        pid=$(cat "$file.pid")
        kill -INT "$pid" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        rm -f "$file.pid"
        ;;
    report)
        [ -s "$file" ] || { echo "no profile: $(cat "$file.log" 2>/dev/null)"; exit 1; }
        perf report -i "$file" --no-children --sort dso,sym --stdio -q --percent-limit 0.01 2>/dev/null |
            awk '
            $1 ~ /%$/ {
                pct = $1; sub(/%$/, "", pct); dso = $2
                sym = $0; sub(/^.*\[[.k]\] +/, "", sym); sub(/ +$/, "", sym)
                if (shown++ < 30) printf "%7.2f%%  %-20s %s\n", pct, dso, sym
                c = "other"
                if (dso ~ /kallsyms|^\[kernel/) {
                    if (sym ~ /copy_user|copy_to_user|copy_from_user|filemap|copy_page_to_iter|copy_page_from_iter|_read_iter|_write_iter|vfs_|ext4|xfs|generic_perform_write|generic_file|pagecache|fsnotify|__fdget/)
                        c = "kernel: file reads and writes (page cache)"
                    else if (sym ~ /page|fault|mm_|pte|pmd|folio|lru|memcg|mem_cgroup|vma|mas_|rmap|zone|free|alloc|list_del|list_add|unmap|mmap|brk|tlb|clear_|charge|rcu|irqrestore|spin_unlock|mod_node|__count_memcg/)
                        c = "kernel: memory (page faults, mapping, freeing)"
                    else if (sym ~ /schedule|switch|finish_task|__sched|idle|tick/)
                        c = "kernel: scheduling"
                    else
                        c = "kernel: other"
                } else if (dso ~ /llvm|LLVM/ || sym ~ /llvm|LLVM/)
                    c = "JIT compilation"
                else if (dso ~ /task_outputs/)
                    c = "task_outputs (rendering, receivers)"
                else if (sym ~ /tuplesort|logtape|LogicalTape|BufFile|comparetup|qsort|ApplySortComparator|ApplyUnsignedSortComparator|ssup_|writetup|readtup|copytup|mergeruns|mergeonerun|FileRead|FileWrite|tuplestore/)
                    c = "sort, tuplestores and temporary files"
                else if (sym ~ /pglz|lz4|detoast|toast_|heap_fetch_toast|varsize_any/)
                    c = "TOAST: fetch and decompress"
                else if (sym ~ /JsonbToCString|escape_json|jsonb_|json_|Jsonb|datum_to_json|composite_to_json|array_to_json|_out$|EncodeDateTime|EncodeTimezone|timestamp2tm|appendStringInfo|appendBinaryStringInfo|enlargeStringInfo|OutputFunctionCall|textin|text_to_cstring|cstring_to_text|pg_utf_mblen|pg_mblen|numeric_|get_str_from_var|AppendSeconds|j2date|pg_ultostr|pg_ltostr|pg_lltoa|pg_ulltoa|float8out|uuid_out/)
                    c = "PostgreSQL JSON and output functions"
                else if (sym ~ /memcpy|memmove|memset|AllocSet|palloc|pfree|repalloc|MemoryContext|malloc|_int_free|_int_malloc|cfree|^free$|mmap|brk|GenerationAlloc|SlabAlloc|datumCopy|heap_copytuple/)
                    c = "memory: copies and allocation"
                else if (sym ~ /heap|Heap|index_|_bt|^bt|Buffer|ExecScan|IndexNext|IndexOnly|SeqNext|ExecIndex|ExecSeq|LWLock|hash_search|slot_|tts_|ExecInterp|ExecEval|ExecProject|ExecQual|ExecStore|heapgettup|visibilitymap|uuid_cmp|timestamp_cmp|enum_|ExecProcNode|ExecGather|ExecMerge|ExecSort|ExecAgg|ExecResult|ExecLimit|ExecFunctionScan|ExecProjectSet|PinBuffer|UnpinBuffer|StrategyGetBuffer|XidInMVCCSnapshot|TransactionId|pg_atomic|ResourceOwner|hash_bytes|tag_hash|CheckForSerializableConflict|PredicateLock/)
                    c = "executor: heap and index access, tuples"
                else if (dso ~ /\[unknown\]|perf-[0-9]+\.map|^\[anon|^\[JIT/)
                    c = "unknown (JIT-compiled code, unresolved addresses)"
                total[c] += pct
            }
            END {
                print ""
                n = 0
                for (c in total) names[++n] = c
                for (i = 1; i <= n; i++)
                    for (j = i + 1; j <= n; j++)
                        if (total[names[j]] > total[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
                for (i = 1; i <= n; i++)
                    if (total[names[i]] >= 1) printf "component: %s %.0f%%\n", names[i], total[names[i]]
            }'
        echo
        echo "samples: $(perf report -i "$file" --stdio 2>/dev/null | sed -n 's/^# Samples: \([^ ]*\).*/\1/p' | head -n 1)"
        ;;
    *)
        echo "usage: bench/profile.sh start|stop|report FILE" >&2
        exit 2
        ;;
esac
