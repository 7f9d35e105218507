# Copyright (c) task_outputs contributors

# The plans of the readers' own statements, as auto_explain logs them:
# for a tenant holding 1% of the table and one holding 50%, on a server
# tuned so that a plan chosen for the query alone would be a parallel scan
# of everyone's rows, sorted, and compiled: every reader that renders rows
# reads them in the list index's order (no sort, no parallel workers), or,
# with a selective filter, through that filter's index; none is compiled,
# and each reader's plan is the same whatever the tenant's share.  PostgREST's own query, under the same settings, is shown to take
# the other plan, so the settings do tempt the planner.

use strict;
use warnings;

use lib 't/lib';
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my $node = TaskOutputsNode::new_node(
	'plans',
	"session_preload_libraries = 'auto_explain'",
	'auto_explain.log_min_duration = 0',
	'auto_explain.log_nested_statements = on',
	'auto_explain.log_format = text',
	'jit = on',
	'jit_above_cost = 0',
	'jit_inline_above_cost = 0',
	'jit_optimize_above_cost = 0',
	'parallel_setup_cost = 0',
	'parallel_tuple_cost = 0',
	'min_parallel_table_scan_size = 0',
	'max_parallel_workers_per_gather = 2',
	'random_page_cost = 4');

my $big = '0b000000-0000-4000-8000-0000000000b0';
my $small = '05000000-0000-4000-8000-000000000050';

# the data is loaded without the tempting settings
$node->safe_psql('postgres', qq{
	SET jit = off;
	CREATE EXTENSION task_outputs;
	CREATE ROLE plan_reader LOGIN IN ROLE task_outputs_reader, task_outputs_gateway;
	SET task_outputs.org_id = '$big';
	SELECT task_outputs.create_flow_execution('big', '0f000000-0000-4000-8000-0000000000b0');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, summary, output, created_at)
	SELECT '0f000000-0000-4000-8000-0000000000b0', 't' || g % 20, jsonb_build_object('n', g),
		   jsonb_build_object('doc', repeat('x', 200)), '2026-01-01'::timestamptz + g * interval '1 s'
	  FROM generate_series(1, 20000) g;
	SET task_outputs.org_id = '$small';
	SELECT task_outputs.create_flow_execution('small', '0f000000-0000-4000-8000-000000000050');
	INSERT INTO task_outputs.outputs (flow_execution_id, task_name, created_at)
	SELECT '0f000000-0000-4000-8000-000000000050', 't' || g % 20, '2026-01-01'::timestamptz + g * interval '1 s'
	  FROM generate_series(1, 400) g;
	RESET task_outputs.org_id;
});
# the other half of the table: 98 more organizations of 200 outputs each
$node->safe_psql('postgres', q{
	SET jit = off;
	DO $$
	DECLARE org uuid; fe uuid;
	BEGIN
		FOR i IN 1..98 LOOP
			org := ('0c000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid;
			fe := ('0f000000-0000-4000-8001-' || lpad(i::text, 12, '0'))::uuid;
			PERFORM set_config('task_outputs.org_id', org::text, true);
			PERFORM task_outputs.create_flow_execution('other', fe);
			INSERT INTO task_outputs.outputs (flow_execution_id, task_name, created_at)
			SELECT fe, 't', '2026-01-01'::timestamptz + g * interval '1 s'
			  FROM generate_series(1, 200) g;
		END LOOP;
	END $$;
	VACUUM ANALYZE task_outputs.outputs;
});

# The plan auto_explain logged for the first statement whose text starts
# with $prefix, since log offset $offset; costs and widths removed.
sub logged_plan
{
	my ($offset, $prefix) = @_;
	my $log = slurp_file($node->logfile, $offset);
	my @entries = split /\n(?=\S.*?LOG:)/, $log;
	for my $entry (@entries)
	{
		next unless $entry =~ /Query Text: \Q$prefix\E/;
		my ($plan) = $entry =~ /Query Text: [^\n]*\n(.*)/s;
		# the values of the parameters (logged from PostgreSQL 19) differ
		# by tenant; the plan is what is compared
		$plan =~ s/^\s*Query Parameters:[^\n]*\n//mg;
		$plan =~ s/\(cost=[^)]*\)//g;
		$plan =~ s/[ \t]+$//mg;
		return $plan;
	}
	return undef;
}

# Call $sql as the reader for $org; the plan of the reader's own statement.
sub reader_plan
{
	my ($org, $sql) = @_;
	my $offset = -s $node->logfile;
	TaskOutputsNode::safe_psql_as($node, 'postgres', 'plan_reader',
		"SET task_outputs.org_id = '$org'; $sql");
	# the server writes the log as it goes: wait for the entry
	my $plan;
	for (1 .. 50)
	{
		$plan = logged_plan($offset, 'SELECT ');
		last if defined $plan && $plan =~ /outputs/;
		select(undef, undef, undef, 0.1);
		$plan = undef;
	}
	return $plan;
}

# PostgREST's query, alone, under these settings
{
	my $offset = -s $node->logfile;
	$node->safe_psql('postgres', qq{
		SELECT json_agg(_t) FROM (SELECT * FROM task_outputs.outputs
		 WHERE organization_id = '$big' ORDER BY created_at DESC, id DESC) _t});
	my $plan;
	for (1 .. 50)
	{
		$plan = logged_plan($offset, 'SELECT json_agg');
		last if defined $plan;
		select(undef, undef, undef, 0.1);
	}
	like($plan // '', qr/Sort|Gather|Seq Scan/,
		'PostgREST\'s query for the big tenant, alone, sorts or scans in parallel: the settings tempt the planner');
	SKIP:
	{
		skip 'this server has no JIT (built without LLVM)', 1
		  unless $node->safe_psql('postgres', 'SELECT pg_jit_available()') eq 't';
		like($plan // '', qr/JIT:/, 'and it is compiled');
	}
}

my %readers = (
	'list_task_outputs' => 'SELECT octet_length(task_outputs.list_task_outputs()::text)',
	'list_task_outputs_page' => 'SELECT octet_length(task_outputs.list_task_outputs_page()::text)',
	'task_outputs' => 'SELECT count(*) FROM task_outputs.task_outputs()',
	'export_task_outputs' => 'SELECT count(*) FROM (SELECT task_outputs.export_task_outputs()) s',
	'list by status' => q{SELECT octet_length(task_outputs.list_task_outputs(status => '{completed}')::text)});

for my $reader (sort keys %readers)
{
	my $small_plan = reader_plan($small, $readers{$reader});
	my $big_plan = reader_plan($big, $readers{$reader});
	ok(defined $small_plan && defined $big_plan, "$reader: its statement's plan is logged")
	  or next;
	like($big_plan, qr/Index Scan using outputs_list_idx on outputs/,
		"$reader: the big tenant is read in the list index's order");
	unlike($big_plan, qr/\bSort\b|Gather|Seq Scan/,
		"$reader: no sort, no parallel scan of everyone's rows");
	unlike($big_plan, qr/JIT:/, "$reader: not compiled");
	is($small_plan, $big_plan,
		"$reader: the same plan for a tenant of 1% as for one of 50%");
}

# a selective filter with an index of its own may be read through that
# index and its few rows sorted; still never a scan of everyone's rows,
# never compiled, the same plan whatever the share
for my $filtered (
	[ 'list by task name', q{SELECT octet_length(task_outputs.list_task_outputs(task_name => 't3')::text)} ],
	[ 'list by flow execution', q{SELECT octet_length(task_outputs.list_task_outputs(flow_execution_id => '0f000000-0000-4000-8000-0000000000b0')::text)} ])
{
	my ($reader, $sql) = @$filtered;
	my $small_plan = reader_plan($small, $sql);
	my $big_plan = reader_plan($big, $sql);
	like($big_plan // '', qr/Index Scan using outputs_\w+_idx on outputs/,
		"$reader: read through an index");
	unlike($big_plan // 'Gather', qr/Gather|Seq Scan|JIT:/,
		"$reader: no parallel scan of everyone's rows, not compiled");
	is($small_plan, $big_plan, "$reader: the same plan for a tenant of 1% as for one of 50%");
}

# count has no order to keep; its plan does not depend on the share either
{
	my $small_plan = reader_plan($small, 'SELECT task_outputs.count_task_outputs()');
	my $big_plan = reader_plan($big, 'SELECT task_outputs.count_task_outputs()');
	unlike($big_plan // 'JIT:', qr/JIT:|Gather/, 'count_task_outputs: not compiled, not parallel');
	is($small_plan, $big_plan, 'count_task_outputs: the same plan whatever the share');
}

$node->stop;
done_testing();
