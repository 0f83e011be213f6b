/* Surveys inside the polls plugin: the /survey command, its tables and its events. polls.c
 * owns the descriptor and hands survey events here. */
#ifndef KITH_POLLS_SURVEY_H
#define KITH_POLLS_SURVEY_H

#include <stdbool.h>

#include <kith/plugin.h>

/* The /survey command (create, add, open, close, results, export, list). polls.c builds its
 * entry of the descriptor's command table from these, so the table stays constant data; the
 * explicit size makes the compiler check the definition's count (see survey.c). */
#define SURVEY_COMMAND_NAME "survey"
#define SURVEY_COMMAND_DESCRIPTION "surveys: several questions, answered step by step"
#define SURVEY_COMMAND_ROLE KITH_ROLE_MANAGER
#define SURVEY_SUBCOMMAND_COUNT 7
extern const struct kith_subcommand_decl survey_subcommands[SURVEY_SUBCOMMAND_COUNT];

/* Migration 2 of the polls plugin: the survey tables (polls_survey*). */
extern const char survey_schema_sql[];

/* Handles the event when it belongs to surveys (the /survey command, a component or form id
 * starting with "s:", a reply to a survey question); returns false when it is not a survey's.
 * host is the table polls.c received in init (borrowed). */
bool survey_handle_event(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                         const struct kith_event *ev);

/* Handles a job whose kind starts with "survey_"; returns false for other kinds. */
bool survey_handle_job(struct kith_plugin_ctx *ctx, const struct kith_host *host,
                       const struct kith_job *job);

#endif
