/* Temporary store files for tests (see tmp_db.h). */
#include "tmp_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

bool tmp_db_make(struct tmp_db *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/kith-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        return false;
    snprintf(t->path, sizeof t->path, "%s/kith.db", t->dir);
    return true;
}

void tmp_db_remove(struct tmp_db *t)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[128];
    for (size_t i = 0; i < 4; i++) {
        snprintf(file, sizeof file, "%s%s", t->path, suffixes[i]);
        unlink(file);
    }
    rmdir(t->dir);
}
