/*
 * task_outputs--0.1.0--0.2.0.sql
 *		Update 0.1.0 to 0.2.0: tenant roles lose every table privilege (the
 *		API runs its statements as the new task_outputs_service role), the
 *		new task_outputs_direct role is the trusted tier with direct table
 *		access, soft-deleted outputs are hidden from everyone but
 *		administrators by row-level security, supersession runs after the
 *		row is written, and count_task_outputs loses include_output.
 *
 * Like CREATE EXTENSION, it refuses a schema that is not the updating
 * superuser's or where other roles may create objects.
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION task_outputs UPDATE TO '0.2.0'" to load this file. \quit

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

GRANT USAGE ON SCHEMA @extschema@ TO task_outputs_direct, task_outputs_service;
GRANT USAGE ON TYPE @extschema@.task_output_status, @extschema@.task_output
	TO task_outputs_direct, task_outputs_service;

/*
 * New functions: who may see deleted outputs, and supersession after the
 * row is written.
 */
-- Whether soft-deleted outputs and the audit trail are visible: to
-- administrators, and to the service role's statements that need them.
CREATE FUNCTION @extschema@.deleted_visible()
RETURNS boolean
AS 'MODULE_PATHNAME', 'deleted_visible'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.deleted_visible() IS
	'Whether the current role may see soft-deleted task outputs and the audit trail (task_outputs_admin); the row-level security policies use it';

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

COMMENT ON FUNCTION @extschema@.outputs_before_write() IS
	'Trigger: id default, organization inherited from the flow execution, column rules, status transitions, stamps';
COMMENT ON FUNCTION @extschema@.grant_organization(regrole, uuid) IS
	'Admin: let a role that is not a gateway (and the roles that have its privileges) act for an organization the caller may act for itself';

/*
 * count_task_outputs no longer takes include_output, which it ignored.
 */
DROP FUNCTION @extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean, boolean);
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

/*
 * Supersession runs once the statement's rows are written, so within a
 * statement a task may have two completed outputs: the index of current
 * outputs is no longer unique.
 */
DROP INDEX @extschema@.outputs_current_idx;
CREATE INDEX outputs_current_idx ON @extschema@.outputs
	(organization_id, flow_execution_id, task_name)
	WHERE status OPERATOR(pg_catalog.=) 'completed';

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
 * Row-level security: soft-deleted outputs and the audit trail for
 * administrators only; no policy on the grants; no subqueries in policies
 * (a distributed engine refuses them).
 */
DROP POLICY tenant_isolation ON @extschema@.flow_executions;
CREATE POLICY tenant_isolation ON @extschema@.flow_executions
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id())
	WITH CHECK (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id());
DROP POLICY tenant_isolation ON @extschema@.outputs;
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
DROP POLICY tenant_isolation ON @extschema@.audit_trail;
CREATE POLICY administrators_read ON @extschema@.audit_trail FOR SELECT
	USING (organization_id OPERATOR(pg_catalog.=) @extschema@.authorized_org_id()
		   AND @extschema@.deleted_visible());
DROP POLICY administration ON @extschema@.organization_grants;

/*
 * Privileges: the tenant roles keep their API and lose every table
 * privilege; the service role and the direct tier get the tables.
 */
REVOKE ALL ON @extschema@.flow_executions, @extschema@.outputs,
	@extschema@.audit_trail, @extschema@.organization_grants
	FROM task_outputs_reader, task_outputs_writer, task_outputs_admin;
REVOKE ALL ON FUNCTION
	@extschema@.deleted_visible(),
	@extschema@.outputs_completed(),
	@extschema@.outputs_supersede(),
	@extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
	@extschema@.count_task_outputs(uuid, text, @extschema@.task_output_status[], text[], jsonb, timestamptz, timestamptz, boolean)
	TO task_outputs_reader;
GRANT EXECUTE ON FUNCTION
	@extschema@.authorized_org_id(),
	@extschema@.deleted_visible(),
	@extschema@.uuid_generate_v7()
	TO task_outputs_direct, task_outputs_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.flow_executions, @extschema@.outputs
	TO task_outputs_direct, task_outputs_service;
GRANT SELECT ON @extschema@.audit_trail
	TO task_outputs_direct, task_outputs_service;
