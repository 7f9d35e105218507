
# Copyright (c) task_outputs contributors

# Results near PostgreSQL's 1 GB limit, and under an address-space limit.
#
# Near the limit (task_outputs.max_output_bytes raised to its maximum): a
# list that would pass 1 GB fails with PT413, whose hint names
# export_task_outputs and pagination, never with 54000 (which PostgREST
# answers with 500) -- also when a single row renders to hundreds of
# megabytes (100 MB of control characters are 600 MB of JSON, each one an
# escape of six bytes); a list of about 540 MB, more than the last
# doubling of a buffer below the limit, succeeds and equals json_agg of the
# same rows.
#
# Under an address-space limit (ulimit -v, common in containers; here
# applied to the running postmaster with prlimit, so that every backend
# started afterwards has it): a list of 4 MB succeeds where json_agg of
# the same rows succeeds.  The limit is what a new backend's address space
# is when idle, measured, plus a few hundred megabytes.
#
# Issue 10, item 6: near the limit the list failed with 54000 "out of
# memory", and every result past 1 MB reserved 1 GB of address space, so
# a 4 MB list failed under a limit where json_agg did not.
#
# It writes and renders gigabytes: about a minute.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my $org = '0a000000-0000-4000-8000-00000000000a';
my $fe = '0f000000-0000-4000-8000-0000000000a1';
my $small_org = '0b000000-0000-4000-8000-00000000000b';
my $small_fe = '0f000000-0000-4000-8000-0000000000b1';

my $node = TaskOutputsNode::new_node('result_size', 'log_statement = none');
$node->safe_psql('postgres', 'CREATE EXTENSION task_outputs');
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_big', $org);
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_small', $small_org);

# The obvious SQL, as the superuser (not bound by row-level security): the
# rows of an organization, newest first, as the API renders them.
sub obvious_rows
{
	my ($org_id, $where) = @_;
	return qq{
		SELECT o.id, o.flow_execution_id, o.organization_id, o.task_name, o.status, o.summary,
		       o.output, o.tags, o.last_modified_by, o.created_at, o.updated_at
		  FROM task_outputs.outputs o
		 WHERE o.organization_id = '$org_id' AND o.status <> 'deleted' AND ($where)
		 ORDER BY o.created_at DESC, o.id DESC};
}

# Organization A: two outputs of 100 MB of U+0001 (600 MB of JSON each,
# queued) and six of 90 MB of "x" (failed, 540 MB of JSON together).
# Each value is compressed once and copied between rows.
$node->safe_psql(
	'postgres', qq{
	SET task_outputs.max_output_bytes = '128MB';
	SET task_outputs.org_id = '$org';
	DO \$\$ BEGIN SET default_toast_compression = lz4; EXCEPTION WHEN OTHERS THEN NULL; END \$\$;
	SELECT task_outputs.create_flow_execution('big', '$fe');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, output, created_at)
	VALUES ('$fe', 'control 1', 'queued', to_jsonb(repeat(chr(1), 100000000)), '2026-01-01 00:00:01+00'),
	       ('$fe', 'plain 1', 'failed', to_jsonb(repeat('x', 90000000)), '2026-01-01 00:01:01+00');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, output, created_at)
	SELECT '$fe', 'control 2', 'queued', output, '2026-01-01 00:00:02+00'
	  FROM task_outputs.outputs WHERE task_name = 'control 1';
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, output, created_at)
	SELECT '$fe', 'plain ' || g, 'failed', output, '2026-01-01 00:01:00+00'::timestamptz + g * interval '1 s'
	  FROM task_outputs.outputs, generate_series(2, 6) g WHERE task_name = 'plain 1';
});
is( $node->safe_psql(
		'postgres', "SELECT count(*), sum(length(output #>> '{}')) / 1000000 FROM task_outputs.outputs"),
	'8|740',
	'two outputs of 100 MB and six of 90 MB');

# A call that would pass 1 GB: PT413 with the hint, not 54000.
foreach my $call (
	[
		'list_task_outputs(status => {queued}), two rows of 600 MB',
		q{SELECT task_outputs.list_task_outputs(status => '{queued}')}
	],
	[
		'list_task_outputs_page(status => {queued})',
		q{SELECT task_outputs.list_task_outputs_page(status => '{queued}')}
	],
	[
		'get_flow_execution(status => {queued})',
		qq{SELECT task_outputs.get_flow_execution('$fe', status => '{queued}')}
	])
{
	my ($name, $sql) = @$call;
	my ($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'postgres', 'to_big',
		"SELECT octet_length(x::text) FROM ($sql) s(x)");
	isnt($ret, 0, "$name fails");
	like($err, qr/ERROR:  PT413:/, "$name: with PT413")
	  or diag $err;
	like($err, qr/HINT:.*export_task_outputs.*(list_task_outputs_page|pag)/i,
		"$name: whose hint names export_task_outputs and pagination");
	unlike($err, qr/54000|out of memory/, "$name: not 54000, not out of memory");
}

# About 540 MB, more than the last doubling of a buffer below the limit:
# succeeds, and equals json_agg.
{
	my ($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'postgres', 'to_big',
		q{SELECT octet_length(l::text), md5(l::text) FROM task_outputs.list_task_outputs(status => '{failed}') l});
	is($ret, 0, 'a list of about 540 MB succeeds') or diag $err;
	my ($bytes) = split /\|/, $out // '';
	cmp_ok($bytes || 0, '>', 540_000_000, "it is $bytes bytes");
	is( $out,
		$node->safe_psql(
			'postgres',
			'SELECT octet_length(j::text), md5(j::text) FROM (SELECT json_agg(r ORDER BY r.created_at DESC, r.id DESC) AS j FROM ('
			  . obvious_rows($org, "o.status = 'failed'") . ') r) s'),
		'and equals json_agg of the same rows');
}

# Under an address-space limit.  Organization B: 1,000 outputs of 4 kB,
# a list of about 4.5 MB.
$node->safe_psql(
	'postgres', qq{
	SET task_outputs.org_id = '$small_org';
	SELECT task_outputs.create_flow_execution('small', '$small_fe');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, status, output, created_at)
	SELECT '$small_fe', 'task ' || g, 'failed', jsonb_build_object('n', g, 'text', repeat(md5(g::text), 125)),
	       '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s'
	  FROM generate_series(1, 1000) g;
});

SKIP:
{
	skip 'prlimit is not available', 5 if system('prlimit --version >/dev/null 2>&1') != 0;

	# What a new backend's address space is once it has loaded the library
	# and run a small list
	my $session = $node->background_psql('postgres',
		extra_params => [ '-U', 'to_small' ]);
	$session->query_safe(q{SELECT json_array_length(task_outputs.list_task_outputs("limit" => 10))});
	my $pid = $session->query_safe('SELECT pg_backend_pid()');
	my $status = slurp_file("/proc/$pid/status");
	$status =~ /^VmSize:\s+(\d+) kB/m or die "no VmSize for $pid";
	my $idle_kb = $1;
	$session->quit;
	my $limit = ($idle_kb + 300 * 1024) * 1024;
	note sprintf('an idle backend has %d MB of address space; the limit is %d MB',
		$idle_kb / 1024, $limit / 1024 / 1024);

	my $postmaster = (split /\n/, slurp_file($node->data_dir . '/postmaster.pid'))[0];
	is(system('prlimit', "--pid=$postmaster", "--as=$limit:"), 0,
		'the postmaster\'s address space is limited');

	my ($ret, $out, $err) = $node->psql('postgres',
		q{SELECT octet_length(json_agg(r ORDER BY r.created_at DESC, r.id DESC)::text) FROM (}
		  . obvious_rows($small_org, 'true') . ') r');
	is($ret, 0, "under the limit json_agg of the 1,000 outputs succeeds") or diag $err;
	my $obvious_bytes = $out;
	cmp_ok($obvious_bytes || 0, '>', 4_000_000, "it is $obvious_bytes bytes");

	($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'postgres', 'to_small',
		q{SELECT octet_length(task_outputs.list_task_outputs()::text)});
	is($ret, 0, 'under the limit list_task_outputs() of the same rows succeeds')
	  or diag $err;
	is($out, $obvious_bytes, 'and is as long as json_agg');

	system('prlimit', "--pid=$postmaster", '--as=unlimited:');
}

$node->stop;
done_testing();
