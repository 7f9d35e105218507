
# Copyright (c) task_outputs contributors

=pod

=head1 NAME

TaskOutputsNode - a PostgreSQL::Test::Cluster node with task_outputs installed

=head1 SYNOPSIS

  use lib 't/lib';
  use TaskOutputsNode;

  my $node = TaskOutputsNode::new_node('main');
  TaskOutputsNode::create_tenant_role($node, 'postgres', 'to_alice', $org_a);
  my ($ret, $out, $err) = TaskOutputsNode::psql_as($node, 'postgres', 'to_alice', $sql);

=head1 DESCRIPTION

The nodes load the extension from where the test command installed it:
when INSTALL_DESTDIR is set (a staging install), the node's
extension_destdir points there, as for every other suite.

Tenant roles are LOGIN roles that are members of task_outputs_writer and
act for one organization through C<ALTER ROLE ... SET task_outputs.org_id>;
when the extension keeps a list of granted organizations
(C<grant_organization>), the role is granted its organization too, so the
same tests hold before and after that check exists.

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

=item create_tenant_role($node, $dbname, $role, $org_id)

A login role, writer, acting for $org_id by default.

=cut

sub create_tenant_role
{
	my ($node, $dbname, $role, $org_id) = @_;

	$node->safe_psql(
		$dbname, qq{
		CREATE ROLE $role LOGIN IN ROLE task_outputs_writer;
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

=back

=cut

1;
