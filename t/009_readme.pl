# Copyright (c) task_outputs contributors

# The README is what a newcomer copies: every ```sql block in it runs, in the
# order it is written, on a fresh server (those for a Citus coordinator run
# in tools/citus-test.sh), as the role its first line names
# ("-- as worker") or else as a superuser, with psql (the blocks use \gset);
# the results it shows are the ones the blocks give; and its reference
# tables (types, functions, settings, roles) list what the extension
# installs, no more and no less, with the same return types, volatility,
# defaults and rights.

use strict;
use warnings;

use FindBin;
use lib 't/lib';
use PostgreSQL::Test::Utils;
use Test::More;
use TaskOutputsNode;

my $readme_path = "$FindBin::Bin/../README.md";
open my $fh, '<', $readme_path or die "cannot open $readme_path: $!";
my $readme = do { local $/; <$fh> };
close $fh;

my $node = TaskOutputsNode::new_node('readme');
my $db = 'postgres';

# ---------------------------------------------------------------- the blocks

# each fenced block with its language and the line it starts on
my @blocks;
{
	my $line = 0;
	my ($lang, $start, $text);
	for my $l (split /\n/, $readme)
	{
		$line++;
		if (!defined $lang && $l =~ /^```(\w*)\s*$/)
		{
			($lang, $start, $text) = ($1, $line, '');
		}
		elsif (defined $lang && $l =~ /^```\s*$/)
		{
			push @blocks, { lang => $lang, line => $start, text => $text };
			undef $lang;
		}
		elsif (defined $lang)
		{
			$text .= "$l\n";
		}
	}
	ok(!defined $lang, 'every fenced block of the README is closed');
}

my @sql = grep { $_->{lang} eq 'sql' } @blocks;
cmp_ok(scalar @sql, '>=', 10, 'the README has its SQL examples');

# the blocks of "Running distributed on Citus" need a Citus cluster:
# tools/citus-test.sh runs them on its coordinator
my $citus_block = qr/\A--\s*on the Citus coordinator\b/;
is(scalar(grep { $_->{text} =~ $citus_block } @sql),
	2, 'the README has its two Citus blocks (run by tools/citus-test.sh)');
@sql = grep { $_->{text} !~ $citus_block } @sql;

# the roles the extension creates, before the README creates any of its own
my $extension_roles;

my %output_of;    # first line of a block's text => its stdout
for my $block (@sql)
{
	my $role = $block->{text} =~ /\A--\s*as\s+(\w+)\s*\n/ ? $1 : undef;
	my ($ret, $out, $err);
	if (defined $role)
	{
		($ret, $out, $err) =
		  TaskOutputsNode::psql_as($node, $db, $role, $block->{text});
	}
	else
	{
		$ret = $node->psql(
			$db, $block->{text},
			stdout => \$out,
			stderr => \$err,
			on_error_stop => 1,
			extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	}
	my $who = defined $role ? $role : 'a superuser';
	is($ret, 0, "README line $block->{line}: runs as $who")
	  or diag("stderr: $err\nblock:\n$block->{text}");
	unlike($err, qr/\b(?:ERROR|WARNING)\b/,
		"README line $block->{line}: no error or warning");
	$block->{out} = $out;

	$extension_roles //= $node->safe_psql($db,
		q{SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'task\_outputs\_%'}
	) if $block->{text} =~ /CREATE EXTENSION task_outputs/;
}

# the first block that records an output, lists and commits
my ($first) = grep { $_->{text} =~ /record_task_output\(\s*flow_execution_id/ } @sql;
ok($first, 'the getting-started block is there');
my @lines = split /\n/, $first->{out} // '';
my $list = $lines[-1] // '';
like($list, qr/^\[\{"id":/, 'getting started: the list is a JSON array of objects');

# the JSON the README shows for it has the attributes the list has, in order
my ($shown) = grep { $_->{lang} eq 'json' && $_->{line} > $first->{line} } @blocks;
ok($shown, 'the README shows the list it returns');
my $keys_sql = q{SELECT string_agg(k, ',') FROM json_object_keys($j$%s$j$::json -> 0) k};
my $shown_keys = $node->safe_psql($db, sprintf($keys_sql, $shown->{text}));
is( $shown_keys,
	$node->safe_psql($db, sprintf($keys_sql, $list)),
	'the list shown in the README has the attributes of the real one, in their order');
for my $attribute (qw(task_name status summary output tags last_modified_by))
{
	is( $node->safe_psql($db,
			sprintf(q{SELECT ($j$%s$j$::json -> 0 ->> '%s')}, $shown->{text}, $attribute)),
		$node->safe_psql($db,
			sprintf(q{SELECT ($j$%s$j$::json -> 0 ->> '%s')}, $list, $attribute)),
		"the list shown in the README has the real $attribute");
}

# what the later blocks say they give
my ($status_block) = grep { $_->{text} =~ /mark_stale\(/ } @sql;
is( $status_block->{out},
	"running\ncompleted\n1",
	'status rules: queued to running to completed, then one output marked stale');
my ($admin_block) = grep { $_->{text} =~ /restore_task_output\(/ } @sql;
like($admin_block->{out}, qr/\Adeleted\nstale\n\[/,
	'administrators: delete, restore to the status before, then the history');
like($admin_block->{out}, qr/"from_status":"deleted","to_status":"stale"/,
	'administrators: the history ends with the restore');
my ($etl_block) = grep { $_->{text} =~ /-- as etl_loader/ } @sql;
is($etl_block->{out}, '3', 'the trusted tier counts the rows it loaded');

# the last block uninstalled everything
is( $node->safe_psql($db,
		q{SELECT count(*) FROM pg_roles WHERE rolname LIKE 'task\_outputs\_%'
		   OR rolname IN ('worker', 'dashboard', 'ops', 'etl_loader', 'authenticator', 'web_anon', 'web_user')}),
	'0',
	'uninstalling drops every role the README made and the extension made');
is( $node->safe_psql($db,
		q{SELECT count(*) FROM pg_namespace WHERE nspname = 'task_outputs'}),
	'0',
	'uninstalling leaves no schema');

# --------------------------------------------------- the reference tables

$node->safe_psql($db, 'CREATE EXTENSION task_outputs');

# the rows of the markdown table that follows a heading
sub table_after
{
	my ($heading) = @_;
	my ($section) = $readme =~ /^\Q$heading\E\n(.*?)(?=^#)/ms;
	die "no section $heading" unless defined $section;
	my @rows;
	for my $l (split /\n/, $section)
	{
		next unless $l =~ /^\|/;
		next if $l =~ /^\|[-| ]+\|$/;
		my @cells = map { s/^\s+|\s+$//gr } split /\|/, substr($l, 1);
		push @rows, \@cells;
	}
	shift @rows;    # the header
	return @rows;
}

is($extension_roles,
	join(',', sort map { "task_outputs_$_" } qw(admin direct gateway reader service writer)),
	'CREATE EXTENSION made the six roles the README names');
my ($roles_section) = $readme =~ /^### Roles\n(.*?)(?=^#)/ms;
is( join(',', sort($roles_section =~ /`(task_outputs_\w+)`/g)),
	$extension_roles,
	'the reference lists the roles CREATE EXTENSION makes');

# functions: name, return type, volatility, strictness
my %documented;
for my $row (table_after('### Functions (schema `task_outputs`)'))
{
	my ($signature, $returns, $volatility) = @$row;
	my ($name) = $signature =~ /^`(\w+)\(/ or die "bad row: @$row";
	$returns =~ s/`//g;
	$documented{$name} = "$returns; $volatility";
}
my %installed = map { split /\|/, $_, 2 } split /\n/, $node->safe_psql(
	$db, q{
	SELECT p.proname,
		   CASE WHEN p.proretset THEN 'SETOF ' ELSE '' END
		   || CASE WHEN t.typnamespace = 'task_outputs'::regnamespace THEN t.typname
				   ELSE format_type(p.prorettype, NULL) END
		   || '; '
		   || CASE p.provolatile WHEN 's' THEN 'stable' WHEN 'v' THEN 'volatile' ELSE 'immutable' END
		   || CASE WHEN p.proisstrict THEN ', strict' ELSE '' END
	  FROM pg_proc p
	  JOIN pg_type t ON t.oid = p.prorettype
	  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
					  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'task_outputs'
	 WHERE p.pronamespace = 'task_outputs'::regnamespace
	   AND p.prorettype <> 'trigger'::regtype
	 ORDER BY 1});
is_deeply(\%documented, \%installed,
	'the reference lists every function of the API, with its return type and volatility');

# who may call them
for my $row (table_after('### Functions (schema `task_outputs`)'))
{
	my ($signature, undef, undef, $who) = @$row;
	my ($name) = $signature =~ /^`(\w+)\(/;
	my ($least) = $who =~ /^(reader|writer|admin)\b/ or next;
	my %below = (reader => undef, writer => 'reader', admin => 'writer');
	is( $node->safe_psql($db,
			"SELECT bool_and(has_function_privilege('task_outputs_$least', oid, 'EXECUTE')) FROM pg_proc WHERE proname = '$name' AND pronamespace = 'task_outputs'::regnamespace"
		),
		't',
		"$name: task_outputs_$least may call it");
	next unless defined $below{$least};
	is( $node->safe_psql($db,
			"SELECT bool_or(has_function_privilege('task_outputs_$below{$least}', oid, 'EXECUTE')) FROM pg_proc WHERE proname = '$name' AND pronamespace = 'task_outputs'::regnamespace"
		),
		'f',
		"$name: task_outputs_$below{$least} may not");
}

# the composite type's attributes
my ($type_row) = grep { $_->[0] eq '`task_output`' } table_after('### Types');
is( $type_row->[1] =~ s/`//gr,
	$node->safe_psql($db, q{
		SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
		  FROM pg_attribute WHERE attrelid = 'task_outputs.task_output'::regclass AND attnum > 0})
	  =~ s/task_outputs\.//gr =~ s/timestamp with time zone/timestamptz/gr,
	'the reference gives the task_output type as it is');
my ($enum_row) = grep { $_->[0] eq '`task_output_status`' } table_after('### Types');
is( join(',', $enum_row->[1] =~ /`(\w+)`/g),
	$node->safe_psql($db,
		q{SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'task_outputs.task_output_status'::regtype}),
	'the reference gives the statuses in their order');

# settings: name, default (as SHOW prints it in a session that set none),
# who may set it
my %settings;
for my $row (table_after('### Settings'))
{
	my ($name, $default, $who) = @$row;
	$name =~ s/`//g;
	$default = $default eq 'empty' ? '' : ($default =~ /`([^`]*)`/)[0];
	$settings{$name} = "$default; " . ($who eq 'superuser' ? 'superuser' : 'user');
}
my %real_settings = map { split /\|/, $_, 2 } split /\n/, $node->safe_psql(
	$db, q{
	LOAD 'task_outputs';
	SELECT name, current_setting(name) || '; ' || context
	  FROM pg_settings WHERE name LIKE 'task\_outputs.%' ORDER BY name});
is_deeply(\%settings, \%real_settings,
	'the reference lists every setting, with its default and who may set it');

# the error codes the errors table names are the ones the code raises
my ($errors_section) = $readme =~ /^## Errors\n(.*?)(?=^#)/ms;
my %codes = map { $_ => 1 } $errors_section =~ /`(PT\d{3})`/g;
is(join(',', sort keys %codes), 'PT400,PT404,PT409,PT413',
	'the errors table names the four codes of the API');

$node->stop;
done_testing();
