--
-- list_task_outputs(): the organization's outputs as one JSON array, newest
-- first (ties broken by id, descending), soft-deleted ones hidden, each
-- object exactly as to_json renders the task_output record.
--
SET TimeZone = 'UTC';
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.list_task_outputs();   -- no rows: an empty array

BEGIN;
SELECT task_outputs.create_flow_execution('fe a1', '0f000000-0000-4000-8000-0000000000a1');
INSERT INTO task_outputs.outputs (id, flow_execution_id, task_name, status, summary, output, tags, created_at)
VALUES
  ('01000000-0000-7000-8000-000000000001', '0f000000-0000-4000-8000-0000000000a1', 'extract', 'completed',
   '{"pages": 10, "word_count": 5000}', '{"text": "line 1\nline 2\t\"quoted\" \\ back"}', '{pdf}', '2026-01-01 10:00:00.123456+00'),
  ('01000000-0000-7000-8000-000000000002', '0f000000-0000-4000-8000-0000000000a1', 'tâche «ünïcødé» ✓', 'failed',
   '{}', NULL, '{}', '2026-01-01 10:00:01+00'),
  ('01000000-0000-7000-8000-000000000003', '0f000000-0000-4000-8000-0000000000a1', E'ctl\x01\x1f', 'running',
   '{"nested": {"a": [1, 2.50, -3e-5, true, null]}}', '"scalar output"', '{"a b", "c\"d"}', '2026-01-01 10:00:01+00'),
  ('01000000-0000-7000-8000-000000000004', '0f000000-0000-4000-8000-0000000000a1', 'gone', 'completed',
   '{}', '{}', '{}', '2026-01-01 11:00:00+00');
UPDATE task_outputs.outputs SET status = 'deleted' WHERE id = '01000000-0000-7000-8000-000000000004';

-- updated_at is the transaction's time: shown as <now>
SELECT replace(task_outputs.list_task_outputs()::text, to_json(now())::text, '"<now>"') AS list;

-- exactly what json_agg over the same rows in the same order gives
SELECT task_outputs.list_task_outputs()::text =
       (SELECT json_agg(t ORDER BY t.created_at DESC, t.id DESC)::text
          FROM (SELECT id, flow_execution_id, organization_id, task_name, status, summary,
                       output, tags, last_modified_by, created_at, updated_at
                  FROM task_outputs.outputs WHERE status <> 'deleted') t) AS same_as_json_agg;

-- timestamps follow the session TimeZone, as to_json does
SET TimeZone = 'America/New_York';
SELECT (task_outputs.list_task_outputs()->2->>'created_at') AS created_at_new_york;
RESET TimeZone;

-- another organization sees none of it
SET task_outputs.org_id = '0b000000-0000-4000-8000-00000000000b';
SELECT task_outputs.list_task_outputs();

ROLLBACK;
RESET task_outputs.org_id;
