
# Copyright (c) task_outputs contributors

# Cancellation: over a tenant with a million task outputs, statement_timeout
# and pg_cancel_backend stop the read functions promptly, with SQLSTATE
# 57014, and leave the server and the session's next work unharmed.
#
# Time bounds are deliberately generous (ten times the timeout; a few
# seconds for a cancel) and are checked only against calls that take
# longer than the bound when left alone, which each check measures first
# and prints: a function that never looked at interrupts would run to its
# end and miss the bound by seconds.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time sleep);
use IPC::Run;
use TaskOutputsNode;

my $org = '0a000000-0000-4000-8000-00000000000a';
my $fe = '0f000000-0000-4000-8000-0000000000a1';
my $rows = 1_000_000;
my $timeout_ms = 100;
my $bound_s = 10 * $timeout_ms / 1000;

my $node = TaskOutputsNode::new_node('cancel', 'log_statement = none');
$node->safe_psql('postgres', 'CREATE EXTENSION task_outputs');
# The tenant writes its outputs with plain SQL: a writer of the direct tier.
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_big', $org,
	'task_outputs_writer', 'task_outputs_direct');

# The load: one INSERT ... SELECT as the tenant, through the C triggers and
# row-level security, as an internal tool would write: one output per task,
# as a flow execution records them (a million completed outputs of one task
# in one statement would each supersede the one before).
my $t0 = time;
TaskOutputsNode::safe_psql_as(
	$node, 'postgres', 'to_big', qq{
	SELECT task_outputs.create_flow_execution('big', '$fe');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, summary, output, tags, created_at)
	SELECT '$fe', 'task ' || g, jsonb_build_object('n', g),
	       jsonb_build_object('v', g % 97), '{a}',
	       '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 ms'
	  FROM generate_series(1, $rows) g;
});
note sprintf('loaded %d task outputs as the tenant in %.1f s', $rows, time - $t0);
$node->safe_psql('postgres', 'ANALYZE task_outputs.outputs');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_big', 'SELECT task_outputs.count_task_outputs()'),
	$rows,
	"the tenant has $rows task outputs");

# Run $sql as the tenant; returns (elapsed seconds, ret, stderr).
sub timed_as_tenant
{
	my ($sql) = @_;
	my $start = time;
	my ($ret, $out, $err) =
	  TaskOutputsNode::psql_as($node, 'postgres', 'to_big', $sql);
	return (time - $start, $ret, $err);
}

my %calls = (
	'list_task_outputs()' =>
	  'SELECT octet_length(task_outputs.list_task_outputs()::text)',
	'export_task_outputs()' =>
	  'SELECT sum(octet_length(j::text)) FROM task_outputs.export_task_outputs() j',
	'task_outputs()' =>
	  'SELECT count(*) FROM task_outputs.task_outputs()',
	'count_task_outputs()' =>
	  q{SELECT task_outputs.count_task_outputs(summary_contains => '{"n": -1}')},);

foreach my $name (sort keys %calls)
{
	my ($full, $ret0, $err0) = timed_as_tenant($calls{$name});
	is($ret0, 0, "$name runs to its end over $rows rows") or diag $err0;
	note sprintf('%s alone: %.2f s', $name, $full);

	my ($elapsed, $ret, $err) = timed_as_tenant(
		"SET statement_timeout = '${timeout_ms}ms'; $calls{$name}");
	isnt($ret, 0, "$name fails under statement_timeout");
	like($err, qr/ERROR:  57014: canceling statement due to statement timeout/,
		"$name is stopped by statement_timeout with SQLSTATE 57014");
  SKIP:
	{
		skip sprintf('%s takes only %.2f s, under the bound', $name, $full), 1
		  if $full < 2 * $bound_s;
		cmp_ok($elapsed, '<', $bound_s,
			sprintf('%s stops within %.1f s (10 x the timeout; alone it takes %.1f s)',
				$name, $bound_s, $full));
	}
	note sprintf('%s under a %d ms timeout returned after %.3f s',
		$name, $timeout_ms, $elapsed);
}

# pg_cancel_backend from a second session, while the call is running.
foreach my $name ('list_task_outputs()', 'export_task_outputs()')
{
	my $marker = "cancel me " . $name;
	my ($in, $out, $err) = ('', '', '');
	my $h = IPC::Run::start(
		[
			'psql', '-XAtq', '-v', 'VERBOSITY=verbose',
			'-d', $node->connstr('postgres') . ' user=to_big',
			'-c', "$calls{$name} /* $marker */"
		],
		'<', \$in, '>', \$out, '2>', \$err);

	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%/* $marker */' AND pid <> pg_backend_pid()"
	) or die "the $name call never showed up as active";
	sleep(0.5);    # well into the run: alone it takes seconds

	my $start = time;
	is( $node->safe_psql('postgres',
			"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%/* $marker */' AND pid <> pg_backend_pid()"
		),
		't',
		"pg_cancel_backend signals the backend running $name");
	$h->finish;
	my $elapsed = time - $start;

	isnt($h->result(0), 0, "the cancelled $name fails");
	like($err, qr/ERROR:  57014: canceling statement due to user request/,
		"the cancelled $name reports SQLSTATE 57014");
	cmp_ok($elapsed, '<', 3, "$name stops within 3 s of the cancel");
	note sprintf('%s returned %.3f s after pg_cancel_backend', $name, $elapsed);
}

# Nothing was left behind: the server is up, a new session lists, the log
# shows no crash.
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_big',
		q{SELECT json_array_length(task_outputs.list_task_outputs("limit" => 3))}),
	'3',
	'after the cancellations a new session lists as before');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/,
	'no backend crashed');

$node->stop;
done_testing();
