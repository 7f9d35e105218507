# task_outputs/Makefile

MODULE_big = task_outputs
# JSON_TEXT=core renders jsonb and strings through the server's own
# functions instead of the fast renderer (see CONTRIBUTING.md)
JSON_TEXT ?= fast

OBJS = \
	src/task_outputs.o \
	src/settings.o \
	src/errors.o \
	src/catalog.o \
	src/guc_source.o \
	src/tenant.o \
	src/authorization.o \
	src/grants.o \
	src/planner_settings.o \
	src/query.o \
	src/uuid7.o \
	src/status.o \
	src/rules.o \
	src/task_output.o \
	src/json_buffer.o \
	src/json_text/$(JSON_TEXT).o \
	src/render.o \
	src/receivers.o \
	src/filters.o \
	src/list.o \
	src/export.o \
	src/get.o \
	src/write.o \
	src/triggers.o \
	src/flow_executions.o \
	src/outputs_triggers.o \
	src/supersede.o \
	src/audit.o \
	src/purge.o \
	src/distribution.o \
	src/internal.o \
	src/local_shards.o \
	src/delegation.o

EXTENSION = task_outputs
DATA = task_outputs--0.1.0.sql task_outputs--0.2.0.sql task_outputs--0.1.0--0.2.0.sql
PGFILEDESC = "task_outputs - the Task Outputs service inside PostgreSQL"

REGRESS = install model uuid7 tenant grants record list read_api mismatch trusted_load status settings_before_load install_schema_owner session_defaults claims_equal_to_default service_role

# pg_isolation_regress: concurrent sessions (specs/, expected/)
ISOLATION = status_race supersede_race purge_restore read_arguments_invalidation
ISOLATION_OPTS = --load-extension=task_outputs

# the library's version, which distribute() checks on every node: the
# control file's default version when it was built (set before PGXS is
# included, which expands PG_CPPFLAGS then)
LIBRARY_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(dir $(firstword $(MAKEFILE_LIST)))task_outputs.control)

PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/src/json_text -Wall -Wextra -Werror \
	-DTASK_OUTPUTS_VERSION='"$(LIBRARY_VERSION)"' \
	-Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# installcheck-pgtap: the pgTAP suite (test/*.sql) with pg_prove, in a
# scratch database of the running server that PGHOST, PGPORT and PGUSER
# name (pgTAP must be installed into that server's extension directory).
# PGTAP_TESTS picks files.
PG_PROVE ?= pg_prove
PGTAP_DATABASE ?= task_outputs_pgtap
PGTAP_TESTS ?= $(srcdir)/test/*.sql

.PHONY: installcheck-pgtap
installcheck-pgtap:
	$(bindir)/dropdb --if-exists $(PGTAP_DATABASE)
	$(bindir)/createdb $(PGTAP_DATABASE)
	$(bindir)/psql -X -q -v ON_ERROR_STOP=1 -d $(PGTAP_DATABASE) \
		-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION task_outputs'
	$(PG_PROVE) --psql-bin $(bindir)/psql -d $(PGTAP_DATABASE) $(PGTAP_TESTS)

# installcheck-tap: the Perl TAP tests (t/*.pl), which start clusters of
# their own from the installed server's binaries; PostgreSQL's test modules
# refuse to run as root.  PROVE_TESTS picks tests, PROVE_FLAGS adds flags.
.PHONY: installcheck-tap
installcheck-tap:
	$(prove_installcheck)

# dist: the release archive of the committed tree (HEAD), as PGXN takes it;
# .gitattributes leaves out what only developers use.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(srcdir)/task_outputs.control)
DIST_NAME = $(EXTENSION)-$(EXTVERSION)

.PHONY: dist
dist:
	git -C $(srcdir) archive --format=zip --prefix=$(DIST_NAME)/ -o $(abspath $(DIST_NAME).zip) HEAD
