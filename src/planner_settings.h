/*-------------------------------------------------------------------------
 *
 * planner_settings.h
 *		The planner settings the extension's statements are planned under.
 *
 * src/planner_settings.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef TASK_OUTPUTS_PLANNER_SETTINGS_H
#define TASK_OUTPUTS_PLANNER_SETTINGS_H

extern void PinPlannerSettings(bool index_scan);

#endif							/* TASK_OUTPUTS_PLANNER_SETTINGS_H */
