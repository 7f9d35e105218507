// test/gateway/postgraphile.test.mjs -- task_outputs behind a real
// PostGraphile v4, over HTTP on the loopback interface.
//
// The cluster is the test command's throwaway one (PGHOST, PGPORT, PGUSER
// of a superuser).  This file creates a database of its own with the
// extension and the roles of PostGraphile's documentation: a NOINHERIT
// login "authenticator" that is a member of task_outputs_gateway and of
// the roles a token may name.  PostGraphile verifies each JWT with the
// secret, switches to its "role" claim and passes every other claim as
// jwt.claims.<name>, per transaction; the extension takes the tenant from
// jwt.claims.org_id and the actor from jwt.claims.sub.  The web role is a
// tenant role, which holds no table privilege: PostGraphile (which honours
// privileges) exposes the API's functions and none of the tables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = 'task_outputs gateway test secret, at least 32 bytes';
const DB = 'task_outputs_gateway_test';
const ORG_A = '0a000000-0000-4000-8000-00000000000a';
const ORG_B = '0b000000-0000-4000-8000-00000000000b';
const FLOW_A = '0f000000-0000-4000-8000-0000000000a1';
const FLOW_B = '0f000000-0000-4000-8000-0000000000b1';
const USER_A = '123e4567-e89b-12d3-a456-4266141740aa';
const ROLES = ['to_gql_authenticator', 'to_gql_web', 'to_gql_anon'];

const superuser = (database) => new pg.Client({
  host: process.env.PGHOST, port: Number(process.env.PGPORT),
  user: process.env.PGUSER || 'postgres', database,
});

// Run statements as the superuser in the test database.
async function sql(text, params = [], orgId = null) {
  const client = superuser(DB);
  await client.connect();
  try {
    if (orgId) await client.query("SELECT set_config('task_outputs.org_id', $1, false)", [orgId]);
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const token = (claims, secret = SECRET) =>
  jwt.sign({ aud: 'postgraphile', role: 'to_gql_web', ...claims }, secret, { expiresIn: '1h' });

let gateway;
let url;

// POST a GraphQL request; returns the HTTP status and the parsed body.
async function graphql(query, { bearer, variables } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json() };
}

// The oracle: what the list endpoint must return, computed by the obvious
// SQL as the superuser (who bypasses row-level security, hence the WHERE).
async function expectedList(orgId) {
  const rows = await sql(`
    SELECT coalesce(json_agg(t), '[]')::text AS list FROM (
      SELECT id, flow_execution_id, organization_id, task_name, status, summary, output,
             tags, last_modified_by, created_at, updated_at
        FROM task_outputs.outputs
       WHERE organization_id = $1 AND status <> 'deleted'
       ORDER BY created_at DESC, id DESC) t`, [orgId]);
  return JSON.parse(rows[0].list);
}

before(async () => {
  const admin = superuser('postgres');
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  for (const role of ROLES) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.query('CREATE ROLE to_gql_authenticator LOGIN NOINHERIT IN ROLE task_outputs_gateway');
  await admin.query('CREATE ROLE to_gql_web IN ROLE task_outputs_writer ROLE to_gql_authenticator');
  await admin.query('CREATE ROLE to_gql_anon ROLE to_gql_authenticator');
  await admin.end();

  await sql('CREATE EXTENSION task_outputs');
  await sql("SELECT task_outputs.create_flow_execution('nightly import', $1)", [FLOW_A], ORG_A);
  await sql(`SELECT task_outputs.record_task_output($1, 'extract', '{"rows": 3, "text": "é\\"\\n"}', '{"pages": 10}', '{pdf,invoices}')`, [FLOW_A], ORG_A);
  await sql(`SELECT task_outputs.record_task_output($1, 'transform', NULL, '{}', '{}', 'failed')`, [FLOW_A], ORG_A);
  await sql("SELECT task_outputs.create_flow_execution('weekly export', $1)", [FLOW_B], ORG_B);
  await sql(`SELECT task_outputs.record_task_output($1, 'extract', '{"secret": "of B"}')`, [FLOW_B], ORG_B);

  const port = await freePort();
  url = `http://127.0.0.1:${port}/graphql`;
  gateway = spawn(process.execPath, [
    path.join(here, 'node_modules', 'postgraphile', 'cli.js'),
    '--connection', `postgres://to_gql_authenticator@127.0.0.1:${process.env.PGPORT}/${DB}`,
    '--schema', 'task_outputs',
    '--include-extension-resources',
    '--no-ignore-rbac',
    '--disable-default-mutations',
    '--jwt-secret', SECRET,
    '--default-role', 'to_gql_anon',
    '--dynamic-json',
    '--extended-errors', 'errcode,detail,hint',
    '--host', '127.0.0.1',
    '--port', String(port),
    '--disable-query-log',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk;
      if (log.includes('server listening')) resolve();
    };
    gateway.stdout.on('data', onData);
    gateway.stderr.on('data', onData);
    gateway.once('exit', (code) => reject(new Error(`PostGraphile exited with ${code}:\n${log}`)));
  });
});

after(async () => {
  if (gateway && gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
  }
  const admin = superuser('postgres');
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  for (const role of ROLES) await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

describe('reads over HTTP', () => {
  test('listTaskOutputs for A is exactly the SQL oracle for A', async () => {
    const { status, body } = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: ORG_A, sub: USER_A }) });
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
    const expected = await expectedList(ORG_A);
    assert.equal(expected.length, 2);
    assert.deepEqual(body.data.listTaskOutputs, expected);
    assert.deepEqual(Object.keys(body.data.listTaskOutputs[0]),
      ['id', 'flow_execution_id', 'organization_id', 'task_name', 'status', 'summary',
        'output', 'tags', 'last_modified_by', 'created_at', 'updated_at']);
  });

  test('listTaskOutputs for B shows B only', async () => {
    const { body } = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: ORG_B }) });
    assert.deepEqual(body.data.listTaskOutputs, await expectedList(ORG_B));
    assert.deepEqual(body.data.listTaskOutputs.map((o) => o.organization_id), [ORG_B]);
  });

  test('the tables are not exposed: the web role holds no privilege on them', async () => {
    const fields = await graphql('{ __type(name: "Query") { fields { name } } }', { bearer: token({ org_id: ORG_B }) });
    assert.equal(fields.body.errors, undefined);
    const names = fields.body.data.__type.fields.map((f) => f.name);
    assert.ok(names.includes('listTaskOutputs') && names.includes('taskOutputs'), 'the API is exposed');
    assert.deepEqual(names.filter((n) => /^all|ByOrganizationId/.test(n)), [], 'no table, no row by key');
    const query = '{ allOutputs { nodes { organizationId taskName } } allFlowExecutions { nodes { id } } }';
    const { body } = await graphql(query, { bearer: token({ org_id: ORG_B }) });
    assert.equal(body.data, undefined);
    assert.match(body.errors[0].message, /Cannot query field "allOutputs"/);
    assert.match(body.errors[1].message, /Cannot query field "allFlowExecutions"/);
  });

  test('the records through PostGraphile are the token\'s organization\'s only', async () => {
    const query = `{ taskOutputs { nodes { organizationId taskName } totalCount }
                     getFlowExecution(id: "${FLOW_B}") }`;
    const { body } = await graphql(query, { bearer: token({ org_id: ORG_B }) });
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data.taskOutputs.nodes, [{ organizationId: ORG_B, taskName: 'extract' }]);
    assert.equal(body.data.taskOutputs.totalCount, 1);
    assert.equal(body.data.getFlowExecution.id, FLOW_B);
  });

  test('looking up B\'s flow execution or output by its id with A\'s token is PT404, like an unknown id', async () => {
    const [{ id: outputB }] = await sql("SELECT id FROM task_outputs.outputs WHERE organization_id = $1", [ORG_B]);
    const bearer = token({ org_id: ORG_A });
    for (const [field, theirs, message] of [
      ['getFlowExecution', FLOW_B, 'flow execution not found'],
      ['getTaskOutput', outputB, 'task output not found'],
    ]) {
      const query = `query ($id: UUID!) { ${field}(id: $id) }`;
      const found = await graphql(query, { bearer, variables: { id: theirs } });
      const unknown = await graphql(query, { bearer, variables: { id: '0f000000-0000-4000-8000-0000000000ff' } });
      assert.equal(found.body.errors[0].errcode, 'PT404', field);
      assert.equal(found.body.errors[0].message, message, field);
      assert.equal(found.body.data[field], null, field);
      assert.equal(unknown.body.errors[0].errcode, 'PT404', field);
      assert.equal(unknown.body.errors[0].message, message, field);
    }
  });

  test('currentOrgId reflects the token, per request', async () => {
    const a = await graphql('{ currentOrgId }', { bearer: token({ org_id: ORG_A }) });
    const b = await graphql('{ currentOrgId }', { bearer: token({ org_id: ORG_B }) });
    const none = await graphql('{ currentOrgId }', { bearer: token({}) });
    assert.equal(a.body.data.currentOrgId, ORG_A);
    assert.equal(b.body.data.currentOrgId, ORG_B);
    assert.equal(none.body.data.currentOrgId, null);
  });
});

describe('writes over HTTP', () => {
  test('createFlowExecution and recordTaskOutput write into the token\'s organization', async () => {
    const bearer = token({ org_id: ORG_A, sub: USER_A });
    const created = await graphql('mutation { createFlowExecution(input: {name: "from graphql"}) { uuid } }', { bearer });
    assert.equal(created.body.errors, undefined);
    const flowId = created.body.data.createFlowExecution.uuid;
    const rows = await sql('SELECT organization_id FROM task_outputs.flow_executions WHERE id = $1', [flowId]);
    assert.deepEqual(rows, [{ organization_id: ORG_A }]);

    const recorded = await graphql(`mutation ($flow: UUID!) {
        recordTaskOutput(input: {flowExecutionId: $flow, taskName: "report", output: {pages: 3}, tags: ["pdf"]}) {
          taskOutput { organizationId taskName status output tags lastModifiedBy }
        } }`, { bearer, variables: { flow: flowId } });
    assert.equal(recorded.body.errors, undefined);
    assert.deepEqual(recorded.body.data.recordTaskOutput.taskOutput, {
      organizationId: ORG_A, taskName: 'report', status: 'COMPLETED',
      output: { pages: 3 }, tags: ['pdf'], lastModifiedBy: USER_A,
    });

    const b = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: ORG_B }) });
    assert.ok(!JSON.stringify(b.body.data.listTaskOutputs).includes('report'), 'B does not see A\'s new output');
  });

  test('recording into B\'s flow execution with A\'s token is PT404, like an unknown id', async () => {
    const query = `mutation ($flow: UUID!) { recordTaskOutput(input: {flowExecutionId: $flow, taskName: "x"}) { taskOutput { id } } }`;
    const bearer = token({ org_id: ORG_A });
    const theirs = await graphql(query, { bearer, variables: { flow: FLOW_B } });
    const unknown = await graphql(query, { bearer, variables: { flow: '0f000000-0000-4000-8000-0000000000ff' } });
    assert.equal(theirs.body.errors[0].errcode, 'PT404');
    assert.equal(theirs.body.errors[0].message, 'flow execution not found');
    assert.equal(unknown.body.errors[0].errcode, 'PT404');
    assert.equal(unknown.body.errors[0].message, theirs.body.errors[0].message);
    assert.equal((await sql("SELECT count(*)::int AS n FROM task_outputs.outputs WHERE task_name = 'x'"))[0].n, 0);
  });

  test('a rule of the write path comes back with its code', async () => {
    const { body } = await graphql(`mutation { recordTaskOutput(input: {flowExecutionId: "${FLOW_A}", taskName: ""}) { taskOutput { id } } }`,
      { bearer: token({ org_id: ORG_A }) });
    assert.equal(body.errors[0].errcode, 'PT400');
    assert.equal(body.errors[0].message, 'invalid task_name');
  });

  test('a duplicate id is 23505', async () => {
    const { body } = await graphql(`mutation { createFlowExecution(input: {name: "again", id: "${FLOW_A}"}) { uuid } }`,
      { bearer: token({ org_id: ORG_A }) });
    assert.equal(body.errors[0].errcode, '23505');
  });
});

describe('refused requests', () => {
  test('a token signed with another secret is rejected before the database', async () => {
    const { status, body } = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: ORG_A }, 'not the secret, but as long as it') });
    assert.equal(status, 403);
    assert.match(body.errors[0].message, /invalid signature/);
    assert.equal(body.data, undefined);
  });

  test('an org claim that is not a UUID is 22P02, never "no tenant"', async () => {
    const { body } = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: 'acme' }) });
    assert.equal(body.errors[0].errcode, '22P02');
    assert.equal(body.errors[0].message, 'invalid organization id in jwt.claims.org_id');
    assert.equal(body.data.listTaskOutputs, null);
  });

  test('a token without an org claim is 42501 with a hint', async () => {
    const { body } = await graphql('{ listTaskOutputs }', { bearer: token({ sub: USER_A }) });
    assert.equal(body.errors[0].errcode, '42501');
    assert.equal(body.errors[0].message, 'no organization is set for this session');
    assert.match(body.errors[0].hint, /org_id/);
  });

  test('without a token the anonymous role can do nothing', async () => {
    const { body } = await graphql('{ listTaskOutputs }');
    assert.equal(body.errors[0].errcode, '42501');
    const write = await graphql('mutation { createFlowExecution(input: {name: "anon"}) { uuid } }');
    assert.equal(write.body.errors[0].errcode, '42501');
  });

  test('a role claim naming a role the authenticator cannot become is refused', async () => {
    const { body } = await graphql('{ listTaskOutputs }', { bearer: token({ role: 'postgres', org_id: ORG_A }) });
    assert.equal(body.errors[0].message, 'permission denied to set role "postgres"');
    assert.equal(body.data, undefined);
  });

  test('claims do not outlive their request on the pooled connections', async () => {
    for (let i = 0; i < 4; i++) {
      const a = await graphql('{ listTaskOutputs }', { bearer: token({ org_id: ORG_A }) });
      assert.equal(a.body.data.listTaskOutputs.length, 3);
      const none = await graphql('{ listTaskOutputs taskOutputs { totalCount } }', { bearer: token({}) });
      assert.equal(none.body.errors[0].errcode, '42501');
      assert.equal(none.body.data?.taskOutputs?.totalCount ?? 0, 0);
    }
  });
});
