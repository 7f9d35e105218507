-- tools/sample-data.sql -- a small, realistic sample: two organizations,
-- several flow executions each, task outputs in every status.  Loaded by
-- tools/demo.sh as a superuser, acting for each organization in turn.
\set ON_ERROR_STOP 1
\set QUIET 1
\o /dev/null

-- Acme Corp: a document pipeline and a data import
SET task_outputs.org_id = '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01';
SET task_outputs.actor = 'system';
SELECT task_outputs.create_flow_execution('invoice-processing 2026-11-28', 'a1a1a1a1-0000-4000-8000-000000000001');
SELECT task_outputs.create_flow_execution('customer-import nightly', 'a1a1a1a1-0000-4000-8000-000000000002');
SELECT task_outputs.create_flow_execution('weekly-report', 'a1a1a1a1-0000-4000-8000-000000000003');

SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000001', 'extract_pdf',
    output => '{"documents": [{"file": "inv-1042.pdf", "text": "Invoice #1042\nTotal: 1,250.00 EUR"}, {"file": "inv-1043.pdf", "text": "Invoice #1043\nTotal: 980.50 EUR"}]}',
    summary => '{"pages": 10, "word_count": 5000}',
    tags => '{documents,pdf}');
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000001', 'classify',
    output => '{"labels": {"inv-1042.pdf": "invoice", "inv-1043.pdf": "invoice"}, "model": "doc-classifier-v3"}',
    summary => '{"documents": 2, "confidence": 0.97}',
    tags => '{ml}');
SET task_outputs.actor = '123e4567-e89b-12d3-a456-426614174000';
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000001', 'post_to_erp',
    output => '{"status_code": 503, "error": "ERP unavailable", "retry_after_s": 30}',
    summary => '{"status_code": 503, "response_time_ms": 450}',
    tags => '{api,erp}',
    status => 'failed');
SET task_outputs.actor = 'integration';
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000002', 'validate_rows',
    output => '{"invalid": [{"row": 17, "reason": "missing email"}, {"row": 204, "reason": "bad country code \"XX\""}]}',
    summary => '{"valid_rows": 950, "invalid_rows": 50}',
    tags => '{validation,csv}');
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000002', 'load_warehouse',
    summary => '{"rows_loaded": 0}',
    tags => '{warehouse}',
    status => 'running');
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000003', 'render_charts',
    summary => '{}',
    status => 'queued');
SET task_outputs.actor = 'service-account';
-- recorded twice: the second completed output supersedes the first (stale)
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000003', 'aggregate_sales',
    output => '{"regions": {"EMEA": 1200345.5, "APAC": 880120, "AMER": 2100000.25}}',
    summary => '{"regions": 3, "currency": "EUR"}',
    tags => '{finance}');
SELECT task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000003', 'aggregate_sales',
    output => '{"regions": {"EMEA": 1210000, "APAC": 880120, "AMER": 2100000.25}}',
    summary => '{"regions": 3, "currency": "EUR", "revision": 2}',
    tags => '{finance}');
-- recorded, then soft-deleted: hidden from the list, kept for audit
SELECT task_outputs.delete_task_output(
    (task_outputs.record_task_output('a1a1a1a1-0000-4000-8000-000000000003', 'draft_summary',
        output => '{"text": "Sales grew 12 % – led by EMEA ✓"}',
        summary => '{"words": 9}',
        tags => '{nlp}')).id);

-- Globex: one flow execution of its own, never visible to Acme
SET task_outputs.org_id = '9b2e7d10-4c5a-4e21-8f3b-7a6c1d0e5f02';
SET task_outputs.actor = 'system';
SELECT task_outputs.create_flow_execution('fraud-scan', 'b2b2b2b2-0000-4000-8000-000000000001');
SELECT task_outputs.record_task_output('b2b2b2b2-0000-4000-8000-000000000001', 'score_transactions',
    output => '{"flagged": ["tx-88812", "tx-88907"]}',
    summary => '{"transactions": 12000, "flagged": 2}',
    tags => '{risk}');
SELECT task_outputs.record_task_output('b2b2b2b2-0000-4000-8000-000000000001', 'notify_analysts',
    summary => '{"emails_sent": 3}',
    tags => '{notify}');

RESET task_outputs.org_id;
RESET task_outputs.actor;
\o
