/*
 * task_outputs--0.2.0.sql
 *		The Task Outputs service: data model, tenant context, row-level
 *		security, roles and the SQL API.
 *
 * Every table leads its keys with organization_id, so each tenant's rows
 * (and every query) stay on one node of a distributed engine.  Row-level
 * security is enabled and forced on every table; the policies compute the
 * tenant once per query through an InitPlan, so the tenant index is used.
 * Every expression is schema-qualified: nothing here depends on the
 * caller's search_path.
 *
 * Tenant roles get the API and no table privilege at all: the C functions
 * run their statements as task_outputs_service, which nobody logs in as,
 * in the caller's scope.  task_outputs_direct is the trusted tier with
 * direct table access, for internal tools.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION task_outputs" to load this file. \quit

/*
 * The schema: made by CREATE EXTENSION, or one that existed before.  The C
 * code trusts what is in it, so it must be the installing superuser's, and
 * nobody else may create objects in it.
 */
DO $schema$
DECLARE
	owner oid;
	acl aclitem[];
BEGIN
	SELECT n.nspowner, n.nspacl INTO owner, acl
	  FROM pg_catalog.pg_namespace n
	 WHERE n.oid OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace;
	IF owner OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r
									   WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
	THEN
		RAISE EXCEPTION 'schema "%" is owned by role "%"', '@extschema@', owner::pg_catalog.regrole
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The extension installs only into a schema owned by the installing superuser.',
				  HINT = 'Drop the schema, or make the installing superuser its owner, then create the extension.';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.aclexplode(acl) a
				WHERE a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
				  AND a.grantee OPERATOR(pg_catalog.<>) owner)
	THEN
		RAISE EXCEPTION 'other roles may create objects in schema "%"', '@extschema@'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'The extension installs only into a schema where only its owner creates objects.',
				  HINT = 'Revoke CREATE on the schema from every other role, then create the extension.';
	END IF;
END
$schema$;

/*
 * Roles.  Cluster-wide, so created only when absent and left in place by
 * DROP EXTENSION (other databases may use them).  The service role is what
 * the C code switches to: an existing one must not be able to log in, be a
 * superuser, bypass row-level security or have members.
 */
DO $roles$
DECLARE
	r text;
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles s
				WHERE s.rolname OPERATOR(pg_catalog.=) 'task_outputs_service'
				  AND (s.rolcanlogin OR s.rolsuper OR s.rolbypassrls
					   OR EXISTS (SELECT FROM pg_catalog.pg_auth_members m
								   WHERE m.roleid OPERATOR(pg_catalog.=) s.oid)))
	THEN
		RAISE EXCEPTION 'role "task_outputs_service" can log in, is a superuser, bypasses row-level security or has members'
			USING ERRCODE = 'insufficient_privilege',
				  HINT = 'Drop that role, or make it NOLOGIN NOSUPERUSER NOBYPASSRLS without members, then create the extension.';
	END IF;
	FOREACH r IN ARRAY ARRAY['task_outputs_reader', 'task_outputs_writer',
							 'task_outputs_admin', 'task_outputs_gateway',
							 'task_outputs_direct', 'task_outputs_service']
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
GRANT USAGE ON SCHEMA @extschema@
	TO task_outputs_reader, task_outputs_direct, task_outputs_service;

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
-- the current role may act for it (a gateway, or granted it); for the
-- service role, the scope of the statement the C code runs.  Never raises
-- for a refused organization, so a refused role sees no rows.
CREATE FUNCTION @extschema@.authorized_org_id()
RETURNS uuid
AS 'MODULE_PATHNAME', 'authorized_org_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.authorized_org_id() IS
	'The organization in force if the current role may act for it (a gateway, or granted by grant_organization), else NULL; the row-level security policies use it';

-- Whether soft-deleted outputs and the audit trail are visible: to
-- administrators, and to the service role's statements that need them.
CREATE FUNCTION @extschema@.deleted_visible()
RETURNS boolean
AS 'MODULE_PATHNAME', 'deleted_visible'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.deleted_visible() IS
	'Whether the current role may see soft-deleted task outputs and the audit trail (task_outputs_admin); the row-level security policies use it';


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
	'Trigger: id default, organization inherited from the flow execution, column rules, status transitions, stamps';

CREATE FUNCTION @extschema@.outputs_completed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'outputs_completed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.outputs_completed() IS
	'Trigger: records an output written completed, for its statement''s supersession';

CREATE FUNCTION @extschema@.outputs_supersede()
RETURNS trigger
AS 'MODULE_PATHNAME', 'outputs_supersede'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.outputs_supersede() IS
	'Trigger: once a statement''s rows are written, turns the earlier completed outputs of each task it completed stale';


CREATE FUNCTION @extschema@.outputs_before_delete()
RETURNS trigger
AS 'MODULE_PATHNAME', 'outputs_before_delete'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.outputs_before_delete() IS
	'Trigger: a DELETE soft-deletes the task output instead; only purge_task_outputs deletes rows';

-- Appends to the audit trail, which no tenant role may write: so it runs
-- as the extension's owner, with search_path pinned, and does nothing but
-- insert the entry for the row change it was fired for.
CREATE FUNCTION @extschema@.outputs_audit()
RETURNS trigger
AS 'MODULE_PATHNAME', 'outputs_audit'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.outputs_audit() IS
	'Trigger: appends each change of status of a task output to the audit trail';

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
	-- internal, kept by the trigger: the status before a soft delete
	status_before_delete @extschema@.task_output_status,
	PRIMARY KEY (organization_id, id),
	FOREIGN KEY (organization_id, flow_execution_id)
		REFERENCES @extschema@.flow_executions (organization_id, id)
);
COMMENT ON TABLE @extschema@.outputs IS
	'Task outputs: the summarized results of tasks, one row per output';
COMMENT ON COLUMN @extschema@.outputs.status_before_delete IS
	'Internal: the status a soft-deleted output had, which restore_task_output brings back; set by the trigger only';

/*
 * The audit trail: one entry per change of status of a task output (soft
 * deletes and restores included), appended by the outputs_audit trigger.
 * No tenant role may insert, update, delete or truncate; entries leave
 * only with their output, when purge_task_outputs deletes it.
 */
CREATE TABLE @extschema@.audit_trail (
	id					uuid NOT NULL,
	organization_id		uuid NOT NULL,
	task_output_id		uuid NOT NULL,
	from_status			@extschema@.task_output_status NOT NULL,
	to_status			@extschema@.task_output_status NOT NULL,
	actor				text NOT NULL,
	changed_at			timestamptz NOT NULL,
	PRIMARY KEY (organization_id, id),
	FOREIGN KEY (organization_id, task_output_id)
		REFERENCES @extschema@.outputs (organization_id, id) ON DELETE CASCADE
);
COMMENT ON TABLE @extschema@.audit_trail IS
	'Audit trail: every change of status of a task output, with its actor and time';

-- The list order of the API, led by the tenant.
CREATE INDEX outputs_list_idx ON @extschema@.outputs
	(organization_id, created_at DESC, id DESC);
-- Outputs of one flow execution (the flow execution view, supersession).
CREATE INDEX outputs_flow_execution_idx ON @extschema@.outputs
	(organization_id, flow_execution_id, task_name);
CREATE INDEX flow_executions_list_idx ON @extschema@.flow_executions
	(organization_id, created_at DESC, id DESC);
-- The current (completed) output of each task of a flow execution: one,
-- which supersession keeps true at the end of every statement; its lookup
-- of the outputs to supersede reads only this small index, however many
-- stale outputs a task has accumulated.  Not unique: within a statement a
-- task may have two completed outputs until the statement's end.
CREATE INDEX outputs_current_idx ON @extschema@.outputs
	(organization_id, flow_execution_id, task_name)
	WHERE status OPERATOR(pg_catalog.=) 'completed';
-- Soft-deleted outputs by the time of their deletion (retention purge).
CREATE INDEX outputs_deleted_idx ON @extschema@.outputs
	(organization_id, updated_at) WHERE status OPERATOR(pg_catalog.=) 'deleted';
-- The history of one output (and the purge's cascade).
CREATE INDEX audit_trail_output_idx ON @extschema@.audit_trail
	(organization_id, task_output_id, changed_at, id);

CREATE TRIGGER flow_executions_before_write
	BEFORE INSERT OR UPDATE ON @extschema@.flow_executions
	FOR EACH ROW EXECUTE FUNCTION @extschema@.flow_executions_before_write();
CREATE TRIGGER outputs_before_write
	BEFORE INSERT OR UPDATE ON @extschema@.outputs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.outputs_before_write();
CREATE TRIGGER outputs_before_delete
	BEFORE DELETE ON @extschema@.outputs
	FOR EACH ROW EXECUTE FUNCTION @extschema@.outputs_before_delete();
CREATE TRIGGER outputs_audit
	AFTER UPDATE ON @extschema@.outputs
	FOR EACH ROW
	WHEN (OLD.status OPERATOR(pg_catalog.<>) NEW.status)
	EXECUTE FUNCTION @extschema@.outputs_audit();
CREATE TRIGGER outputs_completed_insert
	AFTER INSERT ON @extschema@.outputs
	FOR EACH ROW
	WHEN (NEW.status OPERATOR(pg_catalog.=) 'completed')
	EXECUTE FUNCTION @extschema@.outputs_completed();
CREATE TRIGGER outputs_completed_update
	AFTER UPDATE ON @extschema@.outputs
	FOR EACH ROW
	WHEN (OLD.status OPERATOR(pg_catalog.<>) NEW.status
		  AND NEW.status OPERATOR(pg_catalog.=) 'completed')
	EXECUTE FUNCTION @extschema@.outputs_completed();
CREATE TRIGGER outputs_supersede
	AFTER INSERT OR UPDATE ON @extschema@.outputs
	FOR EACH STATEMENT
	EXECUTE FUNCTION @extschema@.outputs_supersede();


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
SELECT pg_catalog.pg_extension_config_dump('@extschema@.audit_trail', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.organization_grants', '');

/*
 * Row-level security: forced, so the table owner is bound too.  The tenant
 * is a stable function, so the condition is an index qualification on
 * organization_id, computed once per scan.  It is the authorized tenant:
 * NULL (no rows) for a role that may not act for the organization in
 * force.  Soft-deleted outputs, and the audit trail, are visible only
 * where deleted_visible() says so (administrators).  The policies contain
 * no subquery, so that they hold unchanged on a distributed engine, whose
 * nodes create them from this script.
 */
ALTER TABLE @extschema@.flow_executions ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.flow_executions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON @extschema@.flow_executions
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id())
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id());

ALTER TABLE @extschema@.outputs ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.outputs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON @extschema@.outputs FOR SELECT
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id()
		   AND (status OPERATOR(pg_catalog.<>) 'deleted' OR @extschema@.deleted_visible()));
CREATE POLICY tenant_insert ON @extschema@.outputs FOR INSERT
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id());
CREATE POLICY tenant_update ON @extschema@.outputs FOR UPDATE
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id()
		   AND (status OPERATOR(pg_catalog.<>) 'deleted' OR @extschema@.deleted_visible()))
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id());
CREATE POLICY tenant_delete ON @extschema@.outputs FOR DELETE
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id()
		   AND (status OPERATOR(pg_catalog.<>) 'deleted' OR @extschema@.deleted_visible()));

-- The trail is read by administrators only, and written by nobody but the
-- audit trigger (which runs as the table's owner).
ALTER TABLE @extschema@.audit_trail ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.audit_trail FORCE ROW LEVEL SECURITY;
CREATE POLICY administrators_read ON @extschema@.audit_trail FOR SELECT
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id()
		   AND @extschema@.deleted_visible());

-- The grants are administration, not tenant data: no role but the owner
-- (through grant_organization and the authorization lookup) and superusers
-- reads or changes them, so there is no policy at all.
ALTER TABLE @extschema@.organization_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.organization_grants FORCE ROW LEVEL SECURITY;

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

CREATE FUNCTION @extschema@.set_task_output_status(id uuid, status @extschema@.task_output_status)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'set_task_output_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.set_task_output_status(uuid, @extschema@.task_output_status) IS
	'Move a task output to another status, by the status rules; PT409 for a transition they do not allow';

CREATE FUNCTION @extschema@.delete_task_output(id uuid)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'delete_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.delete_task_output(uuid) IS
	'Soft-delete a task output: hidden from queries, kept with its audit trail';

CREATE FUNCTION @extschema@.restore_task_output(id uuid)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'restore_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.restore_task_output(uuid) IS
	'Admin: bring a soft-deleted task output back to the status it had before';

CREATE FUNCTION @extschema@.mark_stale(flow_execution_id uuid, task_name text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'mark_stale'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.mark_stale(uuid, text) IS
	'Turn the completed and failed outputs of a flow execution (of one task, if given) stale; returns how many';

CREATE FUNCTION @extschema@.purge_task_outputs(older_than interval, dry_run boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'purge_task_outputs'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.purge_task_outputs(interval, boolean) IS
	'Admin: delete for good the soft-deleted task outputs of the current organization deleted longer ago than older_than, with their audit trail; dry_run only counts';

CREATE FUNCTION @extschema@.task_output_history(id uuid)
RETURNS json
AS 'MODULE_PATHNAME', 'task_output_history'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.task_output_history(uuid) IS
	'Admin: the audit trail of a task output, oldest first: [{id, task_output_id, from_status, to_status, actor, changed_at}]';

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
	include_deleted boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'count_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean) IS
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
	'Admin: let a role that is not a gateway (and the roles that have its privileges) act for an organization the caller may act for itself';

CREATE FUNCTION @extschema@.revoke_organization(role regrole, organization_id uuid)
RETURNS void
AS 'MODULE_PATHNAME', 'revoke_organization'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.revoke_organization(regrole, uuid) IS
	'Admin: take back an organization granted to a role';

/*
 * Privileges: nothing for PUBLIC; each tenant role gets exactly its API
 * and no table privilege: no rows around the API, no locks, no planner
 * estimates over other tenants' rows.  The service role holds what the
 * API's statements need; the direct tier, for trusted internal tools,
 * reads and writes the tables under the same policies and triggers.
 * Nobody but the audit trigger writes the audit trail, and nobody but the
 * owner touches the grants.
 */
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE ALL ON TYPE @extschema@.task_output_status, @extschema@.task_output FROM PUBLIC;
GRANT USAGE ON TYPE @extschema@.task_output_status, @extschema@.task_output
	TO task_outputs_reader, task_outputs_direct, task_outputs_service;

GRANT EXECUTE ON FUNCTION
	@extschema@.current_org_id(),
	@extschema@.authorized_org_id(),
	@extschema@.list_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.list_task_outputs_page(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean, int, uuid),
	@extschema@.export_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean),
	@extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean),
	@extschema@.get_task_output(uuid),
	@extschema@.get_flow_execution(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean)
	TO task_outputs_reader;

GRANT EXECUTE ON FUNCTION
	@extschema@.uuid_generate_v7(),
	@extschema@.create_flow_execution(text, uuid),
	@extschema@.record_task_output(uuid, text, jsonb, jsonb, text[], @extschema@.task_output_status),
	@extschema@.set_task_output_status(uuid, @extschema@.task_output_status),
	@extschema@.delete_task_output(uuid),
	@extschema@.mark_stale(uuid, text)
	TO task_outputs_writer;

GRANT EXECUTE ON FUNCTION
	@extschema@.restore_task_output(uuid),
	@extschema@.purge_task_outputs(interval, boolean),
	@extschema@.task_output_history(uuid),
	@extschema@.grant_organization(regrole, uuid),
	@extschema@.revoke_organization(regrole, uuid)
	TO task_outputs_admin;

-- What the policies and the columns' defaults call, for the roles that
-- touch the tables.
GRANT EXECUTE ON FUNCTION
	@extschema@.authorized_org_id(),
	@extschema@.deleted_visible(),
	@extschema@.uuid_generate_v7()
	TO task_outputs_direct, task_outputs_service;

GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.flow_executions, @extschema@.outputs
	TO task_outputs_direct, task_outputs_service;
GRANT SELECT ON @extschema@.audit_trail
	TO task_outputs_direct, task_outputs_service;

/*
 * Running distributed, on Citus.  Nothing here changes a single-node
 * install: the internal functions below are called only once the tables
 * are distributed, which distribute() does, once, on the coordinator.
 *
 * Each API function that reads or writes a tenant's rows has an internal
 * twin in schema task_outputs_internal, of the same name, that takes the
 * caller first: the organization it acts for (the argument by which Citus
 * routes the call to the node that holds that organization's shards),
 * whether it is an administrator, its actor, and the caller's settings
 * that shape results (TimeZone and the task_outputs.* limits); then the API
 * function's own arguments, with the same names.  On a distributed install
 * the API function decides who the caller is and what it may do where it
 * is called, exactly as on one node, then calls its twin as the
 * extension's owner, and Citus runs the twin on the tenant's node, where it
 * runs the same code as on one node for that caller.  A twin believes what
 * its arguments say about the caller: so no role but superusers has USAGE
 * on the schema (naming a delegated function at all is then refused before
 * Citus plans the call) or EXECUTE on the twins, and the C code refuses
 * any caller that is not a superuser (a node added later may not have the
 * privileges granted since the install).  JSON results travel as text:
 * they were rendered by this library, so they are not parsed again.
 */
CREATE SCHEMA task_outputs_internal;
REVOKE ALL ON SCHEMA task_outputs_internal FROM PUBLIC;
COMMENT ON SCHEMA task_outputs_internal IS
	'Internal functions of task_outputs, for superusers only: the tenant-first twins of the API that a distributed install runs on the tenant''s node';

/*
 * The types the API's twins are called with from another node: Citus
 * writes a call's arguments as constants named by their types, built-in
 * types without a schema, and the node that runs the call parses them as
 * the extension's owner under settings the caller may have propagated,
 * search_path too.  Domains of this schema are written with it.
 */
CREATE DOMAIN task_outputs_internal.uuid_argument AS uuid;
CREATE DOMAIN task_outputs_internal.text_argument AS text;
CREATE DOMAIN task_outputs_internal.text_array_argument AS text[];
CREATE DOMAIN task_outputs_internal.jsonb_argument AS jsonb;
CREATE DOMAIN task_outputs_internal.timestamptz_argument AS timestamptz;
CREATE DOMAIN task_outputs_internal.interval_argument AS interval;
REVOKE USAGE ON DOMAIN task_outputs_internal.uuid_argument, task_outputs_internal.text_argument,
	task_outputs_internal.text_array_argument, task_outputs_internal.jsonb_argument,
	task_outputs_internal.timestamptz_argument, task_outputs_internal.interval_argument FROM PUBLIC;

CREATE FUNCTION task_outputs_internal.library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION task_outputs_internal.library_version() IS
	'The version of the task_outputs library this session loaded; distribute() checks that every node runs the same';

CREATE FUNCTION task_outputs_internal.list_task_outputs(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_output boolean, include_deleted boolean, "limit" int, starting_after task_outputs_internal.uuid_argument)
RETURNS text
AS 'MODULE_PATHNAME', 'internal_list_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.list_task_outputs_page(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_output boolean, include_deleted boolean, "limit" int, starting_after task_outputs_internal.uuid_argument)
RETURNS text
AS 'MODULE_PATHNAME', 'internal_list_task_outputs_page'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.task_outputs(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_output boolean, include_deleted boolean, "limit" int, starting_after task_outputs_internal.uuid_argument)
RETURNS SETOF @extschema@.task_output
AS 'MODULE_PATHNAME', 'internal_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;

-- One chunk of an export: the API's filters, then "limit" and
-- starting_after, by which the entry node walks the export chunk by chunk.
CREATE FUNCTION task_outputs_internal.export_task_outputs(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_output boolean, include_deleted boolean, "limit" int, starting_after task_outputs_internal.uuid_argument)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'internal_export_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;

CREATE FUNCTION task_outputs_internal.count_task_outputs(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_deleted boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'internal_count_task_outputs'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.get_task_output(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument)
RETURNS text
AS 'MODULE_PATHNAME', 'internal_get_task_output'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.get_flow_execution(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, status @extschema@.task_output_status[],
	tags task_outputs_internal.text_array_argument, summary_contains task_outputs_internal.jsonb_argument, created_after task_outputs_internal.timestamptz_argument, created_before task_outputs_internal.timestamptz_argument,
	include_output boolean, include_deleted boolean)
RETURNS text
AS 'MODULE_PATHNAME', 'internal_get_flow_execution'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.task_output_history(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument)
RETURNS text
AS 'MODULE_PATHNAME', 'internal_task_output_history'
LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION task_outputs_internal.create_flow_execution(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	name task_outputs_internal.text_argument, id task_outputs_internal.uuid_argument)
RETURNS uuid
AS 'MODULE_PATHNAME', 'internal_create_flow_execution'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.record_task_output(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument, output task_outputs_internal.jsonb_argument, summary task_outputs_internal.jsonb_argument, tags task_outputs_internal.text_array_argument,
	status @extschema@.task_output_status)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'internal_record_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.set_task_output_status(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument, status @extschema@.task_output_status)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'internal_set_task_output_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.delete_task_output(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'internal_delete_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.restore_task_output(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	id task_outputs_internal.uuid_argument)
RETURNS @extschema@.task_output
AS 'MODULE_PATHNAME', 'internal_restore_task_output'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.mark_stale(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	flow_execution_id task_outputs_internal.uuid_argument, task_name task_outputs_internal.text_argument)
RETURNS bigint
AS 'MODULE_PATHNAME', 'internal_mark_stale'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION task_outputs_internal.purge_task_outputs(
	caller_organization_id task_outputs_internal.uuid_argument, caller_is_admin boolean, caller_actor task_outputs_internal.text_argument, caller_settings task_outputs_internal.text_array_argument,
	older_than task_outputs_internal.interval_argument, dry_run boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'internal_purge_task_outputs'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

DO $comments$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
			  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'task_outputs_internal'::pg_catalog.regnamespace
				AND p.proargnames[1] OPERATOR(pg_catalog.=) 'caller_organization_id'
	LOOP
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', f,
			pg_catalog.format('Internal: %s for the caller given first, on the node of its organization (superusers only)',
							  (SELECT p.proname FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) f)));
	END LOOP;
END
$comments$;

/*
 * apply_table_ddl(table_name, ddl): for upgrade scripts, a DDL statement
 * on one of the extension's tables, applied once per node.  On a
 * distributed install every node runs the update script itself (Citus
 * sends ALTER EXTENSION ... UPDATE to each), and a statement on a
 * distributed table that Citus would propagate from inside the script
 * fails; so each node applies the statement to its own copy of the table,
 * with propagation off, and to the shard placements of that table that it
 * holds.  A shard moved or copied later is built from the coordinator's
 * definition, which has the change.  The statement must be idempotent
 * (IF [NOT] EXISTS): a node may run it again.  On one node it is simply
 * executed.
 */
CREATE FUNCTION task_outputs_internal.apply_table_ddl(table_name name, ddl text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $apply$
DECLARE
	rel regclass := pg_catalog.format('%I.%I', '@extschema@', table_name)::pg_catalog.regclass;
	propagation text;
	shard bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus')
	THEN
		EXECUTE ddl;
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) rel)
	THEN
		EXECUTE ddl;
		RETURN;
	END IF;
	propagation := pg_catalog.current_setting('citus.enable_ddl_propagation');
	PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', 'off', true);
	EXECUTE ddl;
	FOR shard IN
		SELECT s.shardid
		  FROM pg_catalog.pg_dist_shard s
		  JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid
		 WHERE s.logicalrelid OPERATOR(pg_catalog.=) rel
		   AND p.groupid OPERATOR(pg_catalog.=) (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l)
		 ORDER BY s.shardid
	LOOP
		PERFORM pg_catalog.worker_apply_shard_ddl_command(shard, '@extschema@', ddl);
	END LOOP;
	PERFORM pg_catalog.set_config('citus.enable_ddl_propagation', propagation, true);
END
$apply$;
COMMENT ON FUNCTION task_outputs_internal.apply_table_ddl(name, text) IS
	'Internal, for upgrade scripts: an idempotent DDL statement on one of the extension''s tables, applied on this node to its copy of the table and to the shard placements it holds';

/*
 * distribute(shard_count): distribute the tables on Citus by organization,
 * once, on the coordinator, by a superuser.  The grants become a reference
 * table (on every node: who may act for which organization is decided
 * where a call arrives); flow executions, outputs and the audit trail are
 * distributed by organization_id and co-located, so each organization's
 * rows, and every query of the API, stay on one node; the internal twins
 * become distributed functions co-located with them, routed by their
 * first argument, the caller's organization.  Nothing of the extension's
 * own records the layout: Citus's metadata is the record, and the library
 * asks it whether the tables are distributed.  The tables' triggers are
 * the extension's own, checked code, hence citus.enable_unsafe_triggers for
 * the distribution (only).
 */
CREATE FUNCTION @extschema@.distribute(shard_count int DEFAULT 32)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $distribute$
DECLARE
	here text;
	node record;
	twin regprocedure;
	unsafe_triggers text;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'permission denied to distribute task_outputs'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only superusers may distribute the extension''s tables.';
	END IF;
	IF shard_count IS NULL OR shard_count OPERATOR(pg_catalog.<) 1 OR shard_count OPERATOR(pg_catalog.>) 64000 THEN
		RAISE EXCEPTION 'invalid shard_count'
			USING ERRCODE = 'PT400',
				  DETAIL = pg_catalog.format('Argument "shard_count" must be between 1 and 64000; it is %s.',
											 COALESCE(shard_count::text, 'null'));
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'extension "citus" is not installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Install Citus on every node, run CREATE EXTENSION citus and add the workers, then distribute.';
	END IF;
	IF NOT pg_catalog.citus_is_coordinator() THEN
		RAISE EXCEPTION 'task_outputs is distributed from the coordinator'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Connect to the coordinator of the Citus cluster and call task_outputs.distribute() there.';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
				WHERE p.logicalrelid OPERATOR(pg_catalog.=) ANY (ARRAY[
					'@extschema@.organization_grants'::pg_catalog.regclass,
					'@extschema@.flow_executions'::pg_catalog.regclass,
					'@extschema@.outputs'::pg_catalog.regclass,
					'@extschema@.audit_trail'::pg_catalog.regclass])) THEN
		RAISE EXCEPTION 'task_outputs is already distributed'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Its tables are in Citus''s metadata already.',
				  HINT = 'distribute() runs once; change the layout with Citus''s own functions (rebalance_table_shards, isolate_tenant_to_new_shard, alter_distributed_table).';
	END IF;

	-- every node runs the same version of the extension and of its library
	here := (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'task_outputs')
			OPERATOR(pg_catalog.||) ' / ' OPERATOR(pg_catalog.||) task_outputs_internal.library_version();
	FOR node IN
		SELECT n.nodename, n.nodeport, r.success, r.result
		  FROM pg_catalog.run_command_on_all_nodes(
				 $cmd$SELECT (SELECT e.extversion FROM pg_catalog.pg_extension e
							   WHERE e.extname OPERATOR(pg_catalog.=) 'task_outputs')
						  OPERATOR(pg_catalog.||) ' / ' OPERATOR(pg_catalog.||) task_outputs_internal.library_version()$cmd$) r
		  JOIN pg_catalog.pg_dist_node n ON n.nodeid OPERATOR(pg_catalog.=) r.nodeid
		 ORDER BY n.nodeid
	LOOP
		IF NOT node.success OR node.result IS DISTINCT FROM here THEN
			RAISE EXCEPTION 'node %:% does not run task_outputs % (extension / library)', node.nodename, node.nodeport, here
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = pg_catalog.format('The node answered: %s', COALESCE(node.result, 'nothing')),
					  HINT = 'Install the same task_outputs on every node and run ALTER EXTENSION task_outputs UPDATE on the coordinator, then distribute.';
		END IF;
	END LOOP;

	unsafe_triggers := pg_catalog.current_setting('citus.enable_unsafe_triggers');
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
	PERFORM pg_catalog.create_reference_table('@extschema@.organization_grants');
	PERFORM pg_catalog.create_distributed_table('@extschema@.flow_executions', 'organization_id',
												 colocate_with => 'none', shard_count => shard_count);
	PERFORM pg_catalog.create_distributed_table('@extschema@.outputs', 'organization_id',
												 colocate_with => '@extschema@.flow_executions');
	PERFORM pg_catalog.create_distributed_table('@extschema@.audit_trail', 'organization_id',
												 colocate_with => '@extschema@.flow_executions');
	FOR twin IN
		SELECT p.oid FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace OPERATOR(pg_catalog.=) 'task_outputs_internal'::pg_catalog.regnamespace
		   AND p.proargnames[1] OPERATOR(pg_catalog.=) 'caller_organization_id'
		 ORDER BY p.proname
	LOOP
		PERFORM pg_catalog.create_distributed_function(twin, '$1',
													   colocate_with => '@extschema@.outputs',
													   force_delegation => true);
	END LOOP;
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', unsafe_triggers, true);
END
$distribute$;
COMMENT ON FUNCTION @extschema@.distribute(int) IS
	'Superuser, on a Citus coordinator, once: distribute the tables by organization_id (the grants as a reference table) and route every API call to the node of its organization';

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA task_outputs_internal FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.distribute(int) FROM PUBLIC;
