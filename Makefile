# task_outputs/Makefile

MODULE_big = task_outputs
OBJS = \
	src/task_outputs.o \
	src/tenant.o \
	src/grants.o \
	src/uuid7.o \
	src/json_text.o \
	src/mapped_memory.o \
	src/render.o \
	src/filters.o \
	src/receivers.o \
	src/list.o \
	src/get.o \
	src/write.o \
	src/rules.o \
	src/errors.o \
	src/query.o \
	src/triggers.o \
	src/flow_executions.o \
	src/supersede.o \
	src/status.o \
	src/audit.o \
	src/purge.o

EXTENSION = task_outputs
DATA = task_outputs--0.1.0.sql
PGFILEDESC = "task_outputs - the Task Outputs service inside PostgreSQL"

REGRESS = install model uuid7 tenant grants record list read_api mismatch trusted_load status

# pg_isolation_regress: concurrent sessions (specs/, expected/)
ISOLATION = status_race supersede_race purge_restore
ISOLATION_OPTS = --load-extension=task_outputs

PG_CPPFLAGS = -I$(srcdir)/src -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
