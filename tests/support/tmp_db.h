/* A temporary directory holding one SQLite file, for tests that open a real store. */
#ifndef KITH_TEST_TMP_DB_H
#define KITH_TEST_TMP_DB_H

#include <stdbool.h>

struct tmp_db {
    char dir[64];
    char path[96];
};

/* Creates /tmp/kith-test-XXXXXX and names <dir>/kith.db (not created). */
bool tmp_db_make(struct tmp_db *t);
/* Removes the database with its -wal, -shm and -journal files, then the directory. */
void tmp_db_remove(struct tmp_db *t);

#endif
