/* Plugins' statements on the shared store, and the authorizer that confines each plugin's
 * writes (and schema changes) to the tables named after it. */
#include "store/plugin_db.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "store/store_internal.h"

#define PLUGIN_NAME_MAX 32

struct kith_stmt {
    struct kith_store *store;
    sqlite3_stmt *raw;
    bool has_row;
    struct kith_stmt *prev, *next;
    char plugin[PLUGIN_NAME_MAX + 1];
};

bool kith_plugin_db_name_valid(const char *name)
{
    static const char *const reserved[] = {"core", "kith", "sqlite"};
    if (name == NULL || name[0] < 'a' || name[0] > 'z' || strlen(name) > PLUGIN_NAME_MAX)
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return false;
    return true;
}

/* ---- The authorizer. ---- */

/* Records the first refusal of the statement (the one worth reporting) and denies. */
__attribute__((format(printf, 2, 3))) static int refuse(struct store_guard *g, const char *fmt, ...)
{
    if (g->refusal[0] == '\0') {
        int n = snprintf(g->refusal, sizeof g->refusal, "plugin \"%s\" ", g->plugin);
        va_list ap;
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < sizeof g->refusal)
            vsnprintf(g->refusal + n, sizeof g->refusal - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return SQLITE_DENY;
}

static bool owned(const struct store_guard *g, const char *name)
{
    size_t len = strlen(g->plugin);
    return name != NULL && strncasecmp(name, g->plugin, len) == 0 && name[len] == '_';
}

/* The schema tables are written only through DDL: SQLite itself refuses direct writes while
 * writable_schema is off, and setting it is a PRAGMA write, which is refused. */
static bool is_schema_table(const char *name)
{
    return name != NULL &&
           (strcasecmp(name, "sqlite_master") == 0 || strcasecmp(name, "sqlite_schema") == 0 ||
            strcasecmp(name, "sqlite_temp_master") == 0 ||
            strcasecmp(name, "sqlite_temp_schema") == 0);
}

static int check_table(struct store_guard *g, const char *table)
{
    if (owned(g, table))
        return SQLITE_OK;
    return refuse(g, "may only write tables named %s_*; \"%s\" refused", g->plugin,
                  table != NULL ? table : "?");
}

static int check_write(struct store_guard *g, const char *table)
{
    if (is_schema_table(table))
        return SQLITE_OK;
    /* Dropping or renaming an AUTOINCREMENT table updates its sqlite_sequence row. */
    if (g->own_ddl && table != NULL && strcasecmp(table, "sqlite_sequence") == 0)
        return SQLITE_OK;
    return check_table(g, table);
}

/* SQLite names the indexes behind PRIMARY KEY and UNIQUE itself; user SQL cannot create
 * sqlite_* names, so such a name always comes from the engine. */
static bool is_engine_name(const char *name)
{
    return name != NULL && strncasecmp(name, "sqlite_", 7) == 0;
}

static int check_object(struct store_guard *g, const char *kind, const char *name,
                        const char *table)
{
    if (!owned(g, name) && !is_engine_name(name))
        return refuse(g, "may only create objects named %s_*; %s \"%s\" refused", g->plugin, kind,
                      name != NULL ? name : "?");
    return table != NULL ? check_table(g, table) : SQLITE_OK;
}

static int check_pragma(struct store_guard *g, const char *name, const char *arg)
{
    /* Introspection that takes a table name, and settings that are only read. */
    static const char *const with_table[] = {
        "table_info",       "table_xinfo",       "index_list",      "index_info", "index_xinfo",
        "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check"};
    static const char *const read_only[] = {
        "foreign_keys",    "journal_mode",   "page_count",    "page_size",      "freelist_count",
        "data_version",    "schema_version", "user_version",  "application_id", "encoding",
        "compile_options", "table_list",     "database_list", "function_list",  "collation_list",
        "module_list",     "pragma_list"};
    for (size_t i = 0; name != NULL && i < sizeof with_table / sizeof with_table[0]; i++)
        if (strcasecmp(name, with_table[i]) == 0)
            return SQLITE_OK;
    for (size_t i = 0; name != NULL && arg == NULL && i < sizeof read_only / sizeof read_only[0];
         i++)
        if (strcasecmp(name, read_only[i]) == 0)
            return SQLITE_OK;
    return refuse(g, "may not run PRAGMA %s (only read-only introspection is allowed)",
                  name != NULL ? name : "?");
}

static int check_ddl(struct store_guard *g, int op, const char *a1, const char *a2)
{
    switch (op) {
    case SQLITE_CREATE_TABLE:
    case SQLITE_CREATE_TEMP_TABLE:
        if (is_engine_name(a1)) /* sqlite_sequence, created with an AUTOINCREMENT table */
            return SQLITE_OK;
        return check_table(g, a1);
    case SQLITE_CREATE_VTABLE: return check_table(g, a1);
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_TEMP_VIEW: return check_object(g, "view", a1, NULL);
    case SQLITE_CREATE_INDEX:
    case SQLITE_CREATE_TEMP_INDEX: return check_object(g, "index", a1, a2);
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_TEMP_TRIGGER: return check_object(g, "trigger", a1, a2);
    case SQLITE_DROP_TABLE:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_VTABLE:
    case SQLITE_ALTER_TABLE: {
        int rc = check_table(g, op == SQLITE_ALTER_TABLE ? a2 : a1);
        g->own_ddl = g->own_ddl || rc == SQLITE_OK;
        return rc;
    }
    case SQLITE_DROP_VIEW:
    case SQLITE_DROP_TEMP_VIEW: return check_object(g, "view", a1, NULL);
    case SQLITE_DROP_INDEX:
    case SQLITE_DROP_TEMP_INDEX:
    case SQLITE_DROP_TRIGGER:
    case SQLITE_DROP_TEMP_TRIGGER: return check_table(g, a2);
    default: return refuse(g, "may not run this statement (authorizer action %d)", op);
    }
}

static bool core_name(const char *name)
{
    return name != NULL && strncasecmp(name, "kith_", 5) == 0;
}

/* Core statements run unconfined, but one can fire a plugin's trigger (a foreign-key cascade
 * from kith_servers into a plugin table): that trigger's body must not write core tables. */
static int check_core_statement(struct store_guard *g, int op, const char *table,
                                const char *trigger)
{
    bool writes = op == SQLITE_INSERT || op == SQLITE_UPDATE || op == SQLITE_DELETE;
    if (!writes || trigger == NULL || core_name(trigger) || !core_name(table))
        return SQLITE_OK;
    if (g->refusal[0] == '\0')
        snprintf(g->refusal, sizeof g->refusal, "trigger \"%s\" may not write core table \"%s\"",
                 trigger, table);
    return SQLITE_DENY;
}

static int authorize(void *ud, int op, const char *a1, const char *a2, const char *db_name,
                     const char *trigger)
{
    struct store_guard *g = &((struct kith_store *)ud)->guard;
    if (g->plugin == NULL)
        return check_core_statement(g, op, a1, trigger);
    switch (op) {
    case SQLITE_READ:
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE: return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (a2 != NULL && strcmp(a2, "sqlite_rename_table") == 0)
            g->renames = true;
        return SQLITE_OK;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE: return check_write(g, a1);
    case SQLITE_PRAGMA: return check_pragma(g, a1, a2);
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
        return refuse(g, "may not run %s in SQL; use db_begin, db_commit and db_rollback",
                      a1 != NULL ? a1 : "a transaction statement");
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        return refuse(g, "may not %s databases", op == SQLITE_ATTACH ? "ATTACH" : "DETACH");
    case SQLITE_REINDEX:
        /* CREATE INDEX asks for this too, naming the new index. */
        if (owned(g, a1) || is_engine_name(a1))
            return SQLITE_OK;
        return refuse(g, "may only rebuild indexes named %s_*; \"%s\" refused", g->plugin,
                      a1 != NULL ? a1 : "?");
    case SQLITE_ANALYZE: return refuse(g, "may not run ANALYZE");
    default: return check_ddl(g, op, a1, a2);
    }
}

void kith_store_guard_install(struct kith_store *store)
{
    sqlite3_set_authorizer(store->db, authorize, store);
}

const char *kith_store_guard_refusal(const struct kith_store *store)
{
    return store->guard.refusal;
}

/* ---- Reading SQL text: where a statement ends, and the new name of a renamed table. ---- */

/* Skips whitespace and comments; returns the start of the next token. */
static const char *skip_blank(const char *p, const char *end)
{
    while (p < end) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
            while (p < end && *p != '\n')
                p++;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            const char *close = strstr(p + 2, "*/");
            p = close != NULL && close < end ? close + 2 : end;
        } else {
            break;
        }
    }
    return p;
}

bool kith_store_sql_tail_empty(const char *tail)
{
    if (tail == NULL)
        return true;
    const char *end = tail + strlen(tail);
    for (const char *p = skip_blank(tail, end); p < end; p = skip_blank(p, end)) {
        if (*p != ';')
            return false;
        p++;
    }
    return true;
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Copies the last token of sql[0..end) into out, unquoted. SQLite has already parsed the
 * statement as ALTER TABLE ... RENAME TO <name>, so the last token is the new name. */
static void last_token(const char *sql, const char *end, char *out, size_t size)
{
    const char *start = NULL, *stop = NULL;
    char quote = 0;
    for (const char *p = skip_blank(sql, end); p < end; p = skip_blank(p, end)) {
        char q = *p == '[' ? ']' : (*p == '"' || *p == '`' || *p == '\'') ? *p : 0;
        const char *t = p++;
        if (q != 0) {
            while (p < end) {
                if (*p != q) {
                    p++;
                } else if (q != ']' && p + 1 < end && p[1] == q) {
                    p += 2; /* a doubled quote inside the name */
                } else {
                    p++;
                    break;
                }
            }
        } else if (is_ident_char(*t)) {
            while (p < end && is_ident_char(*p))
                p++;
        }
        if (*t != ';')
            start = t, stop = p, quote = q;
    }
    size_t n = 0;
    if (start != NULL) {
        const char *from = quote != 0 ? start + 1 : start;
        const char *to = quote != 0 && stop > from ? stop - 1 : stop;
        for (const char *c = from; c < to && n + 1 < size; c++) {
            out[n++] = *c;
            if (quote != 0 && quote != ']' && *c == quote && c + 1 < to)
                c++; /* a doubled quote stands for one */
        }
    }
    out[n] = '\0';
}

/* ---- Guarded prepare and step, shared with migrations and buffered writes. ---- */

static const char *guard_enter(struct kith_store *store, const char *plugin)
{
    const char *saved = store->guard.plugin;
    store->guard.plugin = plugin;
    store->guard.own_ddl = false;
    store->guard.renames = false;
    store->guard.refusal[0] = '\0';
    return saved;
}

kith_err kith_store_prepare_guarded(struct kith_store *store, const char *plugin, const char *sql,
                                    sqlite3_stmt **stmt_out, const char **tail_out,
                                    char **error_out)
{
    *stmt_out = NULL;
    const char *tail = NULL;
    const char *saved = guard_enter(store, plugin);
    int rc = sqlite3_prepare_v2(store->db, sql, -1, stmt_out, &tail);
    if (rc == SQLITE_OK && *stmt_out != NULL && plugin != NULL && store->guard.renames) {
        char name[STORE_REFUSAL_MAX / 2];
        last_token(sql, tail, name, sizeof name);
        if (check_table(&store->guard, name) != SQLITE_OK) {
            sqlite3_finalize(*stmt_out);
            *stmt_out = NULL;
            rc = SQLITE_AUTH;
        }
    }
    store->guard.plugin = saved;
    if (tail_out != NULL)
        *tail_out = tail;
    if (rc == SQLITE_OK)
        return KITH_OK;
    const char *refusal = store->guard.refusal;
    kith_store_error_set(error_out, "%s", refusal[0] != '\0' ? refusal : sqlite3_errmsg(store->db));
    if (refusal[0] != '\0')
        return KITH_ERR_PERMISSION;
    return kith_store_err(rc) == KITH_OK ? KITH_ERR_STORE : kith_store_err(rc);
}

int kith_store_step_guarded(struct kith_store *store, const char *plugin, sqlite3_stmt *stmt)
{
    const char *saved = guard_enter(store, plugin);
    int rc = sqlite3_step(stmt);
    store->guard.plugin = saved;
    return rc;
}

/* ---- The statement API. ---- */

kith_err kith_plugin_db_prepare(struct kith_store *store, const char *plugin_name, const char *sql,
                                kith_stmt **stmt_out, char **error_out)
{
    if (error_out != NULL)
        *error_out = NULL;
    if (stmt_out == NULL || store == NULL || sql == NULL) {
        kith_store_error_set(error_out, "db_prepare: no statement given");
        return KITH_ERR_INVALID;
    }
    *stmt_out = NULL;
    if (!kith_plugin_db_name_valid(plugin_name)) {
        kith_store_error_set(error_out, "\"%s\" is not a plugin name that may own tables",
                             plugin_name != NULL ? plugin_name : "(null)");
        return KITH_ERR_INVALID;
    }
    sqlite3_stmt *raw = NULL;
    const char *tail = NULL;
    kith_err err = kith_store_prepare_guarded(store, plugin_name, sql, &raw, &tail, error_out);
    if (err != KITH_OK)
        return err;
    if (raw == NULL || !kith_store_sql_tail_empty(tail)) {
        sqlite3_finalize(raw);
        kith_store_error_set(error_out, raw == NULL ? "db_prepare: the SQL holds no statement"
                                                    : "db_prepare takes exactly one statement");
        return KITH_ERR_INVALID;
    }
    struct kith_stmt *stmt = calloc(1, sizeof *stmt);
    if (stmt == NULL) {
        sqlite3_finalize(raw);
        kith_store_error_set(error_out, "out of memory");
        return KITH_ERR_NOMEM;
    }
    stmt->store = store;
    stmt->raw = raw;
    snprintf(stmt->plugin, sizeof stmt->plugin, "%s", plugin_name);
    stmt->next = store->plugin_stmts;
    if (store->plugin_stmts != NULL)
        store->plugin_stmts->prev = stmt;
    store->plugin_stmts = stmt;
    *stmt_out = stmt;
    return KITH_OK;
}

static kith_err check_bind(const kith_stmt *stmt, int index)
{
    if (stmt == NULL || stmt->raw == NULL)
        return KITH_ERR_INVALID;
    if (index < 1 || index > sqlite3_bind_parameter_count(stmt->raw))
        return KITH_ERR_INVALID;
    return KITH_OK;
}

kith_err kith_plugin_db_bind_text(kith_stmt *stmt, int index, const char *value)
{
    kith_err err = check_bind(stmt, index);
    if (err != KITH_OK)
        return err;
    if (value == NULL)
        return kith_store_err(sqlite3_bind_null(stmt->raw, index));
    return kith_store_err(sqlite3_bind_text(stmt->raw, index, value, -1, SQLITE_TRANSIENT));
}

kith_err kith_plugin_db_bind_int64(kith_stmt *stmt, int index, int64_t value)
{
    kith_err err = check_bind(stmt, index);
    return err != KITH_OK ? err : kith_store_err(sqlite3_bind_int64(stmt->raw, index, value));
}

kith_err kith_plugin_db_bind_double(kith_stmt *stmt, int index, double value)
{
    kith_err err = check_bind(stmt, index);
    return err != KITH_OK ? err : kith_store_err(sqlite3_bind_double(stmt->raw, index, value));
}

kith_err kith_plugin_db_bind_null(kith_stmt *stmt, int index)
{
    kith_err err = check_bind(stmt, index);
    return err != KITH_OK ? err : kith_store_err(sqlite3_bind_null(stmt->raw, index));
}

kith_err kith_plugin_db_step(kith_stmt *stmt, bool *has_row_out)
{
    if (has_row_out != NULL)
        *has_row_out = false;
    if (stmt == NULL || stmt->raw == NULL)
        return KITH_ERR_INVALID;
    int rc = kith_store_step_guarded(stmt->store, stmt->plugin, stmt->raw);
    stmt->has_row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        if (has_row_out != NULL)
            *has_row_out = stmt->has_row;
        return KITH_OK;
    }
    const char *refusal = kith_store_guard_refusal(stmt->store);
    char component[PLUGIN_NAME_MAX + 8];
    snprintf(component, sizeof component, "plugin %s", stmt->plugin);
    kith_log(KITH_LOG_WARN, component, "statement failed: %s",
             refusal[0] != '\0' ? refusal : sqlite3_errmsg(stmt->store->db));
    kith_err err = kith_store_err(rc);
    return err == KITH_OK ? KITH_ERR_STORE : err;
}

static bool column_ok(const kith_stmt *stmt, int column)
{
    return stmt != NULL && stmt->raw != NULL && stmt->has_row && column >= 0 &&
           column < sqlite3_column_count(stmt->raw);
}

const char *kith_plugin_db_column_text(kith_stmt *stmt, int column)
{
    if (!column_ok(stmt, column))
        return NULL;
    return (const char *)sqlite3_column_text(stmt->raw, column);
}

int64_t kith_plugin_db_column_int64(kith_stmt *stmt, int column)
{
    return column_ok(stmt, column) ? sqlite3_column_int64(stmt->raw, column) : 0;
}

double kith_plugin_db_column_double(kith_stmt *stmt, int column)
{
    return column_ok(stmt, column) ? sqlite3_column_double(stmt->raw, column) : 0.0;
}

bool kith_plugin_db_column_is_null(kith_stmt *stmt, int column)
{
    if (!column_ok(stmt, column))
        return true;
    return sqlite3_column_type(stmt->raw, column) == SQLITE_NULL;
}

kith_err kith_plugin_db_reset(kith_stmt *stmt)
{
    if (stmt == NULL || stmt->raw == NULL)
        return KITH_ERR_INVALID;
    stmt->has_row = false;
    /* sqlite3_reset repeats the last step's error; the step already reported it. */
    sqlite3_reset(stmt->raw);
    sqlite3_clear_bindings(stmt->raw);
    return KITH_OK;
}

static void unlink_stmt(kith_stmt *stmt)
{
    if (stmt->prev != NULL)
        stmt->prev->next = stmt->next;
    else if (stmt->store != NULL)
        stmt->store->plugin_stmts = stmt->next;
    if (stmt->next != NULL)
        stmt->next->prev = stmt->prev;
}

void kith_plugin_db_finalize(kith_stmt *stmt)
{
    if (stmt == NULL)
        return;
    unlink_stmt(stmt);
    sqlite3_finalize(stmt->raw);
    free(stmt);
}

int64_t kith_plugin_db_last_insert_id(struct kith_store *store)
{
    return store != NULL ? sqlite3_last_insert_rowid(store->db) : 0;
}

int64_t kith_plugin_db_changes(struct kith_store *store)
{
    return store != NULL ? sqlite3_changes64(store->db) : 0;
}

size_t kith_plugin_db_release_all(struct kith_store *store, const char *plugin_name)
{
    if (store == NULL || plugin_name == NULL)
        return 0;
    size_t released = 0;
    kith_stmt *next = NULL;
    for (kith_stmt *s = store->plugin_stmts; s != NULL; s = next) {
        next = s->next;
        if (strcmp(s->plugin, plugin_name) == 0) {
            kith_plugin_db_finalize(s);
            released++;
        }
    }
    if (released > 0)
        kith_log(KITH_LOG_WARN, "store", "plugin \"%s\" left %zu statements unfinalized",
                 plugin_name, released);
    return released;
}

void kith_store_plugin_stmts_close(struct kith_store *store)
{
    kith_stmt *next = NULL;
    for (kith_stmt *s = store->plugin_stmts; s != NULL; s = next) {
        next = s->next;
        kith_log(KITH_LOG_WARN, "store", "plugin \"%s\" left a statement open at close", s->plugin);
        kith_plugin_db_finalize(s);
    }
}
