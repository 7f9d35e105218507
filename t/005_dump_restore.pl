
# Copyright (c) task_outputs contributors

# Backup and restore: pg_dump -Fc of a database using the extension, with
# several organizations, outputs in every status (soft-deleted ones too),
# audit trail entries, organization grants and flow executions, restored
# with pg_restore by a superuser into a new database: every row of every
# table of the extension comes back identical (stamps included, by the
# trusted load), isolation works there as before (through the API, and
# through plain SQL for the direct tier; a reader alone has no table
# privilege), and an admin can still restore a soft-deleted output to the
# status it had.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my %org = (
	a => '0a000000-0000-4000-8000-00000000000a',
	b => '0b000000-0000-4000-8000-00000000000b',
	c => '0c000000-0000-4000-8000-00000000000c');

my $node = TaskOutputsNode::new_node('dump', 'log_statement = none');
$node->safe_psql('postgres', 'CREATE DATABASE source');
$node->safe_psql('source', 'CREATE EXTENSION task_outputs');

foreach my $o (sort keys %org)
{
	TaskOutputsNode::create_tenant_role($node, 'source', "to_$o", $org{$o});
}
$node->safe_psql(
	'source', qq{
	CREATE ROLE to_admin LOGIN IN ROLE task_outputs_admin;
	ALTER ROLE to_admin SET task_outputs.org_id = '$org{a}';
	SELECT task_outputs.grant_organization('to_admin', '$org{a}');
	CREATE ROLE to_reader LOGIN IN ROLE task_outputs_reader;
	ALTER ROLE to_reader SET task_outputs.org_id = '$org{b}';
	SELECT task_outputs.grant_organization('to_reader', '$org{b}');
	CREATE ROLE to_direct LOGIN IN ROLE task_outputs_reader, task_outputs_direct;
	ALTER ROLE to_direct SET task_outputs.org_id = '$org{b}';
	SELECT task_outputs.grant_organization('to_direct', '$org{b}');
	CREATE ROLE to_ungranted LOGIN IN ROLE task_outputs_reader, task_outputs_direct;
	ALTER ROLE to_ungranted SET task_outputs.org_id = '$org{b}';
});

# Each organization: two flow executions, outputs in every status, made
# through the API so the audit trail records each change.
foreach my $o (sort keys %org)
{
	TaskOutputsNode::safe_psql_as(
		$node, 'source', "to_$o", qq{
		SELECT task_outputs.create_flow_execution('nightly $o', '0f000000-0000-4000-8000-0000000000${o}1');
		SELECT task_outputs.create_flow_execution('hourly $o', '0f000000-0000-4000-8000-0000000000${o}2');
		-- completed, superseded twice: two stale, one completed
		SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}1', 'extract', jsonb_build_object('v', g), jsonb_build_object('n', g), '{x,y}')
		  FROM generate_series(1, 3) g;
		SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}2', 'queued task', status => 'queued');
		SELECT task_outputs.set_task_output_status(
			(task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}2', 'running task', status => 'queued')).id, 'running');
		SELECT task_outputs.set_task_output_status(
			(task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}2', 'failed task', '{"error": "boom"}', status => 'running')).id, 'failed');
		SELECT task_outputs.delete_task_output(
			(task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}2', 'deleted task', '{"gone": true}', status => 'failed')).id);
		SELECT task_outputs.record_task_output('0f000000-0000-4000-8000-0000000000${o}2', 'odd ☃ \x{1F600}', '{"deep": {"a": [1, {"b": null}]}}', tags => '{"a b","c,d"}');
	});
}

my %key = (
	flow_executions => 'organization_id, id',
	outputs => 'organization_id, id',
	audit_trail => 'organization_id, id',
	organization_grants => 'organization_id, role_name');

sub table_digests
{
	my ($dbname) = @_;
	my %d;
	foreach my $t (sort keys %key)
	{
		$d{$t} = $node->safe_psql($dbname,
			"SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY $key{$t}), '')) FROM task_outputs.$t t"
		);
	}
	return \%d;
}

my $before = table_digests('source');
is( $node->safe_psql('source',
		q{SELECT string_agg(DISTINCT status::text, ',' ORDER BY status::text) FROM task_outputs.outputs}),
	$node->safe_psql('source',
		q{SELECT string_agg(s::text, ',' ORDER BY s::text) FROM unnest(enum_range(NULL::task_outputs.task_output_status)) s}),
	'the source has outputs in every status');
cmp_ok((split / /, $before->{audit_trail})[0], '>=', 15,
	'the source has audit trail entries');

my $dump = "${PostgreSQL::Test::Utils::tmp_check}/source.dump";
command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('source'), '-f', $dump ],
	'pg_dump -Fc of the source database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my $restore_start = $node->safe_psql('postgres', 'SELECT now()');
command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore into a new database, as a superuser');

my $after = table_digests('restored');
foreach my $t (sort keys %key)
{
	is($after->{$t}, $before->{$t},
		"every row of $t is restored identical ($before->{$t})");
}
is( $node->safe_psql('restored',
		"SELECT count(*) FROM task_outputs.outputs WHERE last_modified_by = 'postgres' OR updated_at >= '$restore_start'"),
	'0',
	'the restored rows keep their writers and update times');

# Isolation in the restored database.
my $count_b = $node->safe_psql('restored',
	"SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{b}' AND status <> 'deleted'"
);
is( TaskOutputsNode::safe_psql_as(
		$node, 'restored', 'to_direct',
		q{SELECT count(*) || ' ' || count(*) FILTER (WHERE organization_id <> '0b000000-0000-4000-8000-00000000000b') FROM task_outputs.outputs}
	),
	"$count_b 0",
	'a granted reader of the direct tier sees only its organization (not its soft-deleted outputs) in the restored database'
);
my ($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'restored', 'to_reader',
	'SELECT count(*) FROM task_outputs.outputs');
like($err, qr/42501: permission denied for table outputs/,
	'a reader alone has no plain SELECT on the table in the restored database');
is( TaskOutputsNode::safe_psql_as(
		$node, 'restored', 'to_reader',
		'SELECT count(*) FROM task_outputs.task_outputs()'),
	$count_b,
	'a granted reader lists its organization in the restored database');
is( TaskOutputsNode::safe_psql_as(
		$node, 'restored', 'to_ungranted',
		'SELECT count(*) FROM task_outputs.outputs'),
	'0',
	'a role without a grant sees nothing in the restored database');
($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'restored', 'to_ungranted',
	'SELECT count(*) FROM task_outputs.task_outputs()');
like($err, qr/42501: permission denied to act for organization "$org{b}"/,
	'and its API calls are refused');
is( TaskOutputsNode::safe_psql_as(
		$node, 'restored', 'to_c',
		"SELECT json_array_length(task_outputs.list_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000c2'))"
	),
	'4',
	'a writer lists its flow execution in the restored database');

# The admin restores a soft-deleted output to its status before deletion,
# and the audit trail carries on.
is( TaskOutputsNode::safe_psql_as(
		$node, 'restored', 'to_admin', q{
		SELECT (task_outputs.restore_task_output(id)).status
		  FROM task_outputs.task_outputs(task_name => 'deleted task', include_deleted => true);
		SELECT string_agg(e->>'from_status' || '>' || (e->>'to_status'), ' ')
		  FROM task_outputs.task_outputs(task_name => 'deleted task') o,
			   json_array_elements(task_outputs.task_output_history(o.id)) e;
	}),
	"failed\nfailed>deleted deleted>failed",
	'an admin restores a soft-deleted output in the restored database, with its trail');
TaskOutputsNode::check_invariants($node, 'restored', 'restored database');

$node->stop;
done_testing();
