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
