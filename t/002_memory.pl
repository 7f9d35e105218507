
# Copyright (c) task_outputs contributors

# Memory: many calls of each read function in one session, on small data,
# leave the backend's memory flat -- the memory contexts (what PostgreSQL
# itself accounts for) and the process's anonymous resident memory (what
# malloc and the kernel see).  Each function is warmed up first (plan
# caches, type caches, enum labels are allocated once), then measured
# before and after a loop of calls inside one statement, at the end of that
# statement's transaction (a leak into the transaction or an SPI context)
# and after it (a leak into the session), and again around a batch of calls
# as separate top-level statements.  Error paths are looped too: a call
# that raises and is caught must not leave its memory behind.
#
# TASK_OUTPUTS_MEMORY_CALLS sets the calls per function (default 100000).

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use TaskOutputsNode;

my $calls = $ENV{TASK_OUTPUTS_MEMORY_CALLS} || 100_000;
my $warmup = 2_000;
my $statements = 5_000;

# Tolerances: a leak of 8 bytes per call is 400 kB over the second half
# of 100000 calls, 800 kB in the session.
my $context_tolerance = 256 * 1024;
my $rss_tolerance = 2 * 1024 * 1024;

my $org = '0b000000-0000-4000-8000-00000000000b';
my $fe = '0f000000-0000-4000-8000-0000000000b1';

my $node = TaskOutputsNode::new_node('memory', 'log_statement = none');
$node->safe_psql('postgres', 'CREATE EXTENSION task_outputs');
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_mem', $org);
# test-only: let the tenant read its own memory contexts
$node->safe_psql(
	'postgres', q{
	GRANT EXECUTE ON FUNCTION pg_catalog.pg_get_backend_memory_contexts() TO to_mem;
	GRANT SELECT ON pg_catalog.pg_backend_memory_contexts TO to_mem;
});

# Small data: 20 outputs with unicode, escapes, tags, NULL outputs, two
# flow executions.
TaskOutputsNode::safe_psql_as(
	$node, 'postgres', 'to_mem', qq{
	SELECT task_outputs.create_flow_execution('small', '$fe');
	SELECT task_outputs.create_flow_execution('other');
	SELECT task_outputs.record_task_output('$fe', 'task ' || g,
	         CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('v', g, 't', E'ünïcødé "q" \\\\ \\n 😀') END,
	         jsonb_build_object('k', g % 3),
	         CASE WHEN g % 2 = 0 THEN '{a,b}' ELSE '{c}' END::text[],
	         CASE WHEN g % 5 = 0 THEN 'failed' ELSE 'completed' END::task_outputs.task_output_status)
	  FROM generate_series(1, 20) g;
});
my $some_id = TaskOutputsNode::safe_psql_as($node, 'postgres', 'to_mem',
	q{SELECT (task_outputs.list_task_outputs("limit" => 1)->0->>'id')});
my $unknown_id = '01000000-0000-7000-8000-00000000dead';

# name => one call, as a PL/pgSQL statement
my @functions = (
	[ 'list_task_outputs()', 'PERFORM task_outputs.list_task_outputs()' ],
	[
		'list_task_outputs(filters)',
		q{PERFORM task_outputs.list_task_outputs(status => '{completed}', tags => '{a}', summary_contains => '{"k": 1}', "limit" => 5)}
	],
	[
		'list_task_outputs_page()',
		"PERFORM task_outputs.list_task_outputs_page(\"limit\" => 5, starting_after => '$some_id')"
	],
	[ 'task_outputs()', 'PERFORM count(*) FROM task_outputs.task_outputs()' ],
	[
		'export_task_outputs()',
		'PERFORM count(*) FROM task_outputs.export_task_outputs()'
	],
	[
		'count_task_outputs()',
		q{PERFORM task_outputs.count_task_outputs(tags => '{a}')}
	],
	[
		'get_task_output()',
		"PERFORM task_outputs.get_task_output('$some_id')"
	],
	[
		'get_flow_execution()',
		"PERFORM task_outputs.get_flow_execution('$fe')"
	],
	[
		'get_task_output() not found, caught',
		"BEGIN PERFORM task_outputs.get_task_output('$unknown_id'); EXCEPTION WHEN SQLSTATE 'PT404' THEN NULL; END"
	],
	[
		'list_task_outputs() bad cursor, caught',
		"BEGIN PERFORM task_outputs.list_task_outputs(starting_after => '$unknown_id'); EXCEPTION WHEN SQLSTATE 'PT404' OR SQLSTATE 'PT400' THEN NULL; END"
	],);

my $session = $node->background_psql('postgres',
	extra_params => [ '-U', 'to_mem', '-v', 'VERBOSITY=verbose' ]);
is($session->query_safe('SELECT current_user'),
	'to_mem', 'the session runs as the tenant role');
my $pid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_safe(
	'CREATE TEMP TABLE in_transaction (calls int, bytes bigint)'
);

sub contexts_bytes
{
	return $session->query_safe(
		'SELECT sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts');
}

sub rss_anon_bytes
{
	my $status = slurp_file("/proc/$pid/status");
	$status =~ /^RssAnon:\s+(\d+) kB/m or die "no RssAnon for $pid";
	return $1 * 1024;
}

# Run $statement $n times in one DO block (one transaction); with $record,
# keep the total of the memory contexts at the middle and at the end of
# the loop: a leak into the transaction grows between the two.  (A probe
# after the first call too, so that the probe's own plan exists before
# the middle one.)
sub loop
{
	my ($statement, $n, $record) = @_;
	my $half = int($n / 2);
	my $probe =
	  $record
	  ? "IF i IN (1, $half, $n) THEN INSERT INTO in_transaction SELECT i, sum(total_bytes) FROM pg_catalog.pg_backend_memory_contexts; END IF;"
	  : '';
	$session->query_safe(
		"DO \$\$ BEGIN FOR i IN 1..$n LOOP $statement; $probe END LOOP; END \$\$"
	);
	return;
}

sub kb { return sprintf('%.0f kB', $_[0] / 1024); }

# The session's own first-time allocations (the probe's temp table, the
# DO machinery) before any measurement.
loop('PERFORM 1', $warmup, 1);

# Run $statement $warmup times, then $calls times in one transaction:
# the memory contexts are flat within it and after it, and so is the
# backend's anonymous resident memory.  The warm-up runs the probes of the
# measured loop too: their allocations, between the calls' own, settle
# where the C library places large blocks (see below) before measuring.
sub check_flat_in_transaction
{
	my ($name, $statement, $warmup_calls, $calls) = @_;

	loop($statement, $warmup_calls, 1);
	my $c0 = contexts_bytes();
	my $r0 = rss_anon_bytes();

	my $start = time;
	$session->query_safe('TRUNCATE in_transaction');
	loop($statement, $calls, 1);
	my $elapsed = time - $start;
	my ($c_half, $c_end) = split /\n/,
	  $session->query_safe('SELECT bytes FROM in_transaction WHERE calls > 1 ORDER BY calls');
	my $c1 = contexts_bytes();
	my $r1 = rss_anon_bytes();

	note sprintf(
		'%s: %d calls in %.1f s; contexts %s before, %s after %d calls, %s after %d, %s after the loop; RssAnon %s -> %s',
		$name, $calls, $elapsed, kb($c0), kb($c_half), $calls / 2, kb($c_end),
		$calls, kb($c1), kb($r0), kb($r1));
	cmp_ok($c_end - $c_half, '<', $context_tolerance,
		"$name x $calls: memory contexts flat within the transaction");
	cmp_ok($c1 - $c0, '<', $context_tolerance,
		"$name x $calls: memory contexts flat after it");
	cmp_ok($r1 - $r0, '<', $rss_tolerance,
		"$name x $calls: anonymous resident memory flat");
	return;
}

foreach my $f (@functions)
{
	check_flat_in_transaction(@$f, $warmup, $calls);
}

# Top-level statements, each its own transaction and portal.
foreach my $f (grep { $_->[1] =~ /^PERFORM/ } @functions)
{
	my ($name, $statement) = @$f;
	(my $select = $statement) =~ s/^PERFORM/SELECT/;
	my $batch = "SELECT 1 FROM ($select) s WHERE false;\n" x $statements;

	$session->query_safe($batch);
	my $c0 = contexts_bytes();
	my $r0 = rss_anon_bytes();
	$session->query_safe($batch);
	my $c1 = contexts_bytes();
	my $r1 = rss_anon_bytes();

	note sprintf('%s: %d statements; contexts %s -> %s; RssAnon %s -> %s',
		$name, $statements, kb($c0), kb($c1), kb($r0), kb($r1));
	cmp_ok($c1 - $c0, '<', $context_tolerance,
		"$name x $statements statements: memory contexts flat");
	cmp_ok($r1 - $r0, '<', $rss_tolerance,
		"$name x $statements statements: anonymous resident memory flat");
}

# A result past 1 MB grows by doubling (repalloc), in blocks that the C
# library maps at first and, once it has freed one, serves from its heap,
# which it keeps: the resident memory rises once, by a few MB, during the
# warm-up, then must stay flat.  A tenant with outputs enough for a list of
# nearly 2 MB, whose calls (and a PT413 raised past 1 MB, caught) must leave
# the memory flat too.
my $big_org = '0c000000-0000-4000-8000-00000000000c';
my $big_calls = int($calls / 50) || 1;
TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_mem_big', $big_org);
$node->safe_psql(
	'postgres', q{
	GRANT EXECUTE ON FUNCTION pg_catalog.pg_get_backend_memory_contexts() TO to_mem_big;
	GRANT SELECT ON pg_catalog.pg_backend_memory_contexts TO to_mem_big;
});
TaskOutputsNode::safe_psql_as(
	$node, 'postgres', 'to_mem_big', q{
	SELECT task_outputs.create_flow_execution('big') AS fe \gset
	SELECT task_outputs.record_task_output(:'fe', 'task ' || g,
	         jsonb_build_object('text', repeat(E'ünïcødé "q" \\ \n ', 40), 'n', g),
	         jsonb_build_object('k', g % 3), '{a}', 'completed')
	  FROM generate_series(1, 1500) g;
});
$session->quit;
$session = $node->background_psql('postgres',
	extra_params => [ '-U', 'to_mem_big', '-v', 'VERBOSITY=verbose' ]);
$pid = $session->query_safe('SELECT pg_backend_pid()');
$session->query_safe(
	'CREATE TEMP TABLE in_transaction (calls int, bytes bigint)');
cmp_ok(
	$session->query_safe(
		'SELECT octet_length(task_outputs.list_task_outputs()::text)'),
	'>', 1500 * 1024,
	'the big tenant\'s list is more than 1.5 MB');

my @big_functions = (
	[ 'list_task_outputs() past 1 MB', 'PERFORM task_outputs.list_task_outputs()' ],
	[
		'list_task_outputs() past 1 MB, PT413 at 1.5 MB, caught',
		"BEGIN PERFORM set_config('task_outputs.max_result_bytes', '1500000', true); PERFORM task_outputs.list_task_outputs(); EXCEPTION WHEN SQLSTATE 'PT413' THEN NULL; END"
	],);
foreach my $f (@big_functions)
{
	check_flat_in_transaction(@$f, 20, $big_calls);
}

# ... and as top-level statements, each its own transaction and portal
my $big_batch =
  "SELECT pg_column_size(task_outputs.list_task_outputs());\n" x 200;
$session->query_safe($big_batch);
my $c0 = contexts_bytes();
my $r0 = rss_anon_bytes();
$session->query_safe($big_batch);
my $c1 = contexts_bytes();
my $r1 = rss_anon_bytes();
note sprintf('list_task_outputs() past 1 MB: 200 statements; contexts %s -> %s; RssAnon %s -> %s',
	kb($c0), kb($c1), kb($r0), kb($r1));
cmp_ok($c1 - $c0, '<', $context_tolerance,
	'list_task_outputs() past 1 MB x 200 statements: memory contexts flat');
cmp_ok($r1 - $r0, '<', $rss_tolerance,
	'list_task_outputs() past 1 MB x 200 statements: anonymous resident memory flat');

$session->quit;
$node->stop;
done_testing();
