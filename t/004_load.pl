
# Copyright (c) task_outputs contributors

# Load: pgbench runs, at the same time and for a bounded time, as tenant
# roles of two organizations: writers recording outputs (completed ones of
# a few tasks, which supersede each other) and walking outputs of their own
# through the status rules to a soft delete, readers listing and paging,
# and an admin switching between the organizations, soft-deleting stale
# outputs and purging.  The scripts only ask for what the rules allow, so
# any failed transaction is an error.  Afterwards the invariants hold and
# every tenant sees exactly its own rows.  The roles are also of the direct
# tier, so that the seed rows are loaded and the rows checked with plain
# SQL (the load itself goes through the API).
#
# Throughput and per-command latencies are printed with note; when
# TASK_OUTPUTS_LOAD_REPORT names a file, pgbench's reports are written
# there too.  TASK_OUTPUTS_LOAD_SECONDS sets the duration (default 15).
# When TASK_OUTPUTS_LOAD_BASELINE_SECONDS is set (the load benchmark sets
# it), each writer and reader script then runs alone, one client, for that
# long, on the data the load left: the same commands with no concurrent
# load, reported the same way.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use TaskOutputsNode;

my $seconds = $ENV{TASK_OUTPUTS_LOAD_SECONDS} || 15;
my %org = (
	a => '0a000000-0000-4000-8000-00000000000a',
	b => '0b000000-0000-4000-8000-00000000000b');
my $seed_fe = '0f000000-0000-4000-8000-0000000000ff';
my $flows = 20;

my $node = TaskOutputsNode::new_node('load', 'log_statement = none',
	'max_connections = 40');
$node->safe_psql('postgres', 'CREATE EXTENSION task_outputs');

# Per organization: a writer role, flow executions 1..$flows the writers
# use, and a seed flow execution of 500 outputs, one per task, that nobody
# changes (the readers page through it).
foreach my $o (sort keys %org)
{
	TaskOutputsNode::create_tenant_role($node, 'postgres', "to_$o", $org{$o},
		'task_outputs_writer', 'task_outputs_direct');
	TaskOutputsNode::safe_psql_as(
		$node, 'postgres', "to_$o", qq{
		SELECT count(task_outputs.create_flow_execution('flow ' || g,
			format('0f000000-0000-4000-8000-%s', lpad(g::text, 12, '0'))::uuid))
		  FROM generate_series(1, $flows) g;
		SELECT task_outputs.create_flow_execution('seed', '$seed_fe');
		INSERT INTO task_outputs.outputs (flow_execution_id, task_name, summary, tags)
		SELECT '$seed_fe', 'seed ' || g, jsonb_build_object('n', g), '{seed}'
		  FROM generate_series(1, 500) g;
	});
}
$node->safe_psql(
	'postgres', qq{
	CREATE ROLE to_admin LOGIN IN ROLE task_outputs_admin, task_outputs_direct;
	SELECT task_outputs.grant_organization('to_admin', '$org{a}');
	SELECT task_outputs.grant_organization('to_admin', '$org{b}');
});

my $fe_expr =
  q{format('0f000000-0000-4000-8000-%s', lpad(:fe::text, 12, '0'))::uuid};
my %scripts = (
	record => qq{
\\set fe random(1, $flows)
\\set t random(1, 10)
SELECT (task_outputs.record_task_output($fe_expr, 'task ' || :t, '{"v": 1}', '{"k": 2}', '{load}')).status;
},
	status => qq{
\\set fe random(1, $flows)
\\set t random(1, 10)
SELECT (r).id AS qid FROM (SELECT task_outputs.record_task_output($fe_expr, 'job ' || :t, status => 'queued') r) s \\gset
SELECT (task_outputs.set_task_output_status(:qid, 'running')).status;
SELECT (task_outputs.set_task_output_status(:qid, 'failed')).status;
SELECT (task_outputs.set_task_output_status(:qid, 'queued')).status;
SELECT (task_outputs.delete_task_output(:qid)).status;
},
	list => qq{
\\set fe random(1, $flows)
SELECT json_array_length(task_outputs.list_task_outputs(flow_execution_id => $fe_expr, "limit" => 50));
SELECT count(*) FROM task_outputs.task_outputs(tags => '{load}', "limit" => 100);
},
	page => qq{
SELECT p->>'next_starting_after' AS next FROM task_outputs.list_task_outputs_page(flow_execution_id => '$seed_fe', "limit" => 20) p \\gset
SELECT json_array_length(p->'data') FROM task_outputs.list_task_outputs_page(flow_execution_id => '$seed_fe', "limit" => 20, starting_after => :next) p;
},
	admin => qq{
\\set o random(0, 1)
SELECT set_config('task_outputs.org_id', CASE WHEN :o = 0 THEN '$org{a}' ELSE '$org{b}' END, false);
SELECT count(task_outputs.delete_task_output(id)) FROM task_outputs.task_outputs(status => '{stale}', "limit" => 5);
SELECT task_outputs.purge_task_outputs('1 second');
},);

my $dir = $PostgreSQL::Test::Utils::tmp_check;
foreach my $name (keys %scripts)
{
	open(my $fh, '>', "$dir/$name.sql") or die "cannot write $name.sql: $!";
	print $fh $scripts{$name};
	close $fh;
}

# pgbench as $role for $seconds with the given clients and scripts
sub pgbench_cmd
{
	my ($role, $seconds, @args) = @_;
	return [
		'pgbench', '-n', '-M', 'extended', '-r', '-T', $seconds,
		@args, $node->connstr('postgres') . " user=$role"
	];
}

sub write_report
{
	my ($report) = @_;
	return unless $ENV{TASK_OUTPUTS_LOAD_REPORT};
	open(my $fh, '>', $ENV{TASK_OUTPUTS_LOAD_REPORT})
	  or die "cannot write $ENV{TASK_OUTPUTS_LOAD_REPORT}: $!";
	print $fh $report;
	close $fh;
	return;
}

# One pgbench per role, all at once; their output goes to files (through
# IPC::Run's pipes, the runs not being waited on were seen to stall).  The
# admin purges only what was deleted more than a second before, and stops
# a second before the writers (in runs long enough), so that soft-deleted
# outputs and their audit trails -- among them changes of the admin's
# interleaved with the writers' -- are left for the checks below, however
# the runs' ends fall.
my %duration = map { ($_ => $seconds) } qw(to_a to_b);
$duration{to_admin} = $seconds > 2 ? $seconds - 1 : $seconds;
my %runs = (
	to_a => [ '-c', '2', '-j', '2', map { ('-f', "$dir/$_") }
		  qw(record.sql@4 status.sql@2 list.sql@3 page.sql@1) ],
	to_b => [ '-c', '2', '-j', '2', map { ('-f', "$dir/$_") }
		  qw(record.sql@4 status.sql@2 list.sql@3 page.sql@1) ],
	to_admin => [ '-c', '1', '-j', '1', '-f', "$dir/admin.sql" ],);
my %h;
my %out;
foreach my $role (sort keys %runs)
{
	my ($in, $err) = ('');
	$out{$role} = '';
	$h{$role} = IPC::Run::start(pgbench_cmd($role, $duration{$role}, @{ $runs{$role} }),
		'<', '/dev/null', '>', "$dir/pgbench_$role.out", '2>&1');
}
my $report = '';
foreach my $role (sort keys %runs)
{
	$h{$role}->finish;
	$out{$role} = slurp_file("$dir/pgbench_$role.out");
	is($h{$role}->result(0), 0, "pgbench as $role ran to its end")
	  or diag $out{$role};
	like($out{$role}, qr/number of failed transactions: 0 \(/,
		"pgbench as $role: no failed transaction");
	my ($tx) = $out{$role} =~ /number of transactions actually processed: (\d+)/;
	cmp_ok($tx || 0, '>', 0, "pgbench as $role processed transactions");
	$report .= "== pgbench as $role, $duration{$role} s\n$out{$role}\n";
	note "pgbench as $role:";
	foreach my $line (split /\n/, $out{$role})
	{
		note $line
		  if $line =~ /^(tps|SQL script|latency average|number of transactions| +[\d.]+ +\d+ +)/;
	}
}
write_report($report);
unlike(slurp_file($node->logfile), qr/ERROR:|terminated by signal/,
	'the server logged no error');

TaskOutputsNode::check_invariants($node, 'postgres', 'after the load');

is( $node->safe_psql('postgres',
		q{SELECT count(*) > 0 FROM task_outputs.audit_trail WHERE to_status = 'deleted'}),
	't',
	'the load soft-deleted outputs, with their audit entries');

# Each status transaction of a writer left one soft-deleted output, which
# the admin purged unless it came too late.
foreach my $o (sort keys %org)
{
	my ($jobs) = $out{"to_$o"} =~ m{status\.sql\n - weight: \d+ [^\n]*\n - (\d+) transactions};
	my ($left) = $node->safe_psql('postgres',
		"SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{$o}' AND task_name LIKE 'job %'"
	);
	cmp_ok($left, '<', $jobs // 0,
		sprintf('the admin purged soft-deleted outputs of organization %s (%d of %d left)',
			$o, $left, $jobs // 0));
}

# Every tenant sees exactly its own rows, through the tables and the API
# (soft-deleted ones in neither: a writer is no admin).
foreach my $o (sort keys %org)
{
	my $own = $node->safe_psql(
		'postgres', qq{
		SELECT (SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{$o}' AND status <> 'deleted') || ' ' ||
			   (SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{$o}' AND status <> 'deleted')});
	is( TaskOutputsNode::safe_psql_as(
			$node, 'postgres', "to_$o", q{
			SELECT (SELECT count(*) FROM task_outputs.outputs) || ' ' ||
				   (SELECT count(*) FROM task_outputs.task_outputs())}),
		$own,
		"to_$o sees exactly its organization's outputs");
	is( TaskOutputsNode::safe_psql_as(
			$node, 'postgres', "to_$o",
			qq{SELECT count(*) FROM task_outputs.outputs WHERE organization_id <> '$org{$o}'}),
		'0',
		"to_$o sees no row of another organization");
	is( TaskOutputsNode::safe_psql_as(
			$node, 'postgres', 'to_admin', qq{
			SET task_outputs.org_id = '$org{$o}';
			SELECT (SELECT count(*) FROM task_outputs.audit_trail) || ' ' ||
				   (SELECT count(*) FROM task_outputs.outputs) || ' ' ||
				   (SELECT count(*) FROM task_outputs.task_outputs(include_deleted => true));
		}),
		$node->safe_psql(
			'postgres', qq{
			SELECT (SELECT count(*) FROM task_outputs.audit_trail WHERE organization_id = '$org{$o}') || ' ' ||
				   (SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{$o}') || ' ' ||
				   (SELECT count(*) FROM task_outputs.outputs WHERE organization_id = '$org{$o}')}),
		"to_admin acting for organization $o sees exactly its audit trail and outputs");
}

# On demand, the baseline of the load's figures: each script alone, one
# client, nothing else running (the admin's has none: what it does depends
# on what the writers leave it).
if (my $alone = $ENV{TASK_OUTPUTS_LOAD_BASELINE_SECONDS})
{
	foreach my $name (qw(list page record status))
	{
		my $ran = IPC::Run::run(
			pgbench_cmd('to_a', $alone, '-c', '1', '-j', '1', '-f', "$dir/$name.sql"),
			'<', '/dev/null', '>', "$dir/pgbench_alone_$name.out", '2>&1');
		my $out = slurp_file("$dir/pgbench_alone_$name.out");
		ok($ran, "$name.sql alone ran to its end") or diag $out;
		like($out, qr/number of failed transactions: 0 \(/,
			"$name.sql alone: no failed transaction");
		$report .= "== pgbench alone: $name.sql as to_a, $alone s\n$out\n";
	}
	write_report($report);
}

$node->stop;
done_testing();
