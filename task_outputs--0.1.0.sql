/*
 * task_outputs--0.1.0.sql
 *		The Task Outputs service: data model, tenant context, row-level
 *		security, roles and the SQL API.
 *
 * Every table leads its keys with organization_id, so each tenant's rows
 * (and every query) stay on one node of a distributed engine.  Row-level
 * security is enabled and forced on every table; the policies compute the
 * tenant once per query through an InitPlan, so the tenant index is used.
 * Every expression is schema-qualified: nothing here depends on the
 * caller's search_path.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION task_outputs" to load this file. \quit

/*
 * Roles.  Cluster-wide, so created only when absent and left in place by
 * DROP EXTENSION (other databases may use them).
 */
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['task_outputs_reader', 'task_outputs_writer',
							 'task_outputs_admin', 'task_outputs_gateway']
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
	IF NOT pg_catalog.pg_has_role('task_outputs_writer', 'task_outputs_reader', 'MEMBER') THEN
		GRANT task_outputs_reader TO task_outputs_writer;
	END IF;
	IF NOT pg_catalog.pg_has_role('task_outputs_admin', 'task_outputs_writer', 'MEMBER') THEN
		GRANT task_outputs_writer TO task_outputs_admin;
	END IF;
END
$roles$;

-- task_outputs_gateway is a marker of trust, not a set of privileges: it
-- holds none, and is granted to roles that also hold reader or writer.
GRANT USAGE ON SCHEMA @extschema@ TO task_outputs_reader;

/*
 * Types
 */
CREATE TYPE @extschema@.task_output_status AS ENUM
	('queued', 'running', 'completed', 'failed', 'deleted', 'stale');
COMMENT ON TYPE @extschema@.task_output_status IS
	'Execution state of a task output: deleted is a soft delete (hidden, kept for audit), stale means outdated';

-- The API's record: exactly the seed's attributes, in this order.
CREATE TYPE @extschema@.task_output AS (
	id					uuid,
	flow_execution_id	uuid,
	organization_id		uuid,
	task_name			text,
	status				@extschema@.task_output_status,
	summary				jsonb,
	output				jsonb,
	tags				text[],
	last_modified_by	text,
	created_at			timestamptz,
	updated_at			timestamptz
);
COMMENT ON TYPE @extschema@.task_output IS
	'A task output as the API returns it';

/*
 * Functions the tables depend on
 */
CREATE FUNCTION @extschema@.uuid_generate_v7()
RETURNS uuid
AS 'MODULE_PATHNAME', 'uuid_generate_v7'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.uuid_generate_v7() IS
	'A time-ordered UUID (version 7), monotonic within a session';

CREATE FUNCTION @extschema@.current_org_id()
RETURNS uuid
AS 'MODULE_PATHNAME', 'current_org_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.current_org_id() IS
	'The organization in force: task_outputs.org_id, else the JWT org claim of PostgREST or PostGraphile; NULL when none';

-- What row-level security is keyed on: the organization in force, when
-- the current role is a gateway (or superuser) or has been granted it.
-- Never raises for a refused organization, so a refused role sees no rows.
CREATE FUNCTION @extschema@.authorized_org_id()
RETURNS uuid
AS 'MODULE_PATHNAME', 'authorized_org_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.authorized_org_id() IS
	'The organization in force if the current role may act for it (a gateway, or granted by grant_organization), else NULL; the row-level security policies use it';

CREATE FUNCTION @extschema@.organization_grants_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'organization_grants_changed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.organization_grants_changed() IS
	'Trigger: makes every session forget its cached authorization decision when the organization grants change';

CREATE FUNCTION @extschema@.flow_executions_before_write()
RETURNS trigger
AS 'MODULE_PATHNAME', 'flow_executions_before_write'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.flow_executions_before_write() IS
	'Trigger: tenant defaulting, column rules and immutable columns of flow executions';

CREATE FUNCTION @extschema@.outputs_before_write()
RETURNS trigger
AS 'MODULE_PATHNAME', 'outputs_before_write'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.outputs_before_write() IS
	'Trigger: id default, organization inherited from the flow execution, column rules, stamps';

/*
 * Tables
 */
CREATE TABLE @extschema@.flow_executions (
	id					uuid NOT NULL DEFAULT @extschema@.uuid_generate_v7(),
	organization_id		uuid NOT NULL,
	name				text NOT NULL,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (organization_id, id)
);
COMMENT ON TABLE @extschema@.flow_executions IS
	'Flow executions: the parents of task outputs; each belongs to one organization';

CREATE TABLE @extschema@.outputs (
	id					uuid NOT NULL DEFAULT @extschema@.uuid_generate_v7(),
	flow_execution_id	uuid NOT NULL,
	organization_id		uuid NOT NULL,
	task_name			text NOT NULL,
	status				@extschema@.task_output_status NOT NULL DEFAULT 'completed',
	summary				jsonb NOT NULL DEFAULT '{}',
	output				jsonb,
	tags				text[] NOT NULL DEFAULT '{}',
	last_modified_by	text NOT NULL DEFAULT 'system',
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (organization_id, id),
	FOREIGN KEY (organization_id, flow_execution_id)
		REFERENCES @extschema@.flow_executions (organization_id, id)
);
COMMENT ON TABLE @extschema@.outputs IS
	'Task outputs: the summarized results of tasks, one row per output';

-- The list order of the API, led by the tenant.
CREATE INDEX outputs_list_idx ON @extschema@.outputs
	(organization_id, created_at DESC, id DESC);
-- Outputs of one flow execution (the flow execution view, supersession).
CREATE INDEX outputs_flow_execution_idx ON @extschema@.outputs
	(organization_id, flow_execution_id, task_name);
CREATE INDEX flow_executions_list_idx ON @extschema@.flow_executions
	(organization_id, created_at DESC, id DESC);

CREATE TRIGGER flow_executions_before_write
	BEFORE INSERT OR UPDATE ON @extschema@.flow_executions
	FOR EACH ROW EXECUTE FUNCTION @extschema@.flow_executions_before_write();
CREATE TRIGGER outputs_before_write
	BEFORE INSERT OR UPDATE ON @extschema@.outputs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.outputs_before_write();

/*
 * Which organizations each role that is not a gateway may act for.  Kept
 * by role name, not OID, so that dump and restore into another cluster keep
 * the grants (OIDs differ there); revoke before renaming or dropping a role,
 * since a role created later with the same name would inherit them.
 */
CREATE TABLE @extschema@.organization_grants (
	organization_id		uuid NOT NULL,
	role_name			name NOT NULL,
	granted_by			name NOT NULL DEFAULT CURRENT_USER,
	granted_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (organization_id, role_name)
);
COMMENT ON TABLE @extschema@.organization_grants IS
	'Organizations that roles which are not gateways may act for (grant_organization, revoke_organization)';

CREATE TRIGGER organization_grants_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.organization_grants
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.organization_grants_changed();

-- pg_dump keeps the rows of these tables with the database.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.flow_executions', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.outputs', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.organization_grants', '');

/*
 * Row-level security: forced, so the table owner is bound too.  The tenant
 * is a scalar subquery, evaluated once per query as an InitPlan, so the
 * condition is an index qualification on organization_id.  It is the
 * authorized tenant: NULL (no rows) for a role that may not act for the
 * organization in force.
 */
ALTER TABLE @extschema@.flow_executions ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.flow_executions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON @extschema@.flow_executions
	USING (organization_id OPERATOR(pg_catalog.=) (SELECT @extschema@.authorized_org_id()))
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) (SELECT @extschema@.authorized_org_id()));

ALTER TABLE @extschema@.outputs ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.outputs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON @extschema@.outputs
	USING (organization_id OPERATOR(pg_catalog.=) (SELECT @extschema@.authorized_org_id()))
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) (SELECT @extschema@.authorized_org_id()));

-- The grants are administration, not tenant data: only an admin reads or
-- changes them, for every organization; tenants have no privilege at all.
ALTER TABLE @extschema@.organization_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.organization_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY administration ON @extschema@.organization_grants
	TO task_outputs_admin
	USING (true)
	WITH CHECK (true);

/*
 * The SQL API
 */
CREATE FUNCTION @extschema@.create_flow_execution(name text, id uuid DEFAULT NULL)
RETURNS uuid
AS 'MODULE_PATHNAME', 'create_flow_execution'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.create_flow_execution(text, uuid) IS
	'Create a flow execution of the current organization; returns its id';

CREATE FUNCTION @extschema@.record_task_output(
	flow_execution_id uuid,
	task_name text,
	output jsonb DEFAULT NULL,
	summary jsonb DEFAULT '{}',
	tags text[] DEFAULT '{}',
	status @extschema@.task_output_status DEFAULT 'completed')
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'record_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.record_task_output(uuid, text, jsonb, jsonb, text[], @extschema@.task_output_status) IS
	'Record the output of a task of a flow execution of the current organization';

/*
 * The read API.  Every reader takes the same filters, with the same names,
 * types and defaults (a NULL argument means the default); readers are
 * STABLE, so gateways serve them as GET.  Order is always created_at DESC,
 * id DESC.
 */
CREATE FUNCTION @extschema@.list_task_outputs(
	flow_execution_id uuid DEFAULT NULL,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false,
	"limit" int DEFAULT NULL,
	starting_after uuid DEFAULT NULL)
RETURNS json
AS 'MODULE_PATHNAME', 'list_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.list_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid) IS
	'The task outputs of the current organization that match the filters, as one JSON array, newest first';

CREATE FUNCTION @extschema@.list_task_outputs_page(
	flow_execution_id uuid DEFAULT NULL,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false,
	"limit" int DEFAULT 100,
	starting_after uuid DEFAULT NULL)
RETURNS json
AS 'MODULE_PATHNAME', 'list_task_outputs_page'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.list_task_outputs_page(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid) IS
	'One page of the list: {"object":"list","data":[...],"has_more":...,"next_starting_after":...}';

CREATE FUNCTION @extschema@.task_outputs(
	flow_execution_id uuid DEFAULT NULL,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false,
	"limit" int DEFAULT NULL,
	starting_after uuid DEFAULT NULL)
RETURNS SETOF @extschema@.task_output
AS 'MODULE_PATHNAME', 'task_outputs'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid) IS
	'The task outputs that match the filters, as task_output records, newest first';

CREATE FUNCTION @extschema@.export_task_outputs(
	flow_execution_id uuid DEFAULT NULL,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false)
RETURNS SETOF json
AS 'MODULE_PATHNAME', 'export_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE ROWS 10000;
COMMENT ON FUNCTION @extschema@.export_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean) IS
	'Every task output that matches the filters, one JSON object per row, newest first, in bounded memory';

CREATE FUNCTION @extschema@.count_task_outputs(
	flow_execution_id uuid DEFAULT NULL,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'count_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean) IS
	'The exact number of task outputs that match the filters';

CREATE FUNCTION @extschema@.get_task_output(id uuid)
RETURNS json
AS 'MODULE_PATHNAME', 'get_task_output'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.get_task_output(uuid) IS
	'One task output of the current organization as a JSON object; PT404 when it is not visible';

CREATE FUNCTION @extschema@.get_flow_execution(
	id uuid,
	task_name text DEFAULT NULL,
	status @extschema@.task_output_status[] DEFAULT NULL,
	tags text[] DEFAULT NULL,
	summary_contains jsonb DEFAULT NULL,
	created_after timestamptz DEFAULT NULL,
	created_before timestamptz DEFAULT NULL,
	include_output boolean DEFAULT true,
	include_deleted boolean DEFAULT false)
RETURNS json
AS 'MODULE_PATHNAME', 'get_flow_execution'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.get_flow_execution(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean) IS
	'A flow execution of the current organization as a JSON object, with its task outputs that match the filters';

CREATE FUNCTION @extschema@.grant_organization(role regrole, organization_id uuid)
RETURNS void
AS 'MODULE_PATHNAME', 'grant_organization'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.grant_organization(regrole, uuid) IS
	'Admin: let a role that is not a gateway (and the roles that have its privileges) act for an organization';

CREATE FUNCTION @extschema@.revoke_organization(role regrole, organization_id uuid)
RETURNS void
AS 'MODULE_PATHNAME', 'revoke_organization'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.revoke_organization(regrole, uuid) IS
	'Admin: take back an organization granted to a role';

/*
 * Privileges: nothing for PUBLIC; each role gets exactly its API.  No
 * tenant role may TRUNCATE (row-level security does not cover it),
 * REFERENCES or TRIGGER anything, nor DELETE rows (soft delete is the way
 * out of the default view).
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON TYPE @extschema@.task_output_status, @extschema@.task_output FROM PUBLIC;
GRANT USAGE ON TYPE @extschema@.task_output_status, @extschema@.task_output
	TO task_outputs_reader;

GRANT EXECUTE ON FUNCTION
	@extschema@.current_org_id(),
	@extschema@.authorized_org_id(),
	@extschema@.list_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.list_task_outputs_page(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.export_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean),
	@extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean),
	@extschema@.get_task_output(uuid),
	@extschema@.get_flow_execution(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean)
	TO task_outputs_reader;
GRANT SELECT ON @extschema@.flow_executions, @extschema@.outputs
	TO task_outputs_reader;

GRANT EXECUTE ON FUNCTION
	@extschema@.uuid_generate_v7(),
	@extschema@.create_flow_execution(text, uuid),
	@extschema@.record_task_output(uuid, text, jsonb, jsonb, text[], @extschema@.task_output_status)
	TO task_outputs_writer;
GRANT INSERT, UPDATE ON @extschema@.flow_executions, @extschema@.outputs
	TO task_outputs_writer;

GRANT EXECUTE ON FUNCTION
	@extschema@.grant_organization(regrole, uuid),
	@extschema@.revoke_organization(regrole, uuid)
	TO task_outputs_admin;
GRANT SELECT, INSERT, DELETE ON @extschema@.organization_grants
	TO task_outputs_admin;
