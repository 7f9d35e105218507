/*-------------------------------------------------------------------------
 *
 * catalog.h
 *		The extension's own objects, found through the catalog: its schema,
 *		its tables and the role its statements run as.
 *
 * src/catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_CATALOG_H
#define TASK_OUTPUTS_CATALOG_H

/* Names fixed by the control file and the install script */
#define EXTENSION_NAME		"task_outputs"
#define EXTENSION_SCHEMA	"task_outputs"
#define SERVICE_ROLE		"task_outputs_service"
#define READER_ROLE			"task_outputs_reader"
#define WRITER_ROLE			"task_outputs_writer"
#define ADMIN_ROLE			"task_outputs_admin"
#define GATEWAY_ROLE		"task_outputs_gateway"

extern Oid	ExtensionSchema(void);
extern Oid	ExtensionOwner(void);
extern void RequireExtensionSchema(void);
extern Oid	ExtensionRelation(const char *relname);
extern Oid	ServiceRole(void);
extern bool IsServiceRole(Oid roleid);

#endif							/* TASK_OUTPUTS_CATALOG_H */
