/* SQLite end-to-end driver: creates a database file in a preopened
 * directory, inserts 100,000 rows in transactions, queries them, closes,
 * reopens and checks the data. Prints one line per step; exits non-zero
 * with a message on the first failure.
 *
 * Usage: driver DB_PATH [ROWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sqlite3.h"

static sqlite3 *db;

static void fail(const char *what) {
    fprintf(stderr, "FAIL %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
    exit(1);
}

static void exec(const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "FAIL %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static long long query_int(const char *sql) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) fail(sql);
    if (sqlite3_step(stmt) != SQLITE_ROW) fail(sql);
    long long v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* The checksum a correct run must produce, computed the same way in C. */
static long long expected_sum(int rows) {
    long long s = 0;
    for (int i = 0; i < rows; i++) s += (long long)i * 7 % 1000;
    return s;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DB_PATH [ROWS]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int rows = argc > 2 ? atoi(argv[2]) : 100000;

    remove(path);
    if (sqlite3_open(path, &db) != SQLITE_OK) fail("open");
    exec("PRAGMA journal_mode=DELETE");
    exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, name TEXT NOT NULL)");
    exec("CREATE INDEX t_v ON t(v)");

    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO t(id, v, name) VALUES(?1, ?2, ?3)", -1, &ins, NULL) != SQLITE_OK)
        fail("prepare insert");
    const int batch = 10000;
    for (int start = 0; start < rows; start += batch) {
        exec("BEGIN");
        for (int i = start; i < start + batch && i < rows; i++) {
            char name[32];
            snprintf(name, sizeof name, "row-%d", i);
            sqlite3_bind_int(ins, 1, i);
            sqlite3_bind_int64(ins, 2, (long long)i * 7 % 1000);
            sqlite3_bind_text(ins, 3, name, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE) fail("insert");
            sqlite3_reset(ins);
        }
        exec("COMMIT");
    }
    sqlite3_finalize(ins);
    printf("inserted %d\n", rows);

    long long count = query_int("SELECT count(*) FROM t");
    long long sum = query_int("SELECT sum(v) FROM t");
    long long hits = query_int("SELECT count(*) FROM t WHERE v = 42");
    printf("count %lld sum %lld v=42 %lld\n", count, sum, hits);
    if (count != rows || sum != expected_sum(rows)) {
        fprintf(stderr, "FAIL wrong data before reopening\n");
        return 1;
    }
    if (sqlite3_close(db) != SQLITE_OK) fail("close");
    db = NULL;

    if (sqlite3_open(path, &db) != SQLITE_OK) fail("reopen");
    long long count2 = query_int("SELECT count(*) FROM t");
    long long sum2 = query_int("SELECT sum(v) FROM t");
    sqlite3_stmt *get;
    if (sqlite3_prepare_v2(db, "SELECT name FROM t WHERE id = ?1", -1, &get, NULL) != SQLITE_OK) fail("prepare get");
    sqlite3_bind_int(get, 1, rows - 1);
    if (sqlite3_step(get) != SQLITE_ROW) fail("get");
    char expect[32];
    snprintf(expect, sizeof expect, "row-%d", rows - 1);
    int name_ok = strcmp((const char *)sqlite3_column_text(get, 0), expect) == 0;
    sqlite3_finalize(get);
    printf("reopened count %lld sum %lld last %s\n", count2, sum2, name_ok ? "ok" : "WRONG");
    if (count2 != rows || sum2 != sum || !name_ok) {
        fprintf(stderr, "FAIL wrong data after reopening\n");
        return 1;
    }
    if (sqlite3_close(db) != SQLITE_OK) fail("close");
    printf("ok\n");
    return 0;
}
