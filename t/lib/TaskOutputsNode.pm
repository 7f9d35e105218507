
# Copyright (c) task_outputs contributors

=pod

=head1 NAME

TaskOutputsNode - a PostgreSQL::Test::Cluster node with task_outputs installed

=head1 SYNOPSIS

  use lib 't/lib';
  use TaskOutputsNode;

  my $node = TaskOutputsNode::new_node('main');
  TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_alice', $org_a);
  TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_tool', $org_a,
	  'task_outputs_writer', 'task_outputs_direct');
  my ($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'postgres', 'to_alice', $sql);

=head1 DESCRIPTION

The nodes load the extension from where the test command installed it:
when INSTALL_DESTDIR is set (a staging install), the node's
extension_destdir points there, as for every other suite.

Tenant roles are LOGIN roles that are members of task_outputs_writer (and
of any other roles named, such as task_outputs_direct, the trusted tier
with plain SQL on the tables, which the tenant roles alone lack) and act
for one organization through C<ALTER ROLE ... SET task_outputs.org_id>;
when the extension keeps a list of granted organizations
(C<grant_organization>), the role is granted its organization too (by the
superuser, who may act for any organization), so the same tests hold
before and after that check exists.

=cut

package TaskOutputsNode;

use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

=pod

=over

=item new_node($name, @conf_lines)

Initialize and start a node with task_outputs loadable, extra
postgresql.conf lines appended; CREATE EXTENSION is left to the caller
(per database).

=cut

sub new_node
{
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf',
		"extension_destdir = '$ENV{INSTALL_DESTDIR}'")
	  if defined $ENV{INSTALL_DESTDIR} && $ENV{INSTALL_DESTDIR} ne '';
	$node->append_conf('postgresql.conf', $_) for @conf;
	$node->start;
	return $node;
}

=pod

=item create_tenant_role($node, $dbname, $role, $org_id, @in_roles)

A login role acting for $org_id by default, member of @in_roles
(default: task_outputs_writer).

=cut

sub create_tenant_role
{
	my ($node, $dbname, $role, $org_id, @in_roles) = @_;
	my $in_roles = join(', ', @in_roles ? @in_roles : ('task_outputs_writer'));

	$node->safe_psql(
		$dbname, qq{
		CREATE ROLE $role LOGIN IN ROLE $in_roles;
		ALTER ROLE $role SET task_outputs.org_id = '$org_id';
		DO \$\$
		BEGIN
			IF pg_catalog.to_regprocedure('task_outputs.grant_organization(regrole,uuid)') IS NOT NULL THEN
				EXECUTE 'SELECT task_outputs.grant_organization(\$1, \$2)'
					USING '$role'::regrole, '$org_id'::uuid;
			END IF;
		END
		\$\$;
	});
	return;
}

=pod

=item psql_as($node, $dbname, $role, $sql, %params)

Run $sql with psql connected as $role; returns ($ret, $stdout, $stderr).
Errors are reported with their SQLSTATE (VERBOSITY verbose).

=cut

sub psql_as
{
	my ($node, $dbname, $role, $sql, %params) = @_;
	my ($out, $err);
	my $ret = $node->psql(
		$dbname, $sql,
		connstr => $node->connstr($dbname) . " user=$role",
		stdout => \$out,
		stderr => \$err,
		on_error_stop => 1,
		extra_params => [ '-v', 'VERBOSITY=verbose' ],
		%params);
	return ($ret, $out, $err);
}

=pod

=item safe_psql_as($node, $dbname, $role, $sql)

Like psql_as, but dies on any error; returns stdout.

=cut

sub safe_psql_as
{
	my ($node, $dbname, $role, $sql) = @_;
	my ($ret, $out, $err) = psql_as($node, $dbname, $role, $sql);
	die "psql as $role failed (exit $ret): $err\nquery: $sql\n" if $ret != 0;
	return $out;
}

=pod

=item check_invariants($node, $dbname, $label)

Tests that hold of any database using the extension, at any time: the
audit trail of every output is a consistent chain (each entry starts where
the one before ended; the last ends at the output's status; an output
without entries is in the status it was recorded with, when its output
document says so under "init"); at most one completed output per
organization, flow execution and task; every B-tree index of the
extension's tables passes amcheck's bt_index_check with heapallindexed.
Runs as $node's superuser (who is not bound by row-level security).

=cut

sub check_invariants
{
	my ($node, $dbname, $label) = @_;

	# audit chains, in the order of the entries (changed_at, then id)
	is( $node->safe_psql(
			$dbname, q{
		WITH t AS (
			SELECT a.*, lead(from_status) OVER w AS next_from,
				   row_number() OVER w AS rn,
				   count(*) OVER (PARTITION BY organization_id, task_output_id) AS n
			  FROM task_outputs.audit_trail a
			WINDOW w AS (PARTITION BY organization_id, task_output_id ORDER BY changed_at, id))
		SELECT count(*) FROM t WHERE rn < n AND to_status <> next_from}),
		'0',
		"$label: each audit entry starts where the one before ended");
	is( $node->safe_psql(
			$dbname, q{
		SELECT count(*)
		  FROM task_outputs.outputs o
		  LEFT JOIN LATERAL (
			SELECT (array_agg(from_status ORDER BY changed_at, id))[1] AS first_from,
				   (array_agg(to_status ORDER BY changed_at DESC, id DESC))[1] AS last_to,
				   count(*) AS n
			  FROM task_outputs.audit_trail a
			 WHERE a.organization_id = o.organization_id AND a.task_output_id = o.id) t ON true
		 WHERE (t.n > 0 AND t.last_to <> o.status)
			OR (o.output ? 'init' AND t.n > 0 AND t.first_from::text <> o.output->>'init')
			OR (o.output ? 'init' AND t.n = 0 AND o.status::text <> o.output->>'init')}),
		'0',
		"$label: every output's trail leads from its first status to its current one");
	is( $node->safe_psql(
			$dbname, q{
		SELECT count(*) FROM (
			SELECT 1 FROM task_outputs.outputs WHERE status = 'completed'
			 GROUP BY organization_id, flow_execution_id, task_name
			HAVING count(*) > 1) d}),
		'0',
		"$label: at most one completed output per flow execution and task");

	$node->safe_psql($dbname, 'CREATE EXTENSION IF NOT EXISTS amcheck');
	# the btree indexes of the extension's tables
	my $btrees = q{
		  FROM pg_index i
		  JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
		 WHERE i.indrelid IN (
			SELECT objid FROM pg_depend
			 WHERE classid = 'pg_class'::regclass
			   AND refclassid = 'pg_extension'::regclass
			   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'task_outputs'))};
	my $indexes = $node->safe_psql($dbname,
		"SELECT string_agg(c.relname, ' ' ORDER BY c.relname) $btrees");
	my ($ret, $out, $err) = $node->psql($dbname,
		"SELECT count(bt_index_check(i.indexrelid, true)) $btrees");
	is($ret, 0, "$label: amcheck passes on every index ($indexes)")
	  or diag $err;
	cmp_ok($out || 0, '>=', 10, "$label: amcheck checked the extension's indexes");
	return;
}

=pod

=back

=cut

1;
