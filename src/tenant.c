/*-------------------------------------------------------------------------
 *
 * tenant.c
 *		Who is asking: the organization in force and the actor, and the
 *		settings they come from.
 *
 * The organization in force comes from, in order:
 *	1. task_outputs.org_id, when the session set it (SET, SET LOCAL,
 *	   set_config(), a function's SET clause, the connection's options);
 *	2. the org claim of PostgREST's request.jwt.claims JSON, then
 *	   PostGraphile's jwt.claims.<claim> setting, when the session set them;
 *	3. task_outputs.org_id from a default (postgresql.conf, ALTER DATABASE
 *	   or ALTER ROLE ... SET), only when the session set no claims at all.
 * So a default, which a database owner or the role itself may set, never
 * overrides the claims a gateway verified and set for the request, nor
 * stands in for an organization the claims do not name; and a claims
 * setting that holds a default (not set by the session, whatever its
 * value; guc_source.c) is no claim at all.  An empty value counts as
 * unset; a value that is not a UUID is an error, never a silent "no
 * tenant" or another tenant.
 *
 * The actor (last_modified_by) follows the same order: task_outputs.actor
 * set by the session, the claims' sub, task_outputs.actor from a default
 * when the session set no claims, else "system".
 *
 * The settings' check hooks parse the value once and keep, in the
 * setting's "extra", the UUID and whether the session set it (from the
 * GucSource of the assignment); the assign hooks point at it.  A value
 * given before the library was loaded, which PostgreSQL hands to the check
 * hook when the library defines the setting, is accepted then even if it
 * is invalid, and marked so in its extra: the first call that uses it
 * raises the error a SET would have (settings.c), and the mark stays with
 * the value wherever PostgreSQL keeps it -- the session's value under a
 * SET LOCAL comes back, still invalid, when the transaction ends.
 * Gateways set the claims per transaction, so only the parse of the last
 * claims text is cached, keyed by that text, in TopMemoryContext.
 *
 * This file says who the caller claims to act for; whether the caller may
 * is authorization.c's question.
 *
 * src/tenant.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "compat.h"
#include "guc_source.h"
#include "settings.h"
#include "tenant.h"

PG_FUNCTION_INFO_V1(current_org_id);

#define ORG_ID_SETTING		"task_outputs.org_id"
#define ORG_CLAIM_SETTING	"task_outputs.jwt_org_claim"
#define ACTOR_SETTING		"task_outputs.actor"
#define POSTGREST_CLAIMS	"request.jwt.claims"
#define POSTGRAPHILE_CLAIM_PREFIX "jwt.claims."
#define ACTOR_CLAIM			"sub"

/* The parsed value of a setting of this file */
typedef struct TenantSetting
{
	bool		set;			/* not empty */
	bool		from_session;	/* set by the session, not a default */
	bool		invalid;		/* given before load, and not valid */
	int			sqlerrcode;		/* if invalid: what a SET would raise */
	pg_uuid_t	org_id;			/* task_outputs.org_id only */
} TenantSetting;

static char *org_id_text = NULL;
static char *org_claim_name = NULL;
static char *actor_text = NULL;
static TenantSetting *org_id_setting = NULL;
static TenantSetting *org_claim_setting = NULL;
static TenantSetting *actor_setting = NULL;

/* Claims of the last request.jwt.claims text seen, parsed */
typedef struct ParsedClaims
{
	char	   *claims_json;	/* the setting's value */
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

static bool
IsUuidText(const char *value)
{
	pg_uuid_t	uuid;

	return ParseUuid(value, &uuid);
}

/*
 * IsValidActor
 *		True for "system", a UUID, or an integration identifier matching
 *		^[a-z][a-z0-9_-]{0,62}$ ("system" is one of those too).
 */
bool
IsValidActor(const char *actor)
{
	size_t		len = strlen(actor);
	size_t		i;

	if (len == 36 && IsUuidText(actor))
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
 * IsValidClaimName
 *		A JWT claim name is a non-empty identifier of letters, digits, "_"
 *		and "-": it is also the last part of PostGraphile's jwt.claims.<name>.
 */
static bool
IsValidClaimName(const char *name)
{
	const char *p;

	if (name[0] == '\0')
		return false;
	for (p = name; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	}
	return true;
}

/*
 * NewTenantSetting
 *		The "extra" of a tenant setting, allocated the way the GUC machinery
 *		frees it (compat.h); NULL when out of memory.
 */
static TenantSetting *
NewTenantSetting(const char *value, GucSource source)
{
	TenantSetting *setting = CompatGucMalloc(sizeof(TenantSetting));

	if (setting == NULL)
		return NULL;
	memset(setting, 0, sizeof(TenantSetting));
	setting->set = (value != NULL && value[0] != '\0');
	/* a session's own values; a client's startup options are its own too */
	setting->from_session = (source >= PGC_S_CLIENT);
	return setting;
}

/*
 * CheckTenantSetting
 *		The check hook's work for a setting whose values valid() accepts
 *		(and the empty value, which means unset, when empty_valid): an
 *		invalid value is refused with sqlerrcode and a detail (detail_fmt,
 *		given the value), except while the library defines its settings,
 *		when it is kept and marked.
 */
static bool
CheckTenantSetting(char **newval, void **extra, GucSource source,
				   SettingValidator valid, bool empty_valid, int sqlerrcode,
				   const char *detail_fmt)
{
	TenantSetting *setting;
	bool		empty = (*newval == NULL || (*newval)[0] == '\0');
	bool		invalid = empty ? !empty_valid : !valid(*newval);

	if (invalid && !DefiningSettings())
	{
		GUC_check_errcode(sqlerrcode);
		GUC_check_errdetail(detail_fmt, *newval);
		return false;
	}
	setting = NewTenantSetting(*newval, source);
	if (setting == NULL)
		return false;
	setting->invalid = invalid;
	setting->sqlerrcode = sqlerrcode;
	*extra = setting;
	return true;
}

/*
 * RequireValidTenantSetting
 *		The error of a setting's value given before load, if it is invalid.
 */
static void
RequireValidTenantSetting(const char *name, const TenantSetting *setting,
						  const char *value)
{
	if (setting != NULL && setting->invalid)
		ReportInvalidEarlyValue(name, value, setting->sqlerrcode);
}

static bool
CheckOrgIdSetting(char **newval, void **extra, GucSource source)
{
	TenantSetting *setting;

	if (!CheckTenantSetting(newval, extra, source, IsUuidText, true,
							ERRCODE_INVALID_TEXT_REPRESENTATION,
							"\"%s\" is not a UUID."))
		return false;
	setting = (TenantSetting *) *extra;
	if (setting->set && !setting->invalid)
		(void) ParseUuid(*newval, &setting->org_id);
	return true;
}

static void
AssignOrgIdSetting(const char *newval, void *extra)
{
	org_id_setting = (TenantSetting *) extra;
}

static bool
CheckActorSetting(char **newval, void **extra, GucSource source)
{
	return CheckTenantSetting(newval, extra, source, IsValidActor, true,
							  ERRCODE_INVALID_PARAMETER_VALUE,
							  "An actor is \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.");
}

static void
AssignActorSetting(const char *newval, void *extra)
{
	actor_setting = (TenantSetting *) extra;
}

static bool
CheckClaimNameSetting(char **newval, void **extra, GucSource source)
{
	return CheckTenantSetting(newval, extra, source, IsValidClaimName, false,
							  ERRCODE_INVALID_PARAMETER_VALUE,
							  "A claim name consists of letters, digits, \"_\" and \"-\".");
}

static void
AssignClaimNameSetting(const char *newval, void *extra)
{
	org_claim_setting = (TenantSetting *) extra;
}

/*
 * TenantInit
 *		Define the settings of this module; called by _PG_init.
 */
void
TenantInit(void)
{
	DefineCustomStringVariable(ORG_ID_SETTING,
							   "The organization this session acts for.",
							   "Empty means: take it from the JWT claims of the gateway.",
							   &org_id_text,
							   "",
							   PGC_USERSET,
							   0,
							   CheckOrgIdSetting, AssignOrgIdSetting, NULL);

	DefineCustomStringVariable(ORG_CLAIM_SETTING,
							   "The JWT claim that holds the organization id.",
							   "Read from PostgREST's request.jwt.claims and PostGraphile's jwt.claims.<claim>.",
							   &org_claim_name,
							   "org_id",
							   PGC_SUSET,
							   0,
							   CheckClaimNameSetting, AssignClaimNameSetting, NULL);

	DefineCustomStringVariable(ACTOR_SETTING,
							   "Who is making changes, stamped into last_modified_by.",
							   "Empty means: the JWT sub claim, else \"system\".",
							   &actor_text,
							   "",
							   PGC_USERSET,
							   0,
							   CheckActorSetting, AssignActorSetting, NULL);
}

const char *
JwtOrgClaimName(void)
{
	RequireValidTenantSetting(ORG_CLAIM_SETTING, org_claim_setting, org_claim_name);
	return org_claim_name != NULL ? org_claim_name : "org_id";
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
 * SessionClaims
 *		PostgREST's request.jwt.claims as set by the session, parsed; NULL
 *		when the session did not set them.
 */
static ParsedClaims *
SessionClaims(void)
{
	const char *claims_json = SessionSetValue(POSTGREST_CLAIMS);
	Jsonb	   *claims;

	if (claims_json == NULL)
		return NULL;

	if (parsed_claims.claims_json != NULL &&
		strcmp(parsed_claims.claims_json, claims_json) == 0 &&
		strcmp(parsed_claims.org_claim_name, JwtOrgClaimName()) == 0)
		return &parsed_claims;

	/* forget the previous parse before anything can fail */
	if (parsed_claims.claims_json)
		pfree(parsed_claims.claims_json);
	if (parsed_claims.org_claim_name)
		pfree(parsed_claims.org_claim_name);
	if (parsed_claims.org_id)
		pfree(parsed_claims.org_id);
	if (parsed_claims.sub)
		pfree(parsed_claims.sub);
	memset(&parsed_claims, 0, sizeof(parsed_claims));

	claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims_json)));
	parsed_claims.org_id = ClaimString(claims, JwtOrgClaimName());
	parsed_claims.sub = ClaimString(claims, ACTOR_CLAIM);
	parsed_claims.org_claim_name = MemoryContextStrdup(TopMemoryContext,
													   JwtOrgClaimName());
	parsed_claims.claims_json = MemoryContextStrdup(TopMemoryContext, claims_json);
	return &parsed_claims;
}

/*
 * SessionPostGraphileClaim
 *		PostGraphile's jwt.claims.<name> as set by the session, or NULL.
 */
static const char *
SessionPostGraphileClaim(const char *name)
{
	char		setting[NAMEDATALEN * 2];

	snprintf(setting, sizeof(setting), POSTGRAPHILE_CLAIM_PREFIX "%s", name);
	return SessionSetValue(setting);
}

/*
 * SessionSetClaims
 *		Whether the session set JWT claims of a gateway, whatever they name:
 *		PostgREST's request.jwt.claims, or one of the claims PostGraphile
 *		sets as jwt.claims.<claim> for every token (its audience, role and
 *		subject) or the organization claim.
 */
static bool
SessionSetClaims(void)
{
	static const char *const postgraphile_claims[] = {"aud", "role", ACTOR_CLAIM};
	int			i;

	if (SessionClaims() != NULL ||
		SessionPostGraphileClaim(JwtOrgClaimName()) != NULL)
		return true;
	for (i = 0; i < lengthof(postgraphile_claims); i++)
		if (SessionPostGraphileClaim(postgraphile_claims[i]) != NULL)
			return true;
	return false;
}

/*
 * ParseClaimedOrgId
 *		Parse the organization id found in a claim, or fail with 22P02.
 */
static void
ParseClaimedOrgId(const char *value, const char *source, pg_uuid_t *org_id)
{
	if (!ParseUuid(value, org_id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid organization id in %s", source),
				 errdetail("\"%s\" is not a UUID.", value),
				 errhint("Issue tokens whose \"%s\" claim is the UUID of an organization.",
						 JwtOrgClaimName())));
}

/*
 * GetCurrentOrgId
 *		Fill *org_id with the organization in force and return true, or
 *		return false when none is set.  See the file header for the order.
 */
bool
GetCurrentOrgId(pg_uuid_t *org_id)
{
	ParsedClaims *claims;
	const char *value;
	char		source[NAMEDATALEN * 3];

	RequireValidTenantSetting(ORG_ID_SETTING, org_id_setting, org_id_text);
	if (org_id_setting != NULL && org_id_setting->set && org_id_setting->from_session)
	{
		*org_id = org_id_setting->org_id;
		return true;
	}

	claims = SessionClaims();
	if (claims != NULL && claims->org_id != NULL)
	{
		snprintf(source, sizeof(source), "the \"%s\" claim of " POSTGREST_CLAIMS,
				 JwtOrgClaimName());
		ParseClaimedOrgId(claims->org_id, source, org_id);
		return true;
	}

	value = SessionPostGraphileClaim(JwtOrgClaimName());
	if (value != NULL)
	{
		snprintf(source, sizeof(source), POSTGRAPHILE_CLAIM_PREFIX "%s",
				 JwtOrgClaimName());
		ParseClaimedOrgId(value, source, org_id);
		return true;
	}

	if (org_id_setting != NULL && org_id_setting->set && !SessionSetClaims())
	{
		*org_id = org_id_setting->org_id;
		return true;
	}
	return false;
}

/*
 * GetCurrentActor
 *		Who is making a change: see the file header for the order.  A sub
 *		claim that is not a valid actor is an error rather than being
 *		stamped as is.
 */
const char *
GetCurrentActor(void)
{
	ParsedClaims *claims;
	const char *sub;

	RequireValidTenantSetting(ACTOR_SETTING, actor_setting, actor_text);
	if (actor_setting != NULL && actor_setting->set && actor_setting->from_session)
		return actor_text;

	claims = SessionClaims();
	if (claims != NULL && claims->sub != NULL)
		sub = claims->sub;
	else
		sub = SessionPostGraphileClaim(ACTOR_CLAIM);

	if (sub != NULL)
	{
		if (!IsValidActor(sub))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid actor in the JWT \"%s\" claim", ACTOR_CLAIM),
					 errdetail("\"%s\" is not \"system\", a UUID, or an identifier matching ^[a-z][a-z0-9_-]{0,62}$.",
							   sub),
					 errhint("Set \"%s\", or issue tokens whose \"%s\" claim is a user id.",
							 ACTOR_SETTING, ACTOR_CLAIM)));
		return sub;
	}

	if (actor_setting != NULL && actor_setting->set && !SessionSetClaims())
		return actor_text;
	return "system";
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
