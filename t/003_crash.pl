
# Copyright (c) task_outputs contributors

# Crash safety: a backend killed with SIGKILL during a bulk of writes and
# during a long list, and an immediate shutdown during writes, leave after
# crash recovery only what the clients saw committed, each output with a
# consistent audit trail, at most one completed output per flow execution
# and task, and indexes that amcheck finds sound.
#
# The writers are psql sessions in autocommit running files of separate
# statements: record_task_output ('completed' ones of a few task names, so
# each supersedes the one before; 'queued' ones that later statements move
# to running and failed, so the audit trail grows).  Every output carries
# its writer's run and sequence number, so the committed outputs of a
# writer must be exactly its first N statements, and the writer printed an
# acknowledgement for each statement that returned.
#
# The test must not depend on how fast the machine is.  The writers are
# killed after a few hundred of their statements.  The list that is killed
# repeats until it is (statement_timeout only keeps a kill that missed from
# hanging the test: it would end the list with an error, not with a lost
# connection).  The waits for the server to come back read its log instead
# of connecting: until the restart is over every connection is refused, and
# a refused psql exits without reading the query that poll_query_until and
# safe_psql write to its stdin, so that write can fail with EPIPE (SIGPIPE
# is ignored in these tests), which IPC::Run turns into a die: on a busy
# machine the test then exited with status 32.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use TaskOutputsNode;

my $org = '0c000000-0000-4000-8000-00000000000c';
my $fe = '0f000000-0000-4000-8000-0000000000c1';
my $statements = 20_000;

# How the postmaster names a killed backend: "server process" up to
# PostgreSQL 17, its backend type ("client backend") from 18.
my $killed_process = qr/(?:server process|client backend)/;

my $node = TaskOutputsNode::new_node('crash', 'log_statement = none',
	'restart_after_crash = on');
$node->safe_psql('postgres', 'CREATE EXTENSION task_outputs');
# The tenant's writers use the API; its bulk load and its checks of the
# table use plain SQL: a writer of the direct tier.
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_crash', $org,
	'task_outputs_writer', 'task_outputs_direct');
TaskOutputsNode::safe_psql_as($node, 'postgres', 'to_crash',
	"SELECT task_outputs.create_flow_execution('crash', '$fe')");

# A file of $statements writes for the run $run; every tenth output is
# queued, then moved to running three statements later, and to failed
# three after that.
sub writer_script
{
	my ($run) = @_;
	my $file = "${PostgreSQL::Test::Utils::tmp_check}/writer_$run.sql";
	open(my $fh, '>', $file) or die "cannot write $file: $!";
	print $fh "\\set ON_ERROR_STOP on\n";
	for my $i (1 .. $statements)
	{
		my $task = 'task ' . ($i % 7);
		if ($i % 10 == 0)
		{
			print $fh
			  qq{SELECT r.id AS q$i FROM task_outputs.record_task_output('$fe', '$task', '{"run": "$run", "i": $i, "init": "queued"}', status => 'queued') r \\gset\n\\echo ack\n};
		}
		else
		{
			print $fh
			  qq{SELECT 'ack' FROM task_outputs.record_task_output('$fe', '$task', '{"run": "$run", "i": $i, "init": "completed"}', '{"n": $i}', '{crash}') r;\n};
		}
		my $q = $i - 3;
		print $fh
		  qq{SELECT 'status' FROM task_outputs.set_task_output_status(:'q$q', 'running') r;\n}
		  if $q > 0 && $q % 10 == 0;
		$q = $i - 6;
		print $fh
		  qq{SELECT 'status' FROM task_outputs.set_task_output_status(:'q$q', 'failed') r;\n}
		  if $q > 0 && $q % 10 == 0;
	}
	close $fh;
	return $file;
}

# Start a writer for $run in the background: returns its handle.  Its
# acknowledgements go to a file, not a pipe: a pipe is read only when the
# writer is finished, and a writer that filled it would stop writing.
sub start_writer
{
	my ($run) = @_;
	my $file = writer_script($run);
	return IPC::Run::start(
		[
			'psql', '-XAtq', '-d',
			$node->connstr('postgres')
			  . " user=to_crash application_name=writer_$run",
			'-f', $file
		],
		'<', '/dev/null',
		'>', "${PostgreSQL::Test::Utils::tmp_check}/writer_$run.out",
		'2>', "${PostgreSQL::Test::Utils::tmp_check}/writer_$run.err");
}

sub wait_for_outputs
{
	my ($run, $count) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) >= $count FROM task_outputs.outputs WHERE output->>'run' = '$run'"
	) or die "the writer $run never wrote $count outputs";
	return;
}

# The pid of the client backend of application $name (parallel workers
# carry their leader's application_name too) that matches $condition, once
# there is one.  The caller makes sure that it stays: a writer with
# statements left, a list that repeats until it is killed.
sub backend_pid
{
	my ($name, $condition) = @_;
	my $query =
	  "SELECT pid FROM pg_stat_activity WHERE application_name = '$name' AND backend_type = 'client backend' AND $condition";
	$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($query) b")
	  or die "no backend of $name where $condition";
	return $node->safe_psql('postgres', $query);
}

# Wait until the server, after a backend was killed, has terminated the
# others, gone through crash recovery and accepts connections again: from
# its log after $offset (its size before the kill), not by connecting (see
# above).
sub wait_for_restart
{
	my ($offset) = @_;
	$node->wait_for_log(
		qr/all server processes terminated; reinitializing.*database system is ready to accept connections/s,
		$offset);
	return;
}

# The writer $run committed exactly its first N statements, N between the
# acknowledgements it printed and one more (the statement in flight).
sub check_writer
{
	my ($run, $label) = @_;
	my $acked = () =
	  slurp_file("${PostgreSQL::Test::Utils::tmp_check}/writer_$run.out") =~
	  /^ack$/mg;
	my ($rows, $max) = split /\|/,
	  $node->safe_psql('postgres',
		"SELECT count(*), coalesce(max((output->>'i')::int), 0) FROM task_outputs.outputs WHERE output->>'run' = '$run'"
	  );
	is($rows, $max,
		"$label: writer $run committed a prefix of its statements ($rows)");
	cmp_ok($rows, '>=', $acked,
		"$label: every acknowledged output of writer $run is there ($acked acknowledged)"
	);
	cmp_ok($rows, '<=', $acked + 1,
		"$label: no more than the acknowledged outputs of writer $run and the one in flight"
	);
	cmp_ok($rows, '<', $statements,
		"$label: writer $run was interrupted");
	return;
}

# 1. SIGKILL of one backend while two writers record outputs of the same
# tasks concurrently: the postmaster restarts every backend.
my $h1 = start_writer('kill_a');
my $h2 = start_writer('kill_b');
wait_for_outputs('kill_a', 500);
wait_for_outputs('kill_b', 500);
my $pid = backend_pid('writer_kill_a', 'true');
ok($pid =~ /^\d+$/, 'found the backend of writer kill_a')
  or die "no single backend of writer kill_a: '$pid'";
my $log_offset = -s $node->logfile;
kill 'KILL', $pid;
$h1->finish;
$h2->finish;
# psql exits with 2 when it lost its connection; 3 would be a failed
# statement, which ends a writer early without any crash.
is($h1->result(0), 2, 'writer kill_a lost its connection');
is($h2->result(0), 2, 'writer kill_b lost its connection in the restart');
wait_for_restart($log_offset);
like(
	slurp_file($node->logfile, $log_offset),
	qr/$killed_process \(PID $pid\) was terminated by signal 9/,
	'the server went through crash recovery');
check_writer('kill_a', 'after SIGKILL');
check_writer('kill_b', 'after SIGKILL');
TaskOutputsNode::check_invariants($node, 'postgres', 'after SIGKILL during writes');

# 2. SIGKILL during a long list (and a writer, to have work in flight).  The
# list of every output repeats until the backend is killed.
TaskOutputsNode::safe_psql_as(
	$node, 'postgres', 'to_crash', qq{
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, summary, output, tags)
	SELECT '$fe', 'bulk ' || g, jsonb_build_object('n', g), '{"run": "bulk"}', '{a}'
	  FROM generate_series(1, 100000) g;
});
my ($lout, $lerr) = ('', '');
my $lh = IPC::Run::start(
	[
		'psql', '-XAtq', '-d',
		$node->connstr('postgres') . ' user=to_crash application_name=lister',
		'-c',
		"SET statement_timeout = '${PostgreSQL::Test::Utils::timeout_default}s'",
		'-c',
		'SELECT count(octet_length(task_outputs.list_task_outputs()::text)) FROM generate_series(1, 1000000)'
	],
	'<', '/dev/null', '>', \$lout, '2>', \$lerr);
my $h3 = start_writer('list');
wait_for_outputs('list', 200);
$pid = backend_pid('lister',
	"state = 'active' AND query LIKE '%list_task_outputs%'");
ok($pid =~ /^\d+$/, 'found the backend of the list')
  or die "no single backend of the list: '$pid'";
$log_offset = -s $node->logfile;
kill 'KILL', $pid;
$lh->finish;
$h3->finish;
is($lh->result(0), 2, 'the list lost its connection') or diag $lerr;
is($h3->result(0), 2, 'writer list lost its connection in the restart');
wait_for_restart($log_offset);
like(
	slurp_file($node->logfile, $log_offset),
	qr/$killed_process \(PID $pid\) was terminated by signal 9.*\n.*Failed process was running: SELECT count\(octet_length\(task_outputs\.list_task_outputs/,
	'the list was killed while it ran');
check_writer('list', 'after SIGKILL during a list');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM task_outputs.outputs WHERE output->>'run' = 'bulk'"),
	'100000',
	'after SIGKILL during a list: the listed outputs are all there');
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_crash',
		q{SELECT count(*) = (SELECT count(*) FROM task_outputs.outputs WHERE status <> 'deleted') FROM task_outputs.task_outputs()}
	),
	't',
	'after SIGKILL during a list: the tenant lists every output');
TaskOutputsNode::check_invariants($node, 'postgres', 'after SIGKILL during a list');

# 3. Immediate shutdown during writes, then a restart (pg_ctl waits until
# the server accepts connections).
my $h4 = start_writer('immediate');
wait_for_outputs('immediate', 500);
$node->stop('immediate');
$h4->finish;
is($h4->result(0), 2, 'writer immediate lost its connection');
$node->start;
check_writer('immediate', 'after immediate shutdown');
TaskOutputsNode::check_invariants($node, 'postgres', 'after immediate shutdown');
# The tenant carries on: record, supersede, change a status.
is( TaskOutputsNode::safe_psql_as(
		$node, 'postgres', 'to_crash', qq{
		SELECT (task_outputs.record_task_output('$fe', 'task 1', '{"after": true}')).status;
		SELECT count(*) FROM task_outputs.outputs WHERE task_name = 'task 1' AND status = 'completed';
	}),
	"completed\n1",
	'after recovery a new output supersedes the one before');
TaskOutputsNode::check_invariants($node, 'postgres', 'at the end');

$node->stop;
done_testing();
