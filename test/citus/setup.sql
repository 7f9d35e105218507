-- test/citus/setup.sql -- the roles of the distributed suite, committed
-- (Citus connects to the workers as the role of a plain SQL statement, so
-- the roles that run plain SQL must exist there, committed, and log in;
-- the API needs neither), on a single node and on a coordinator alike.
--
--   to_c_worker, to_c_dashboard, to_c_ops: LOGIN writer, reader and
--     administrator of Acme (tools/sample-data.sql's first organization);
--   to_c_reader, to_c_admin: LOGIN reader and administrator of
--     organization A of generated.psql, both of the trusted tier (plain
--     SQL on the tables), for the differential checks;
--   to_c_tenant: LOGIN writer of A and nothing else (the hostile tenant),
--     owner of schema to_c_tenant_own (a tenant that may create objects
--     somewhere: its own schema, or a public schema left writable);
--   to_c_authenticator: a gateway's LOGIN NOINHERIT role, member of
--     task_outputs_gateway, which SET ROLEs to to_c_web (NOLOGIN, writer).
\set ON_ERROR_STOP 1
\set QUIET 1
CREATE ROLE to_c_worker LOGIN IN ROLE task_outputs_writer;
CREATE ROLE to_c_dashboard LOGIN IN ROLE task_outputs_reader;
CREATE ROLE to_c_ops LOGIN IN ROLE task_outputs_admin;
CREATE ROLE to_c_reader LOGIN IN ROLE task_outputs_reader, task_outputs_direct;
CREATE ROLE to_c_admin LOGIN IN ROLE task_outputs_admin, task_outputs_direct;
CREATE ROLE to_c_tenant LOGIN IN ROLE task_outputs_writer;
CREATE SCHEMA to_c_tenant_own AUTHORIZATION to_c_tenant;
CREATE ROLE to_c_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway;
CREATE ROLE to_c_web NOLOGIN IN ROLE task_outputs_writer ROLE to_c_authenticator;
\o /dev/null
SELECT task_outputs.grant_organization(r::regrole, '6f1c2a4e-0d3b-4f7a-9c1e-2b8d5e7a9c01')
  FROM unnest(ARRAY['to_c_worker', 'to_c_dashboard', 'to_c_ops']) r;
SELECT task_outputs.grant_organization(r::regrole, '0a000000-0000-4000-8000-00000000000a')
  FROM unnest(ARRAY['to_c_reader', 'to_c_admin', 'to_c_tenant']) r;
\o
