--
-- The tenant in force: task_outputs.org_id, else PostgREST's
-- request.jwt.claims, else PostGraphile's jwt.claims.<claim>.
--
SELECT task_outputs.current_org_id() IS NULL AS no_tenant;

-- the setting
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.current_org_id();
SET task_outputs.org_id = '0A0000000000400080000000000000AA';
SELECT task_outputs.current_org_id();
-- empty means unset
SET task_outputs.org_id = '';
SELECT task_outputs.current_org_id() IS NULL AS no_tenant;
-- not a UUID: refused when set, and the old value stays
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SET task_outputs.org_id = 'acme';
SET task_outputs.org_id = '{0a000000-0000-4000-8000-00000000000a}';
SELECT task_outputs.current_org_id();
RESET task_outputs.org_id;

-- the prefix is reserved: a misspelt setting is an error, not a placeholder
SET task_outputs.orgid = '0a000000-0000-4000-8000-00000000000a';

-- PostgREST: claims JSON, per transaction
BEGIN;
SELECT set_config('request.jwt.claims', '{"role": "web", "org_id": "0b000000-0000-4000-8000-00000000000b"}', true);
SELECT task_outputs.current_org_id();
COMMIT;
SELECT task_outputs.current_org_id() IS NULL AS no_tenant_after_commit;
-- a claim that is not a UUID, or not a string, is an error
SELECT set_config('request.jwt.claims', '{"org_id": "acme"}', false);
SELECT task_outputs.current_org_id();
SELECT set_config('request.jwt.claims', '{"org_id": 42}', false);
SELECT task_outputs.current_org_id();
-- claims that are not JSON are an error; claims without the claim are no tenant
SELECT set_config('request.jwt.claims', 'not json', false);
SELECT task_outputs.current_org_id();
SELECT set_config('request.jwt.claims', '{"role": "web"}', false);
SELECT task_outputs.current_org_id() IS NULL AS no_tenant;
SELECT set_config('request.jwt.claims', '{"org_id": null}', false);
SELECT task_outputs.current_org_id() IS NULL AS no_tenant;

-- PostGraphile: one setting per claim
SELECT set_config('request.jwt.claims', '', false);
SELECT set_config('jwt.claims.org_id', '0c000000-0000-4000-8000-00000000000c', false);
SELECT task_outputs.current_org_id();
SELECT set_config('jwt.claims.org_id', 'acme', false);
SELECT task_outputs.current_org_id();
SELECT set_config('jwt.claims.org_id', '0c000000-0000-4000-8000-00000000000c', false);

-- precedence: the setting, then PostgREST, then PostGraphile
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b"}', false);
SELECT task_outputs.current_org_id();
SET task_outputs.org_id = '0a000000-0000-4000-8000-00000000000a';
SELECT task_outputs.current_org_id();
RESET task_outputs.org_id;

-- the claim name is configurable (by a superuser: it decides whom to trust)
SET task_outputs.jwt_org_claim = 'tenant';
SELECT set_config('request.jwt.claims', '{"org_id": "0b000000-0000-4000-8000-00000000000b", "tenant": "0d000000-0000-4000-8000-00000000000d"}', false);
SELECT task_outputs.current_org_id();
SET task_outputs.jwt_org_claim = '';
SET task_outputs.jwt_org_claim = 'a.b';
RESET task_outputs.jwt_org_claim;
SELECT set_config('request.jwt.claims', '', false);
SELECT set_config('jwt.claims.org_id', '', false);
SELECT task_outputs.current_org_id() IS NULL AS no_tenant;

-- the actor setting is validated when set
SET task_outputs.actor = 'Not An Actor';
SET task_outputs.actor = 'service-account';
SET task_outputs.actor = '123e4567-e89b-12d3-a456-426614174000';
RESET task_outputs.actor;

-- the API needs a tenant, and says how to set one
SELECT task_outputs.list_task_outputs();
SELECT task_outputs.create_flow_execution('no tenant');
