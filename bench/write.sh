#!/usr/bin/env bash
# bench/write.sh -- what the write path's C triggers cost, side by side in
# one run on a throwaway cluster: a bulk INSERT of ROWS task outputs (each
# of its own task, so one current output per task, the usual case) with no
# triggers, with the C triggers, and with the same checks written as
# PL/pgSQL triggers; and the same rows through record_task_output, beside
# the same rows inserted one statement per row with no triggers (what
# record_task_output does, minus the rules).  Each figure is the median of
# REPEAT runs, the cases interleaved run by run, run as a writer role of the trusted tier
# (plain INSERTs need task_outputs_direct)
# (row-level security applies to all of them alike), with its baseline and
# ratio.
#
#   bench/write.sh                    # ROWS=100000 REPEAT=5; writes
#                                     # bench/results/write-latest.md
#   ROWS=20000 REPEAT=3 bench/write.sh   # prints only
#
# Honours INSTALL_DESTDIR like the test command.  Not part of the tests:
# timings on a shared machine are noisy, so nothing here asserts.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/common.sh

ROWS=${ROWS:-100000}
REPEAT=${REPEAT:-5}

build_and_install
start_cluster "shared_buffers = '256MB'" "max_wal_size = '4GB'" "checkpoint_timeout = '30min'"
trap stop_cluster EXIT
createdb bench

psql -q -X -v ON_ERROR_STOP=1 -d bench <<'SQL' >/dev/null
CREATE EXTENSION task_outputs;
CREATE ROLE bench_writer IN ROLE task_outputs_writer, task_outputs_direct;
SELECT task_outputs.grant_organization('bench_writer', '0a000000-0000-4000-8000-00000000000a');
CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO PUBLIC;
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.create_flow_execution('fe ' || n,
       ('0f000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid)
  FROM generate_series(1, 100) n;

-- elapsed milliseconds of one statement
CREATE FUNCTION bench.time_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE q;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;

-- One output inserted by one INSERT statement, as record_task_output does
-- it, with what its triggers would fill in given here: the baseline of
-- record_task_output, run with the triggers disabled.
CREATE FUNCTION bench.insert_one(p_fe uuid, p_task text, p_output jsonb, p_summary jsonb, p_tags text[])
RETURNS task_outputs.task_output LANGUAGE plpgsql AS $$
DECLARE r task_outputs.task_output;
BEGIN
  INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, output, summary, tags, status)
  VALUES (p_fe, '0a000000-0000-4000-8000-00000000000a', p_task, p_output, p_summary, p_tags, 'completed')
  RETURNING id, flow_execution_id, organization_id, task_name, status, summary, output,
            tags, last_modified_by, created_at, updated_at INTO r;
  RETURN r;
END $$;

-- The C triggers' checks, written in PL/pgSQL: id and organization from
-- the flow execution (visible through RLS), immutable columns, status
-- transitions, column rules, size limit, actor, stamps, supersession.
CREATE FUNCTION bench.plpgsql_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  org uuid := task_outputs.current_org_id();
  actor text := coalesce(nullif(current_setting('task_outputs.actor', true), ''), 'system');
  n int;
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.id := coalesce(NEW.id, task_outputs.uuid_generate_v7());
    IF NEW.flow_execution_id IS NULL THEN
      RAISE EXCEPTION 'invalid flow_execution_id' USING ERRCODE = 'PT400';
    END IF;
    IF NOT EXISTS (SELECT FROM task_outputs.flow_executions f
                    WHERE f.organization_id = coalesce(NEW.organization_id, org)
                      AND f.id = NEW.flow_execution_id) THEN
      RAISE EXCEPTION 'flow execution not found' USING ERRCODE = 'PT404';
    END IF;
    NEW.organization_id := coalesce(NEW.organization_id, org);
    NEW.created_at := coalesce(NEW.created_at, now());
  ELSE
    IF NEW.id <> OLD.id OR NEW.organization_id <> OLD.organization_id
       OR NEW.flow_execution_id <> OLD.flow_execution_id OR NEW.created_at <> OLD.created_at THEN
      RAISE EXCEPTION 'cannot change an immutable column' USING ERRCODE = 'PT409';
    END IF;
    IF NEW.status <> OLD.status AND NOT (OLD.status::text, NEW.status::text) IN (
         ('queued', 'running'), ('queued', 'failed'), ('queued', 'deleted'),
         ('running', 'completed'), ('running', 'failed'), ('running', 'deleted'),
         ('completed', 'stale'), ('completed', 'deleted'), ('failed', 'queued'),
         ('failed', 'stale'), ('failed', 'deleted'), ('stale', 'completed'), ('stale', 'deleted')) THEN
      RAISE EXCEPTION 'invalid status transition' USING ERRCODE = 'PT409';
    END IF;
  END IF;
  n := char_length(NEW.task_name);
  IF n IS NULL OR n < 1 OR n > 200 THEN
    RAISE EXCEPTION 'invalid task_name' USING ERRCODE = 'PT400';
  END IF;
  IF NEW.summary IS NULL OR jsonb_typeof(NEW.summary) <> 'object' THEN
    RAISE EXCEPTION 'invalid summary' USING ERRCODE = 'PT400';
  END IF;
  IF NEW.tags IS NULL OR array_ndims(NEW.tags) > 1 OR cardinality(NEW.tags) > 64
     OR EXISTS (SELECT FROM unnest(NEW.tags) t WHERE t IS NULL OR char_length(t) NOT BETWEEN 1 AND 100)
     OR (SELECT count(DISTINCT t) FROM unnest(NEW.tags) t) <> cardinality(NEW.tags) THEN
    RAISE EXCEPTION 'invalid tags' USING ERRCODE = 'PT400';
  END IF;
  IF pg_column_size(NEW.summary) + coalesce(pg_column_size(NEW.output), 0)
     > pg_size_bytes(current_setting('task_outputs.max_output_bytes')) THEN
    RAISE EXCEPTION 'task output is too large' USING ERRCODE = 'PT413';
  END IF;
  NEW.last_modified_by := actor;
  NEW.updated_at := now();
  IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN
    PERFORM pg_advisory_xact_lock(2052849665, abs(hashtext(NEW.organization_id::text
             || NEW.flow_execution_id::text || NEW.task_name)) % 1024);
    UPDATE task_outputs.outputs SET status = 'stale'
     WHERE organization_id = NEW.organization_id AND flow_execution_id = NEW.flow_execution_id
       AND task_name = NEW.task_name AND status = 'completed';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER bench_plpgsql_before_write BEFORE INSERT OR UPDATE ON task_outputs.outputs
  FOR EACH ROW EXECUTE FUNCTION bench.plpgsql_before_write();
-- planned like the C trigger's supersession query: never a scan per row
ALTER FUNCTION bench.plpgsql_before_write() SET enable_seqscan = off;
ALTER TABLE task_outputs.outputs DISABLE TRIGGER bench_plpgsql_before_write;
SQL

# the statements measured; fe cycles through 100 flow executions
INSERT_SQL="INSERT INTO task_outputs.outputs (flow_execution_id, organization_id, task_name, summary, output, tags)
SELECT ('0f000000-0000-4000-8000-' || lpad((1 + g % 100)::text, 12, '0'))::uuid,
       '0a000000-0000-4000-8000-00000000000a', 'task-' || g,
       jsonb_build_object('rows', g, 'ok', true),
       jsonb_build_object('text', repeat('x', 120), 'n', g, 'items', jsonb_build_array(1, 2, 3)),
       '{etl,nightly}'
  FROM generate_series(1, $ROWS) g"
# the same outputs as calls of a function (fe, task_name, output, summary, tags)
calls_of() {
    echo "SELECT count($1(
       ('0f000000-0000-4000-8000-' || lpad((1 + g % 100)::text, 12, '0'))::uuid,
       'task-' || g,
       jsonb_build_object('text', repeat('x', 120), 'n', g, 'items', jsonb_build_array(1, 2, 3)),
       jsonb_build_object('rows', g, 'ok', true),
       '{etl,nightly}'))
  FROM generate_series(1, $ROWS) g"
}
RECORD_SQL=$(calls_of task_outputs.record_task_output)
ONE_BY_ONE_SQL=$(calls_of bench.insert_one)

# triggers <none|c|plpgsql>: which BEFORE triggers the outputs table fires
triggers() {
    local c=DISABLE p=DISABLE
    [ "$1" = c ] && c=ENABLE
    [ "$1" = plpgsql ] && p=ENABLE
    psql -q -X -v ON_ERROR_STOP=1 -d bench >/dev/null <<SQL
ALTER TABLE task_outputs.outputs $c TRIGGER outputs_before_write;
ALTER TABLE task_outputs.outputs $c TRIGGER outputs_before_delete;
ALTER TABLE task_outputs.outputs $c TRIGGER outputs_audit;
ALTER TABLE task_outputs.outputs $p TRIGGER bench_plpgsql_before_write;
SQL
}

# measure <triggers> <sql>: ms of one run on an empty table, as the writer
measure() {
    triggers "$1"
    psql -q -X -v ON_ERROR_STOP=1 -d bench -c "TRUNCATE task_outputs.audit_trail, task_outputs.outputs" \
        -c "VACUUM ANALYZE task_outputs.outputs" -c "CHECKPOINT" >/dev/null
    psql -q -X -A -t -v ON_ERROR_STOP=1 -d bench \
        -c "SET ROLE bench_writer" \
        -c "SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a'" \
        -c "SELECT round(bench.time_ms(\$q\$$2\$q\$)::numeric, 1)"
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a none c plpgsql record one
echo "== $ROWS rows per run, $REPEAT runs each (interleaved), medians in ms"
for i in $(seq "$REPEAT"); do
    none+=("$(measure none "$INSERT_SQL")")
    c+=("$(measure c "$INSERT_SQL")")
    plpgsql+=("$(measure plpgsql "$INSERT_SQL")")
    one+=("$(measure none "$ONE_BY_ONE_SQL")")
    record+=("$(measure c "$RECORD_SQL")")
    echo "   run $i: none ${none[-1]}  C ${c[-1]}  PL/pgSQL ${plpgsql[-1]}  one by one ${one[-1]}  record_task_output ${record[-1]}"
done
triggers c

m_none=$(median "${none[@]}")
m_c=$(median "${c[@]}")
m_p=$(median "${plpgsql[@]}")
m_o=$(median "${one[@]}")
m_r=$(median "${record[@]}")
REPORT=$(awk -v n="$m_none" -v c="$m_c" -v p="$m_p" -v o="$m_o" -v r="$m_r" -v rows="$ROWS" 'BEGIN {
    printf "| case | figure | baseline | ratio | goal | met? |\n|---|---|---|---|---|---|\n";
    printf "| bulk INSERT, C triggers | %.0f ms | the same INSERT, no triggers: %.0f ms | %.2f (triggers add %+.0f%%) | <= 1.30 | %s |\n",
           c, n, c / n, (c - n) / n * 100, (c / n <= 1.30) ? "yes" : "**no**";
    printf "| `record_task_output`, one call per output | %.0f ms | the same single-row INSERTs, no triggers: %.0f ms | %.2f (triggers add %+.0f%%) | <= 1.30 | %s |\n",
           r, o, r / o, (r - o) / o * 100, (r / o <= 1.30) ? "yes" : "**no**";
    printf "| what the same checks as PL/pgSQL triggers add to the bulk INSERT, per row | %.2f µs | what the C triggers add: %.2f µs | %.1f× | several times (≥ 3×) | %s |\n",
           (p - n) * 1000 / rows, (c - n) * 1000 / rows, (c > n) ? (p - n) / (c - n) : 0,
           (p - n > 3 * (c - n)) ? "yes" : "**no**";
    printf "\nThe bulk INSERT with the PL/pgSQL triggers took %.0f ms, %.2f× the C triggers.\n", p, p / c;
}')
echo
echo "$REPORT"
if [ "$ROWS" = 100000 ] && [ "$REPEAT" -ge 5 ]; then
    {
        echo "# task_outputs write benchmark"
        echo
        echo "\`bench/write.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown):"
        echo "$(psql -X -A -t -d bench -c 'SELECT version()' | sed 's/ on .*//'), $(nproc) cores."
        echo "$ROWS task outputs per run over 100 flow executions, each of its own task; medians of"
        echo "$REPEAT runs, the cases interleaved, each on an emptied table, as a writer role under"
        echo "row-level security. Ratio = figure ÷ baseline."
        echo
        echo "$REPORT"
        echo
        echo "Every run (ms):"
        echo
        for i in $(seq 0 $((REPEAT - 1))); do
            echo "- run $((i + 1)): no triggers ${none[$i]}, C ${c[$i]}, PL/pgSQL ${plpgsql[$i]}, one by one ${one[$i]}, record_task_output ${record[$i]}"
        done
    } > bench/results/write-latest.md
    echo
    echo "== wrote bench/results/write-latest.md"
fi
