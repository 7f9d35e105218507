/*-------------------------------------------------------------------------
 *
 * tenant.c
 *		Who is asking: the organization in force and the actor.
 *
 * The organization in force is, in order, the task_outputs.org_id setting,
 * the org claim of PostgREST's request.jwt.claims JSON, and PostGraphile's
 * jwt.claims.<claim> setting; an empty value counts as unset, and a value
 * that is not a UUID is an error, never a silent "no tenant".  The actor is
 * task_outputs.actor, else the JWT sub claim, else "system".
 *
 * The organization in force is not yet permission to act for it: the API
 * entry points call RequireAuthorizedOrgId, and the row-level security
 * policies call authorized_org_id(), which both ask RoleMayActFor
 * (grants.c) whether the current role may act for it.  The policies never
 * raise for an organization that is not granted; they see no tenant, so a
 * refused role sees no rows.
 *
 * Gateways set the claims per transaction, so nothing here is cached across
 * calls except the parse of the last claims text, keyed by that text: the
 * same string always yields the same answer, and any new string is parsed
 * afresh.  The cache lives in TopMemoryContext.
 *
 * src/tenant.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "task_outputs.h"

PG_FUNCTION_INFO_V1(current_org_id);
PG_FUNCTION_INFO_V1(authorized_org_id);

#define POSTGREST_CLAIMS	"request.jwt.claims"
#define POSTGRAPHILE_CLAIM_PREFIX "jwt.claims."
#define ACTOR_CLAIM			"sub"

/* Claims of the last request.jwt.claims text seen, parsed */
typedef struct ParsedClaims
{
	char	   *text;			/* the setting's value, or NULL */
	char	   *org_claim_name; /* task_outputs.jwt_org_claim when parsed */
	char	   *org_id;			/* string value of the org claim, or NULL */
	char	   *sub;			/* string value of the sub claim, or NULL */
} ParsedClaims;

static ParsedClaims parsed_claims;

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * ParseUuid
 *		Parse a UUID in its canonical form (8-4-4-4-12 hex digits, either
 *		case) or as 32 bare hex digits.  Returns false for anything else.
 *
 * Stricter than uuid_in (no braces, no odd hyphen positions): a tenant id
 * arriving from a token should look like one.
 */
bool
ParseUuid(const char *str, pg_uuid_t *uuid)
{
	size_t		len = strlen(str);
	bool		hyphens;
	int			i;
	int			pos = 0;

	if (len == 36)
		hyphens = true;
	else if (len == 32)
		hyphens = false;
	else
		return false;

	for (i = 0; i < UUID_LEN; i++)
	{
		int			hi,
					lo;

		if (hyphens && (pos == 8 || pos == 13 || pos == 18 || pos == 23))
		{
			if (str[pos] != '-')
				return false;
			pos++;
		}
		hi = HexValue(str[pos]);
		lo = HexValue(str[pos + 1]);
		if (hi < 0 || lo < 0)
			return false;
		uuid->data[i] = (unsigned char) ((hi << 4) | lo);
		pos += 2;
	}
	return true;
}

/*
 * IsValidActor
 *		True for "system", a UUID, or an integration identifier matching
 *		^[a-z][a-z0-9_-]{0,62}$ ("system" is one of those too).
 */
bool
IsValidActor(const char *actor)
{
	pg_uuid_t	uuid;
	size_t		len = strlen(actor);
	size_t		i;

	if (len == 36 && ParseUuid(actor, &uuid))
		return true;
	if (len < 1 || len > 63 || !(actor[0] >= 'a' && actor[0] <= 'z'))
		return false;
	for (i = 1; i < len; i++)
	{
		char		c = actor[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-'))
			return false;
	}
	return true;
}

/*
 * ClaimString
 *		The string value of a top-level claim of a parsed JWT claims object,
 *		copied into TopMemoryContext; NULL when absent or JSON null.  A claim
 *		of another JSON type is reported as its text so the caller's
 *		validation names it.
 */
static char *
ClaimString(Jsonb *claims, const char *name)
{
	JsonbValue *value;
	char	   *result;

	if (!JB_ROOT_IS_OBJECT(claims))
		return NULL;
	value = getKeyJsonValueFromContainer(&claims->root, name, strlen(name), NULL);
	if (value == NULL || value->type == jbvNull)
		return NULL;
	if (value->type == jbvString)
		result = pnstrdup(value->val.string.val, value->val.string.len);
	else
	{
		Jsonb	   *scalar = JsonbValueToJsonb(value);

		result = JsonbToCString(NULL, &scalar->root, VARSIZE(scalar));
	}
	return MemoryContextStrdup(TopMemoryContext, result);
}

/*
 * GetParsedClaims
 *		PostgREST's request.jwt.claims, parsed; NULL when unset or empty.
 */
static ParsedClaims *
GetParsedClaims(void)
{
	const char *text = GetConfigOption(POSTGREST_CLAIMS, true, false);
	Jsonb	   *claims;

	if (text == NULL || text[0] == '\0')
		return NULL;

	if (parsed_claims.text != NULL &&
		strcmp(parsed_claims.text, text) == 0 &&
		strcmp(parsed_claims.org_claim_name, task_outputs_jwt_org_claim) == 0)
		return &parsed_claims;

	/* forget the previous parse before anything can fail */
	if (parsed_claims.text)
		pfree(parsed_claims.text);
	if (parsed_claims.org_claim_name)
		pfree(parsed_claims.org_claim_name);
	if (parsed_claims.org_id)
		pfree(parsed_claims.org_id);
	if (parsed_claims.sub)
		pfree(parsed_claims.sub);
	memset(&parsed_claims, 0, sizeof(parsed_claims));

	claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
	parsed_claims.org_id = ClaimString(claims, task_outputs_jwt_org_claim);
	parsed_claims.sub = ClaimString(claims, ACTOR_CLAIM);
	parsed_claims.org_claim_name = MemoryContextStrdup(TopMemoryContext,
													   task_outputs_jwt_org_claim);
	parsed_claims.text = MemoryContextStrdup(TopMemoryContext, text);
	return &parsed_claims;
}

/*
 * PostGraphileClaim
 *		PostGraphile's jwt.claims.<name> setting; NULL when unset or empty.
 */
static const char *
PostGraphileClaim(const char *name)
{
	char		setting[NAMEDATALEN * 2];
	const char *value;

	snprintf(setting, sizeof(setting), POSTGRAPHILE_CLAIM_PREFIX "%s", name);
	value = GetConfigOption(setting, true, false);
	if (value == NULL || value[0] == '\0')
		return NULL;
	return value;
}

/*
 * ParseOrgId
 *		Parse the organization id found in source, or fail with 22P02.
 */
static void
ParseOrgId(const char *value, const char *source, pg_uuid_t *org_id)
{
	if (!ParseUuid(value, org_id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid organization id in %s", source),
				 errdetail("\"%s\" is not a UUID.", value),
				 errhint("Set %s to the UUID of an organization, or leave it unset.",
						 source)));
}

/*
 * GetCurrentOrgId
 *		Fill *org_id with the organization in force and return true, or
 *		return false when none is set.
 */
bool
GetCurrentOrgId(pg_uuid_t *org_id)
{
	ParsedClaims *claims;
	const char *value;

	if (task_outputs_org_id != NULL && task_outputs_org_id[0] != '\0')
	{
		ParseOrgId(task_outputs_org_id, "task_outputs.org_id", org_id);
		return true;
	}

	claims = GetParsedClaims();
	if (claims != NULL && claims->org_id != NULL)
	{
		char		source[NAMEDATALEN * 2];

		snprintf(source, sizeof(source), "the \"%s\" claim of " POSTGREST_CLAIMS,
				 task_outputs_jwt_org_claim);
		ParseOrgId(claims->org_id, source, org_id);
		return true;
	}

	value = PostGraphileClaim(task_outputs_jwt_org_claim);
	if (value != NULL)
	{
		char		source[NAMEDATALEN * 2];

		snprintf(source, sizeof(source), POSTGRAPHILE_CLAIM_PREFIX "%s",
				 task_outputs_jwt_org_claim);
		ParseOrgId(value, source, org_id);
		return true;
	}
	return false;
}

/*
 * GetAuthorizedOrgId
 *		Fill *org_id with the organization in force and return true when the
 *		current role may act for it; return false when none is set or the
 *		role may not.  Never raises for a refused organization: this is what
 *		row-level security sees.
 */
bool
GetAuthorizedOrgId(pg_uuid_t *org_id)
{
	return GetCurrentOrgId(org_id) && RoleMayActFor(org_id);
}

/*
 * RequireAuthorizedOrgId
 *		The organization in force, checked: 42501 with a hint when none is
 *		set, or when the current role may not act for it.  Every API entry
 *		point calls this before anything else.
 */
void
RequireAuthorizedOrgId(pg_uuid_t *org_id)
{
	if (!GetCurrentOrgId(org_id))
		ReportNoTenant();
	if (!RoleMayActFor(org_id))
		ReportOrganizationNotGranted(org_id);
}

/*
 * GetCurrentActor
 *		Who is making a change: task_outputs.actor (validated when set), else
 *		the JWT sub claim, else "system".  A sub claim that is not a valid
 *		actor is an error rather than being stamped as is.
 */
const char *
GetCurrentActor(void)
{
	ParsedClaims *claims;
	const char *sub = NULL;

	if (task_outputs_actor != NULL && task_outputs_actor[0] != '\0')
		return task_outputs_actor;

	claims = GetParsedClaims();
	if (claims != NULL && claims->sub != NULL)
		sub = claims->sub;
	else
		sub = PostGraphileClaim(ACTOR_CLAIM);

	if (sub == NULL)
		return "system";
	if (!IsValidActor(sub))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid actor in the JWT \"%s\" claim", ACTOR_CLAIM),
				 errdetail("\"%s\" is not \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.",
						   sub),
				 errhint("Set task_outputs.actor, or issue tokens whose \"%s\" claim is a user id.",
						 ACTOR_CLAIM)));
	return sub;
}

/*
 * current_org_id
 *		SQL: the organization in force, or NULL when none is set.
 */
Datum
current_org_id(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *org_id = palloc(sizeof(pg_uuid_t));

	if (!GetCurrentOrgId(org_id))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(org_id);
}

/*
 * authorized_org_id
 *		SQL: the organization in force when the current role may act for it,
 *		else NULL.  The row-level security policies are keyed on it.
 */
Datum
authorized_org_id(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *org_id = palloc(sizeof(pg_uuid_t));

	if (!GetAuthorizedOrgId(org_id))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(org_id);
}
