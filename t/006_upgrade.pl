
# Copyright (c) task_outputs contributors

# Upgrades: install the oldest version the install scripts
# (task_outputs--<version>.sql) offer -- 0.1.0, the first release -- with
# data in its tables, walk ALTER EXTENSION task_outputs UPDATE along the
# update path to the control file's default_version, one step at a time,
# and check that:
#   - every row of every table is unchanged;
#   - the upgraded install equals a fresh install of the default version,
#     object for object, as the catalog describes them: functions with
#     their whole definitions (volatility, security, settings, ...), types,
#     tables and columns, indexes, constraints, triggers, policies,
#     privileges on every object, extension membership, comments;
#   - the data and the API work afterwards, under the new privilege model;
#   - the update refuses a schema that is not the superuser's, or where
#     other roles may create objects, as CREATE EXTENSION does.
# Versions and paths are found from the installed files and
# pg_extension_update_paths.
#
# The rows of the old version are loaded by the superuser with triggers
# off (session_replication_role = replica), as 0.1.0's API would have left
# them -- supersession, soft deletes with their previous status, the audit
# trail, organization grants: the library installed is the new one, which
# serves only the schema of its own version.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my $org_a = '0a000000-0000-4000-8000-00000000000a';
my $org_b = '0b000000-0000-4000-8000-00000000000b';
my $fe_a = '0f000000-0000-4000-8000-0000000000a1';
my $fe_b = '0f000000-0000-4000-8000-0000000000b1';

# The installed extension files: under INSTALL_DESTDIR when staged.
my $staged = defined $ENV{INSTALL_DESTDIR} && $ENV{INSTALL_DESTDIR} ne '';
my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
$sharedir = "$ENV{INSTALL_DESTDIR}$sharedir" if $staged;
my $extdir = "$sharedir/extension";

sub version_cmp
{
	my ($x, $y) = @_;
	my @x = split /\./, $x;
	my @y = split /\./, $y;
	while (@x || @y)
	{
		my $c = (shift(@x) // 0) <=> (shift(@y) // 0);
		return $c if $c;
	}
	return 0;
}

my @versions =
  sort { version_cmp($a, $b) }
  map { m{/task_outputs--([^-/]+)\.sql$} ? ($1) : () }
  glob("$extdir/task_outputs--*.sql");
my @updates =
  map { m{/task_outputs--([^-/]+--[^-/]+)\.sql$} ? ($1) : () }
  glob("$extdir/task_outputs--*--*.sql");
ok(@versions >= 1, "install scripts found: @versions");
note 'update scripts: ' . (@updates ? "@updates" : 'none');
my ($default) = slurp_file("$extdir/task_outputs.control") =~
  /^\s*default_version\s*=\s*'([^']+)'/m;
ok(defined $default, "the control file names a default_version ($default)");
my $oldest = $versions[0];
is($oldest, '0.1.0', 'the walk starts at 0.1.0, the first release');
cmp_ok(version_cmp($oldest, $default), '<', 0,
	"the oldest version $oldest is older than the default $default");

# Installable: a version with an install script, or one an update script
# leads to (CREATE EXTENSION runs the chain).
my %installable = map { $_ => 1 } @versions;
$installable{ (split /--/)[1] } = 1 for @updates;

my $node = TaskOutputsNode::new_node('upgrade', 'log_statement = none');

SKIP:
{
	# Debian's extension_destdir serves CREATE EXTENSION from the staging
	# directory, but the views below list the server's own directory only
	skip 'the extension is staged (INSTALL_DESTDIR): the catalog views do not list staged extensions', 2
	  if $staged;
	is( $node->safe_psql('postgres',
			q{SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'task_outputs'}
		),
		join(' ', sort keys %installable),
		'pg_available_extension_versions lists every installable version');
	is( $node->safe_psql('postgres',
			q{SELECT default_version FROM pg_available_extensions WHERE name = 'task_outputs'}),
		$default,
		'pg_available_extensions shows the default version');
}

############################################################################
# The oldest version, with data
############################################################################
$node->safe_psql('postgres',
	"CREATE EXTENSION task_outputs VERSION '$oldest'");
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$oldest, "installed version $oldest");

# The roles of the old install: a writer and an admin of A, each granted A.
$node->safe_psql(
	'postgres', qq{
	CREATE ROLE to_up LOGIN IN ROLE task_outputs_writer;
	ALTER ROLE to_up SET task_outputs.org_id = '$org_a';
	CREATE ROLE to_up_admin LOGIN IN ROLE task_outputs_admin;
	ALTER ROLE to_up_admin SET task_outputs.org_id = '$org_a';
});
ok( $node->safe_psql('postgres',
		q{SELECT has_table_privilege('to_up', 'task_outputs.outputs', 'SELECT, INSERT, UPDATE, DELETE')}) eq 't',
	"in $oldest a writer holds privileges on the outputs table");

# What 0.1.0's API would have left, loaded as pg_restore would (triggers
# off).  Organization A: 50 outputs of five tasks, the last of each task
# completed and the others superseded (stale, with the trail entry of the
# supersession); two of the stale ones soft-deleted afterwards (their
# previous status kept); a failed output and a queued one.  Organization
# B: one output.  Each output's first status is in its document as "init",
# which the invariants check against the trail.
$node->safe_psql(
	'postgres', qq{
	SET session_replication_role = replica;
	INSERT INTO task_outputs.flow_executions (id, organization_id, name, created_at) VALUES
		('$fe_a', '$org_a', 'upgrade', '2026-01-01 00:00:00+00'),
		('$fe_b', '$org_b', 'other', '2026-01-01 00:00:00+00');
	CREATE TEMP TABLE old_outputs AS
	SELECT ('01000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid AS id,
		   'task ' || (g % 5) AS task_name, g,
		   CASE WHEN g > 45 THEN 'completed'
				WHEN g % 5 = 1 AND g <= 6 THEN 'deleted'
				ELSE 'stale' END::task_outputs.task_output_status AS status,
		   '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s' AS created_at
	  FROM generate_series(1, 50) g;
	INSERT INTO task_outputs.outputs (id, flow_execution_id, organization_id, task_name, status,
									  summary, output, tags, last_modified_by, created_at, updated_at,
									  status_before_delete)
	SELECT id, '$fe_a', '$org_a', task_name, status, jsonb_build_object('n', g),
		   jsonb_build_object('g', g, 'init', 'completed'), ARRAY['t' || (g % 3)],
		   CASE status WHEN 'completed' THEN 'system' WHEN 'stale' THEN 'worker' ELSE 'cleaner' END,
		   created_at,
		   CASE status WHEN 'completed' THEN created_at WHEN 'stale' THEN created_at + interval '5 s'
						ELSE created_at + interval '1 day' END,
		   CASE WHEN status = 'deleted' THEN 'stale'::task_outputs.task_output_status END
	  FROM old_outputs;
	INSERT INTO task_outputs.outputs (id, flow_execution_id, organization_id, task_name, status,
									  output, last_modified_by, created_at, updated_at) VALUES
		('01000000-0000-7000-8000-0000000000f1', '$fe_a', '$org_a', 'flaky', 'failed',
		 '{"init": "running"}', 'worker', '2026-01-01 01:00:00+00', '2026-01-01 01:00:10+00'),
		('01000000-0000-7000-8000-0000000000f2', '$fe_a', '$org_a', 'queued', 'queued',
		 '{"init": "queued"}', 'system', '2026-01-01 01:00:00+00', '2026-01-01 01:00:00+00'),
		('01000000-0000-7000-8000-0000000000b1', '$fe_b', '$org_b', 'extract', 'completed',
		 '{"init": "completed", "secret": "of B"}', 'system', '2026-01-01 01:00:00+00', '2026-01-01 01:00:00+00');
	INSERT INTO task_outputs.audit_trail (id, organization_id, task_output_id, from_status, to_status, actor, changed_at)
	SELECT ('02000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, '$org_a'::uuid, id,
		   'completed'::task_outputs.task_output_status, 'stale'::task_outputs.task_output_status,
		   'worker', created_at + interval '5 s'
	  FROM old_outputs WHERE status <> 'completed'
	UNION ALL
	SELECT ('03000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, '$org_a', id,
		   'stale', 'deleted', 'cleaner', created_at + interval '1 day'
	  FROM old_outputs WHERE status = 'deleted'
	UNION ALL
	SELECT '04000000-0000-7000-8000-0000000000f1', '$org_a', '01000000-0000-7000-8000-0000000000f1',
		   'running', 'failed', 'worker', '2026-01-01 01:00:10+00';
	INSERT INTO task_outputs.organization_grants (organization_id, role_name, granted_by, granted_at) VALUES
		('$org_a', 'to_up', 'postgres', '2026-01-01 00:00:00+00'),
		('$org_a', 'to_up_admin', 'postgres', '2026-01-01 00:00:00+00');
});
is( $node->safe_psql('postgres',
		q{SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
			FROM (SELECT status, count(*) AS n FROM task_outputs.outputs GROUP BY status) s}),
	'queued 1, completed 6, failed 1, deleted 2, stale 43',
	"$oldest holds outputs in every status the walk checks");
TaskOutputsNode::check_invariants($node, 'postgres', "the $oldest data");

my %key = (
	flow_executions => 'organization_id, id',
	outputs => 'organization_id, id',
	audit_trail => 'organization_id, id',
	organization_grants => 'organization_id, role_name');
my $digest_sql = join(" || ' ' || ",
	map {
		"(SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY $key{$_})) FROM task_outputs.$_ t)"
	} sort keys %key);
my $before = $node->safe_psql('postgres', "SELECT $digest_sql");

############################################################################
# The walk
############################################################################
my $path = $node->safe_psql('postgres',
	"SELECT coalesce(path, '') FROM pg_extension_update_paths('task_outputs') WHERE source = '$oldest' AND target = '$default'"
);
# the path is the versions it passes, joined by "--"
my @steps = grep { $_ ne $oldest } split /--/, $path;
ok(@steps >= 1, "an update path leads from $oldest to $default: $path");
foreach my $step (@steps)
{
	$node->safe_psql('postgres', "ALTER EXTENSION task_outputs UPDATE TO '$step'");
	is($node->safe_psql('postgres',
			q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
		$step, "updated to $step");
}
my ($ret, $out, $err) =
  $node->psql('postgres', 'ALTER EXTENSION task_outputs UPDATE');
is($ret, 0, 'ALTER EXTENSION task_outputs UPDATE at the default version succeeds');
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$default, "the extension is at the default version $default");
is($node->safe_psql('postgres', "SELECT $digest_sql"),
	$before, 'every row of every table is unchanged by the update');

############################################################################
# The upgraded install equals a fresh one
############################################################################

# One line per fact about the extension's objects, by category.
my $describe = q{
WITH ext AS (
	SELECT e.oid, e.extnamespace AS nsp FROM pg_catalog.pg_extension e WHERE e.extname = 'task_outputs'),
-- every object that has privileges; kind: what acldefault takes
acls (category, object, acl, kind, owner) AS (
	SELECT 'schema', n.nspname::text, n.nspacl, 'n', n.nspowner
	  FROM pg_catalog.pg_namespace n, ext WHERE n.oid = ext.nsp
	UNION ALL
	SELECT 'function', p.oid::regprocedure::text, p.proacl, 'f', p.proowner
	  FROM pg_catalog.pg_proc p, ext WHERE p.pronamespace = ext.nsp
	UNION ALL
	SELECT 'type', t.oid::regtype::text, t.typacl, 'T', t.typowner
	  FROM pg_catalog.pg_type t, ext WHERE t.typnamespace = ext.nsp
	UNION ALL
	SELECT 'relation', c.oid::regclass::text, c.relacl,
		   CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END, c.relowner
	  FROM pg_catalog.pg_class c, ext WHERE c.relnamespace = ext.nsp AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
	UNION ALL
	SELECT 'column', a.attrelid::regclass || '.' || a.attname, a.attacl, 'c', c.relowner
	  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid, ext
	 WHERE c.relnamespace = ext.nsp AND a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL)
SELECT category, line FROM (
	-- the extension itself, and which tables pg_dump keeps the rows of
	SELECT 'extension' AS category,
		   format('version %s, relocatable %s, owner %s, schema %s', e.extversion, e.extrelocatable,
				  e.extowner::regrole, e.extnamespace::regnamespace) AS line
	  FROM pg_catalog.pg_extension e WHERE e.extname = 'task_outputs'
	UNION ALL
	SELECT 'extension', format('dumped %s where %L', u.tab::regclass, u.cond)
	  FROM pg_catalog.pg_extension e, unnest(e.extconfig, e.extcondition) u(tab, cond)
	 WHERE e.extname = 'task_outputs'
	UNION ALL
	SELECT 'membership', pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
	  FROM pg_catalog.pg_depend d, ext
	 WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT 'schema', format('%s owned by %s, comment %L', n.nspname, n.nspowner::regrole,
							pg_catalog.obj_description(n.oid, 'pg_namespace'))
	  FROM pg_catalog.pg_namespace n, ext WHERE n.oid = ext.nsp
	UNION ALL
	-- the whole definition: arguments and defaults, result, language and
	-- symbol, volatility, strictness, security, parallel safety, cost,
	-- rows, settings
	SELECT 'function', format('%s owned by %s, comment %L',
							  regexp_replace(pg_catalog.pg_get_functiondef(p.oid), '\s+', ' ', 'g'),
							  p.proowner::regrole, pg_catalog.obj_description(p.oid, 'pg_proc'))
	  FROM pg_catalog.pg_proc p, ext WHERE p.pronamespace = ext.nsp
	UNION ALL
	SELECT 'type', format('%s kind %s owned by %s: %s%s, comment %L', t.oid::regtype, t.typtype, t.typowner::regrole,
						  (SELECT string_agg(l.enumlabel, ', ' ORDER BY l.enumsortorder)
							 FROM pg_catalog.pg_enum l WHERE l.enumtypid = t.oid),
						  (SELECT string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
							 FROM pg_catalog.pg_attribute a
							WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
						  pg_catalog.obj_description(t.oid, 'pg_type'))
	  FROM pg_catalog.pg_type t, ext WHERE t.typnamespace = ext.nsp AND t.typcategory <> 'A'
	UNION ALL
	SELECT 'table', format('%s kind %s persistence %s rls %s forced %s options %s owned by %s, comment %L',
						   c.oid::regclass, c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
						   c.reloptions, c.relowner::regrole, pg_catalog.obj_description(c.oid, 'pg_class'))
	  FROM pg_catalog.pg_class c, ext WHERE c.relnamespace = ext.nsp AND c.relkind NOT IN ('i', 'I')
	UNION ALL
	-- columns in their order among the live ones
	SELECT 'column', format('%s #%s %s %s not null %s default %s collation %s identity %L generated %L, comment %L',
							c.oid::regclass, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
							pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
							pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attcollation::regcollation,
							a.attidentity, a.attgenerated, pg_catalog.col_description(c.oid, a.attnum))
	  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
	  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum, ext
	 WHERE c.relnamespace = ext.nsp AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT 'index', format('%s valid %s ready %s, comment %L', pg_catalog.pg_get_indexdef(i.indexrelid),
						   i.indisvalid, i.indisready, pg_catalog.obj_description(i.indexrelid, 'pg_class'))
	  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid, ext WHERE c.relnamespace = ext.nsp
	UNION ALL
	SELECT 'constraint', format('%s %s %s validated %s, comment %L', co.conrelid::regclass, co.conname,
								pg_catalog.pg_get_constraintdef(co.oid), co.convalidated,
								pg_catalog.obj_description(co.oid, 'pg_constraint'))
	  FROM pg_catalog.pg_constraint co, ext WHERE co.connamespace = ext.nsp
	UNION ALL
	-- triggers, not the internal ones of the foreign keys
	SELECT 'trigger', format('%s enabled %s, comment %L', pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled,
							 pg_catalog.obj_description(tg.oid, 'pg_trigger'))
	  FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid, ext
	 WHERE c.relnamespace = ext.nsp AND NOT tg.tgisinternal
	UNION ALL
	SELECT 'policy', format('%s.%s %s %s to %s using %s with check %s, comment %L', c.relname, po.polname,
							CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END, po.polcmd,
							(SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END, ', ' ORDER BY 1)
							   FROM unnest(po.polroles) r),
							pg_catalog.pg_get_expr(po.polqual, po.polrelid),
							pg_catalog.pg_get_expr(po.polwithcheck, po.polrelid),
							pg_catalog.obj_description(po.oid, 'pg_policy'))
	  FROM pg_catalog.pg_policy po JOIN pg_catalog.pg_class c ON c.oid = po.polrelid, ext
	 WHERE c.relnamespace = ext.nsp
	UNION ALL
	-- privileges on every object, the owner's implicit ones made explicit
	SELECT 'privilege', format('%s %s: %s %s granted by %s%s', a.category, a.object,
							   CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END,
							   x.privilege_type, x.grantor::regrole,
							   CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END)
	  FROM acls a, pg_catalog.aclexplode(coalesce(a.acl, pg_catalog.acldefault(a.kind::"char", a.owner))) x
	UNION ALL
	-- default privileges of objects created in the schema later
	SELECT 'privilege', format('default for %s in the schema: %s', d.defaclobjtype, d.defaclacl)
	  FROM pg_catalog.pg_default_acl d, ext WHERE d.defaclnamespace = ext.nsp
) facts
ORDER BY category, line};

sub describe
{
	my ($dbname) = @_;
	my %facts;
	foreach my $row (split /\n/, $node->safe_psql($dbname, $describe))
	{
		my ($category, $line) = split /\|/, $row, 2;
		push @{ $facts{$category} }, $line;
	}
	return \%facts;
}

$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION task_outputs');
is($node->safe_psql('fresh',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$default, "a fresh install in another database is at $default");
my $upgraded = describe('postgres');
my $fresh = describe('fresh');
my %plural = (index => 'indexes', policy => 'policies', extension => 'extension facts',
	membership => 'extension members', schema => 'schema facts');
foreach my $category (
	qw(extension membership schema function type table column index constraint trigger policy privilege)
  )
{
	my $plural = $plural{$category} // "${category}s";
	my @u = @{ $upgraded->{$category} // [] };
	my @f = @{ $fresh->{$category} // [] };
	ok(@f > 0, "the fresh install has $plural to compare (" . scalar(@f) . ')');
	my %in_f = map { $_ => 1 } @f;
	my %in_u = map { $_ => 1 } @u;
	my @only_u = grep { !$in_f{$_} } @u;
	my @only_f = grep { !$in_u{$_} } @f;
	ok(@only_u == 0 && @only_f == 0 && @u == @f,
		"upgraded and fresh installs have the same $plural")
	  or diag join("\n",
		(map { "only after the update: $_" } @only_u),
		(map { "only in a fresh install: $_" } @only_f));
}
is_deeply([ sort keys %$upgraded ], [ sort keys %$fresh ],
	'and no category of objects exists in one only');

############################################################################
# Data and behaviour after the update
############################################################################
my $obvious_list = qq{
	SELECT coalesce(jsonb_agg(to_jsonb(o) ORDER BY created_at DESC, id DESC), '[]')
	  FROM (SELECT id, flow_execution_id, organization_id, task_name, status, summary,
				   output, tags, last_modified_by, created_at, updated_at
			  FROM task_outputs.outputs WHERE organization_id = '$org_a' AND status <> 'deleted') o};
my $obvious = $node->safe_psql('postgres', $obvious_list);
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up',
		qq{SELECT task_outputs.list_task_outputs()::jsonb = '$obvious'::jsonb}),
	't',
	"the old writer's list after the update equals the obvious SQL over the old rows");
($ret, $out, $err) =
  TaskOutputsNode::psql_as($node, 'postgres', 'to_up',
	'SELECT count(*) FROM task_outputs.outputs');
like($err, qr/42501: permission denied for table outputs/,
	'the old writer lost its table privileges with the update');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up', q{
		SELECT (task_outputs.set_task_output_status('01000000-0000-7000-8000-0000000000f2', 'running')).status;
		SELECT json_array_length(task_outputs.list_task_outputs(task_name => 'queued', status => '{running}'));
	}),
	"running\n1",
	'after the update a status change and a read work');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up', qq{
		SELECT (task_outputs.record_task_output('$fe_a', 'task 0', '{"init": "completed"}')).status;
		SELECT string_agg(status::text, ',' ORDER BY created_at DESC)
		  FROM task_outputs.task_outputs(task_name => 'task 0', "limit" => 2);
	}),
	"completed\ncompleted,stale",
	'a new completed output supersedes the one completed before the update');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up_admin', q{
		SELECT (task_outputs.restore_task_output('01000000-0000-7000-8000-000000000001')).status;
		SELECT string_agg(e->>'from_status' || '>' || (e->>'to_status') || ' by ' || (e->>'actor'), ', ')
		  FROM json_array_elements(task_outputs.task_output_history('01000000-0000-7000-8000-000000000001')) e;
	}),
	"stale\ncompleted>stale by worker, stale>deleted by cleaner, deleted>stale by system",
	'an admin restores an output soft-deleted before the update to its previous status, and its old trail is its history');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up_admin',
		'SELECT task_outputs.count_task_outputs(include_deleted => true) - task_outputs.count_task_outputs()'),
	'1',
	'the other output soft-deleted before the update is still deleted, seen by the admin only');
$node->safe_psql(
	'postgres', qq{
	CREATE ROLE to_up_direct LOGIN IN ROLE task_outputs_writer, task_outputs_direct;
	ALTER ROLE to_up_direct SET task_outputs.org_id = '$org_a';
	SELECT task_outputs.grant_organization('to_up_direct', '$org_a');
});
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up_direct', q{
		SELECT (SELECT count(*) FROM task_outputs.outputs) = task_outputs.count_task_outputs(),
			   (SELECT count(*) FROM task_outputs.outputs WHERE status = 'deleted' OR organization_id <> task_outputs.current_org_id())
	}),
	't|0',
	'the direct tier reads the old rows through row-level security: its organization, no deleted row');
TaskOutputsNode::check_invariants($node, 'postgres', 'after the update');

############################################################################
# The update refuses a schema that is not the superuser's alone
############################################################################
$node->safe_psql('postgres', 'CREATE ROLE to_mallory');

# The first error line of psql's stderr, as "SQLSTATE: message".
sub error_of
{
	my ($stderr) = @_;
	return ($stderr // '') =~ /ERROR:\s+(\w{5}: [^\n]*)/ ? $1 : 'no error';
}

# A schema made in advance by another role: 0.1.0 adopted it.
$node->safe_psql('postgres', 'CREATE DATABASE adopted');
$node->safe_psql('adopted',
	"CREATE SCHEMA task_outputs AUTHORIZATION to_mallory; CREATE EXTENSION task_outputs VERSION '$oldest'"
);
($ret, $out, $err) = $node->psql('adopted', 'ALTER EXTENSION task_outputs UPDATE',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
my $update_error = error_of($err);
is($update_error, '42501: schema "task_outputs" is owned by role "to_mallory"',
	'the update refuses a schema owned by another role');
is($node->safe_psql('adopted',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$oldest, "and leaves the extension at $oldest");
$node->safe_psql('postgres', 'CREATE DATABASE refused');
$node->safe_psql('refused', 'CREATE SCHEMA task_outputs AUTHORIZATION to_mallory');
($ret, $out, $err) = $node->psql('refused', 'CREATE EXTENSION task_outputs',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
is(error_of($err), $update_error,
	'CREATE EXTENSION refuses that schema with the same error');

# A schema of the superuser where another role was given CREATE.
$node->safe_psql('postgres', 'CREATE DATABASE opened');
$node->safe_psql('opened',
	"CREATE EXTENSION task_outputs VERSION '$oldest'; GRANT CREATE ON SCHEMA task_outputs TO to_mallory"
);
($ret, $out, $err) = $node->psql('opened', 'ALTER EXTENSION task_outputs UPDATE',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
$update_error = error_of($err);
is($update_error, '42501: other roles may create objects in schema "task_outputs"',
	'the update refuses a schema where another role may create objects');
is($node->safe_psql('opened',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$oldest, "and leaves the extension at $oldest");
$node->safe_psql('postgres', 'CREATE DATABASE opened_fresh');
$node->safe_psql('opened_fresh',
	'CREATE SCHEMA task_outputs; GRANT CREATE ON SCHEMA task_outputs TO to_mallory');
($ret, $out, $err) = $node->psql('opened_fresh', 'CREATE EXTENSION task_outputs',
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
is(error_of($err), $update_error,
	'CREATE EXTENSION refuses that schema with the same error');

$node->stop;
done_testing();
