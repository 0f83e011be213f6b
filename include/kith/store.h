/* Store access for plugins: prepared statements with bound parameters over the shared
 * SQLite store. No SQL is ever built from member input; bind it. */
#ifndef KITH_STORE_H
#define KITH_STORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque prepared statement; released with db_finalize. */
typedef struct kith_stmt kith_stmt;

typedef enum kith_db_type {
    KITH_DB_NULL = 0,
    KITH_DB_INT64 = 1,
    KITH_DB_DOUBLE = 2,
    KITH_DB_TEXT = 3,
} kith_db_type;

/* One bound parameter of a buffered write; text is copied by the host. */
struct kith_db_value {
    kith_db_type type;
    int64_t i64;
    double f64;
    const char *text;
};

#define KITH_DB_I64(v) ((struct kith_db_value){.type = KITH_DB_INT64, .i64 = (v)})
#define KITH_DB_F64(v) ((struct kith_db_value){.type = KITH_DB_DOUBLE, .f64 = (v)})
#define KITH_DB_TEXT(v) ((struct kith_db_value){.type = KITH_DB_TEXT, .text = (v)})
#define KITH_DB_NULLV ((struct kith_db_value){.type = KITH_DB_NULL})

#ifdef __cplusplus
}
#endif

#endif
