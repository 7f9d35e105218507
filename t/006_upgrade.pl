
# Copyright (c) task_outputs contributors

# Upgrades: install the oldest version the install scripts
# (task_outputs--<version>.sql) offer, fill it, walk ALTER EXTENSION
# task_outputs UPDATE along the update path to the control file's
# default_version, one step at a time, and check data and behaviour after.
# Versions and paths are found from the installed files and
# pg_extension_update_paths, so the test needs no change when a version
# and its update script are added.  With one version the walk has no step
# and ALTER EXTENSION ... UPDATE must be a no-op.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my $org = '0a000000-0000-4000-8000-00000000000a';
my $fe = '0f000000-0000-4000-8000-0000000000a1';

# The installed extension files: under INSTALL_DESTDIR when staged.
my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
$sharedir = "$ENV{INSTALL_DESTDIR}$sharedir"
  if defined $ENV{INSTALL_DESTDIR} && $ENV{INSTALL_DESTDIR} ne '';
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
cmp_ok(version_cmp($oldest, $default), '<=', 0,
	"the oldest version $oldest is not newer than the default $default");

# Installable: a version with an install script, or one an update script
# leads to (CREATE EXTENSION runs the chain).
my %installable = map { $_ => 1 } @versions;
$installable{ (split /--/)[1] } = 1 for @updates;

my $node = TaskOutputsNode::new_node('upgrade', 'log_statement = none');

is( $node->safe_psql('postgres',
		q{SELECT string_agg(version, ' ') FROM pg_available_extension_versions WHERE name = 'task_outputs'}
	),
	join(' ', sort { version_cmp($a, $b) } keys %installable),
	'pg_available_extension_versions lists every installable version');
is( $node->safe_psql('postgres',
		q{SELECT default_version FROM pg_available_extensions WHERE name = 'task_outputs'}),
	$default,
	'pg_available_extensions shows the default version');

# Install the oldest version and fill it.
$node->safe_psql('postgres',
	"CREATE EXTENSION task_outputs VERSION '$oldest'");
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$oldest, "installed version $oldest");
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_up', $org);
TaskOutputsNode::safe_psql_as(
	$node, 'postgres', 'to_up', qq{
	SELECT task_outputs.create_flow_execution('upgrade', '$fe');
	SELECT task_outputs.record_task_output('$fe', 'task ' || (g % 5), jsonb_build_object('g', g), jsonb_build_object('n', g), ARRAY['t' || (g % 3)])
	  FROM generate_series(1, 50) g;
	SELECT task_outputs.record_task_output('$fe', 'queued', status => 'queued');
	SELECT task_outputs.delete_task_output(id) FROM task_outputs.outputs WHERE task_name = 'task 1' AND status = 'stale' LIMIT 2;
});
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

# Walk the update path, one version at a time.
my $path = $node->safe_psql('postgres',
	"SELECT coalesce(path, '') FROM pg_extension_update_paths('task_outputs') WHERE source = '$oldest' AND target = '$default'"
);
my @steps = grep { $_ ne $oldest } split /,/, $path;
if ($oldest ne $default)
{
	ok(@steps >= 1, "an update path leads from $oldest to $default: $path");
}
note "update path from $oldest to $default: " . ($path eq '' ? 'none needed' : $path);
foreach my $step (@steps)
{
	$node->safe_psql('postgres', "ALTER EXTENSION task_outputs UPDATE TO '$step'");
	is($node->safe_psql('postgres',
			q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
		$step, "updated to $step");
}
my ($ret, $out, $err) =
  $node->psql('postgres', 'ALTER EXTENSION task_outputs UPDATE');
is($ret, 0, 'ALTER EXTENSION task_outputs UPDATE to the default version succeeds');
is($node->safe_psql('postgres',
		q{SELECT extversion FROM pg_extension WHERE extname = 'task_outputs'}),
	$default, "the extension is at the default version $default");

# Data and behaviour after the update.
is($node->safe_psql('postgres', "SELECT $digest_sql"),
	$before, 'every row of every table is unchanged by the update');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up', q{
		SELECT task_outputs.list_task_outputs()::jsonb =
			   (SELECT jsonb_agg(to_jsonb(o) ORDER BY created_at DESC, id DESC)
				  FROM (SELECT id, flow_execution_id, organization_id, task_name, status, summary,
							   output, tags, last_modified_by, created_at, updated_at
						  FROM task_outputs.outputs WHERE status <> 'deleted') o)}),
	't',
	'after the update the list equals the obvious SQL');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_up', q{
		SELECT (task_outputs.set_task_output_status(id, 'running')).status
		  FROM task_outputs.outputs WHERE task_name = 'queued';
		SELECT json_array_length(task_outputs.list_task_outputs(task_name => 'queued', status => '{running}'));
	}),
	"running\n1",
	'after the update a status change and a read work');
TaskOutputsNode::check_invariants($node, 'postgres', 'after the update');

$node->stop;
done_testing();
