/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c - the store's tables, schema version and migrations, the column map, dictionary
 * caches and the canonical record hash (see store.h, internal.h).
 *
 * The `records` columns are generated from record_fields[], so a field added to the record
 * table becomes a column (through a migration step that adds it) without touching this file's
 * logic. Strings that repeat (host names, images, labels, paths, messages) are stored once in
 * a dictionary and referenced by id: that is what keeps a row far below the JSON's size.
 */
#include "store/internal.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/strbuf.h"

static struct store_col cols[64];
static int cols_ready;

/* Fields that are nearly unique per record: a dictionary would only add an index entry. */
static int field_is_inline(const char *name)
{
	static const char *const inl[] = { "ExecID", "ProcessHash", "ParentHash", "ResourceHash" };
	for (size_t i = 0; i < WARD_ARRAY_SIZE(inl); i++)
		if (!strcmp(inl[i], name))
			return 1;
	return 0;
}

static int field_is_text(const char *name)
{
	return !strcmp(name, "Message") || !strcmp(name, "Resource") || !strcmp(name, "Source");
}

const struct store_col *store_cols(void)
{
	/* record_fields[] is constant, so a racing second initialisation writes the same bytes */
	if (cols_ready)
		return cols;
	_Static_assert(sizeof(cols) / sizeof(cols[0]) >= 48, "column map too small");
	for (size_t i = 0; i < record_n_fields && i < WARD_ARRAY_SIZE(cols); i++) {
		const struct record_field *f = &record_fields[i];
		struct store_col *c = &cols[i];
		size_t j;
		for (j = 0; f->name[j] && j + 1 < sizeof(c->name); j++)
			c->name[j] = (char)tolower((unsigned char)f->name[j]);
		c->name[j] = 0;
		c->field = f;
		switch (f->kind) {
		case RECORD_FIELD_TIME:
			c->kind = !strcmp(f->name, "Timestamp") ? STORE_COL_TS : STORE_COL_NONE;
			break;
		case RECORD_FIELD_INT32:
		case RECORD_FIELD_UINT32:
			c->kind = STORE_COL_INT;
			break;
		case RECORD_FIELD_STRING:
			c->kind = field_is_inline(f->name) ? STORE_COL_TEXT
				  : field_is_text(f->name) ? STORE_COL_TDICT
							   : STORE_COL_SDICT;
			break;
		}
	}
	cols_ready = 1;
	return cols;
}

int64_t store_str_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	/* keep it positive so both SQLite and PostgreSQL bigint hold it the same way */
	return (int64_t)(h >> 1);
}

uint64_t store_fast_hash(const char *s, size_t n)
{
	uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ULL, x;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	x = 0;
	memcpy(&x, s, n);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* ---- string maps ---------------------------------------------------------------------------- */

void strmap_clear(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->v[i].s);
	free(m->v);
	m->v = NULL;
	m->cap = m->n = m->bytes = 0;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

const char *strmap_get_by_id(const struct strmap *m, int64_t id)
{
	if (!m->cap)
		return NULL;
	size_t mask = m->cap - 1;
	for (size_t i = mix64((uint64_t)id) & mask;; i = (i + 1) & mask) {
		if (!m->v[i].s)
			return NULL;
		if (m->v[i].id == id)
			return m->v[i].s;
	}
}

int64_t strmap_get_by_str(const struct strmap *m, uint64_t h, const char *s, size_t len)
{
	if (!m->cap)
		return 0;
	size_t mask = m->cap - 1;
	for (size_t i = mix64(h) & mask;; i = (i + 1) & mask) {
		if (!m->v[i].s)
			return 0;
		if (m->v[i].h == h && m->v[i].len == len && !memcmp(m->v[i].s, s, len))
			return m->v[i].id;
	}
}

static int strmap_grow(struct strmap *m, int by_id)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	struct strmap_ent *nv = calloc(ncap, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->v[i].s)
			continue;
		uint64_t k = by_id ? (uint64_t)m->v[i].id : m->v[i].h;
		size_t j = mix64(k) & (ncap - 1);
		while (nv[j].s)
			j = (j + 1) & (ncap - 1);
		nv[j] = m->v[i];
	}
	free(m->v);
	m->bytes += (ncap - m->cap) * sizeof(*nv);
	m->v = nv;
	m->cap = ncap;
	return 0;
}

const char *strmap_put(struct strmap *m, int by_id, int64_t id, uint64_t h, const char *s)
{
	if ((m->n + 1) * 4 > m->cap * 3 && strmap_grow(m, by_id))
		return NULL;
	size_t len = strlen(s);
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len + 1);
	/* glibc malloc: 8 bytes of header, 16-byte granules */
	m->bytes += (len + 1 + 8 + 15) & ~(size_t)15;
	uint64_t k = by_id ? (uint64_t)id : h;
	size_t mask = m->cap - 1;
	size_t i = mix64(k) & mask;
	while (m->v[i].s)
		i = (i + 1) & mask;
	m->v[i].id = id;
	m->v[i].h = h;
	m->v[i].s = copy;
	m->v[i].len = len;
	m->n++;
	return copy;
}

/* ---- errors and meta ------------------------------------------------------------------------ */

void store_seterr(char *err, size_t errsize, const char *fmt, ...)
{
	if (!err || !errsize)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

int store_meta_get_int(sqlite3 *db, const char *k, int64_t *ret)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k=?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*ret = sqlite3_column_int64(st, 0);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		*ret = 0;
		r = 0;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int store_meta_get_blob(sqlite3 *db, const char *k, unsigned char out[32])
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k=?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	memset(out, 0, 32);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == 32)
			memcpy(out, sqlite3_column_blob(st, 0), 32);
		r = 0;
	} else if (rc == SQLITE_DONE) {
		r = 0;
	}
out:
	sqlite3_finalize(st);
	return r;
}

int store_meta_set_int(sqlite3 *db, const char *k, int64_t v)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1, &st,
			       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

int store_meta_set_blob(sqlite3 *db, const char *k, const unsigned char v[32])
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1, &st,
			       NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, v, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/* ---- schema --------------------------------------------------------------------------------- */

/*
 * Indexes chosen from the queries: newest-first paging (ts), and the filters people use most
 * on the Alerts page and in `ward logs` (design.md §2, seed-examples.md "The page"), each with
 * ts so the newest-first LIMIT walks the index in order and stops early. This is the version 1
 * set; version 2 drops type and operation again (see schema_migrate_v2).
 */
static const char *const index_cols[] = {
	"hostname", "operation", "type", "policyname", "podname", "containerid", "processname",
};

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errsize)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_seterr(err, errsize, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

static int schema_create_v1(sqlite3 *db, char *err, size_t errsize)
{
	const struct store_col *c = store_cols();
	struct strbuf sb;
	int r;

	strbuf_init(&sb);
	strbuf_puts(&sb,
		    "CREATE TABLE meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
		    "CREATE TABLE sdict(id INTEGER PRIMARY KEY, h INTEGER NOT NULL, s TEXT NOT "
		    "NULL);"
		    "CREATE INDEX sdict_h ON sdict(h);"
		    "CREATE TABLE tdict(id INTEGER PRIMARY KEY, h INTEGER NOT NULL, s TEXT NOT "
		    "NULL);"
		    "CREATE INDEX tdict_h ON tdict(h);"
		    "CREATE VIRTUAL TABLE tdict_fts USING fts5(s, content='tdict', "
		    "content_rowid='id');"
		    "CREATE TABLE records(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, "
		    "present INTEGER NOT NULL DEFAULT 0");
	for (size_t i = 0; i < record_n_fields; i++) {
		switch (c[i].kind) {
		case STORE_COL_NONE:
		case STORE_COL_TS:
			break;
		case STORE_COL_INT:
			strbuf_printf(&sb, ", %s INTEGER NOT NULL DEFAULT 0", c[i].name);
			break;
		case STORE_COL_SDICT:
		case STORE_COL_TDICT:
			strbuf_printf(&sb, ", %s INTEGER", c[i].name);
			break;
		case STORE_COL_TEXT:
			strbuf_printf(&sb, ", %s TEXT", c[i].name);
			break;
		}
	}
	strbuf_puts(&sb, ", extra INTEGER, hash BLOB NOT NULL);"
			 "CREATE INDEX records_ts ON records(ts);");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(index_cols); i++)
		strbuf_printf(&sb, "CREATE INDEX records_%s ON records(%s, ts);", index_cols[i],
			      index_cols[i]);
	strbuf_puts(&sb, "INSERT INTO meta(k, v) VALUES('head_id', 0), ('anchor_id', 0);");
	if (strbuf_error(&sb)) {
		r = -ENOMEM;
		goto out;
	}
	r = exec_sql(db, sb.buf, err, errsize);
out:
	strbuf_done(&sb);
	return r;
}

/*
 * v2: the (Type, ts) and (Operation, ts) indexes go. Each index costs about 5% of the writer's
 * CPU per record, and these two buy nothing: with 3-4 distinct values, each a large share of
 * the store, a newest-first LIMIT query finds its rows by walking the ts index just as fast,
 * and with another indexed equality (HostName, ...) that one drives the plan anyway.
 */
static int schema_migrate_v2(sqlite3 *db, char *err, size_t errsize)
{
	int64_t head = 0;
	int r = exec_sql(
		db, "DROP INDEX IF EXISTS records_type; DROP INDEX IF EXISTS records_operation;",
		err, errsize);
	if (r)
		return r;
	/* a chain that has not started yet uses hash format 2; an existing one keeps format 1 */
	if (store_meta_get_int(db, "head_id", &head))
		return -EIO;
	if (!head && store_meta_set_int(db, "hash_format", 2))
		return -EIO;
	return 0;
}

/*
 * The layout a new store gets: WARD_STORE_LAYOUT=blocks|rows, else the default. Read only
 * when a store is created (an existing store keeps the layout recorded in its meta table).
 */
static int want_blocks(void)
{
	const char *e = getenv("WARD_STORE_LAYOUT");
	if (e && !strcmp(e, "blocks"))
		return 1;
	if (e && !strcmp(e, "rows"))
		return 0;
	return STORE_BLOCKS_DEFAULT;
}

/*
 * v3: the block layout (block.c). A store whose chain has not started yet (a new one) gets
 * it when wanted: `records` becomes the ward_blocks virtual table over `blocks`, and
 * `postings` replaces the (field, ts) indexes. A store holding records keeps its rows: both
 * layouts are read and written by this code, so nothing has to be rewritten on open.
 */
static int schema_migrate_v3(sqlite3 *db, char *err, size_t errsize)
{
	int64_t head = 0;
	if (store_meta_get_int(db, "head_id", &head))
		return -EIO;
	if (head || !want_blocks())
		return 0;
	int r = exec_sql(db,
			 "DROP TABLE records;"
			 "CREATE TABLE blocks(first_id INTEGER PRIMARY KEY, n INTEGER NOT NULL, "
			 "ts_min INTEGER NOT NULL, ts_max INTEGER NOT NULL, data BLOB NOT NULL);"
			 "CREATE INDEX blocks_ts ON blocks(ts_max, ts_min, n);"
			 "CREATE TABLE postings(col INTEGER NOT NULL, val INTEGER NOT NULL, "
			 "blk INTEGER NOT NULL, PRIMARY KEY(col, val, blk)) WITHOUT ROWID;"
			 "CREATE INDEX postings_blk ON postings(blk);"
			 "CREATE VIRTUAL TABLE records USING ward_blocks;"
			 "INSERT OR REPLACE INTO meta(k, v) VALUES('layout', 'blocks');",
			 err, errsize);
	return r;
}

int store_is_blocks(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int r = -EIO;
	if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'layout'", -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r = !strcmp((const char *)sqlite3_column_text(st, 0), "blocks");
	else if (rc == SQLITE_DONE)
		r = 0;
out:
	sqlite3_finalize(st);
	return r;
}

/*
 * Migrations: migrations[v] brings schema version v to v + 1. Version 0 is an empty file.
 * Each step runs in the same transaction as the user_version bump.
 */
typedef int (*migration_fn)(sqlite3 *db, char *err, size_t errsize);
static const migration_fn migrations[STORE_SCHEMA_VERSION] = { schema_create_v1, schema_migrate_v2,
							       schema_migrate_v3 };

static int schema_migrate(sqlite3 *db, char *err, size_t errsize)
{
	sqlite3_stmt *st = NULL;
	int version = 0, r;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		store_seterr(err, errsize, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_SCHEMA_VERSION) {
		store_seterr(err, errsize, "store schema version %d is newer than this ward (%d)",
			     version, STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	if (version == 0) {
		/* page-level incremental vacuum lets retention give space back; only settable
		 * before the first table exists */
		r = exec_sql(db, "PRAGMA auto_vacuum=INCREMENTAL", err, errsize);
		if (r)
			return r;
	}
	r = exec_sql(db, "BEGIN IMMEDIATE", err, errsize);
	if (r)
		return r;
	/* another process may have migrated while we waited for the lock */
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
		r = migrations[v](db, err, errsize);
		if (r) {
			exec_sql(db, "ROLLBACK", NULL, 0);
			return r;
		}
	}
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", STORE_SCHEMA_VERSION);
	r = exec_sql(db, sql, err, errsize);
	if (!r)
		r = exec_sql(db, "COMMIT", err, errsize);
	if (r)
		exec_sql(db, "ROLLBACK", NULL, 0);
	return r;
}

/*
 * Before SQLite's first use in the process: no memory statistics. They take a global mutex on
 * every sqlite3_malloc/free (tens per inserted row); ward never reads them. Fails harmlessly
 * (SQLITE_MISUSE) when something else initialised SQLite first.
 */
static void sqlite_global_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_db_open(const char *path, int create, sqlite3 **ret, char *err, size_t errsize)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, sqlite_global_config);
	sqlite3 *db = NULL;
	int r;
	struct stat stb;

	if (!create && stat(path, &stb) < 0) {
		store_seterr(err, errsize, "%s: %s", path, strerror(errno));
		return -errno;
	}
	int flags = create ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) : SQLITE_OPEN_READWRITE;
	flags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		store_seterr(err, errsize, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		r = -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(db, 10000);
	/* before the schema is read: a block-layout store's `records` is this module's table */
	if (store_blocks_register(db)) {
		store_seterr(err, errsize, "%s: %s", path, sqlite3_errmsg(db));
		r = -EIO;
		goto fail;
	}
	r = exec_sql(db,
		     "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144;"
		     "PRAGMA mmap_size=1073741824;"
		     "PRAGMA temp_store=MEMORY;",
		     err, errsize);
	if (r)
		goto fail;
	if (create) {
		r = schema_migrate(db, err, errsize);
		if (r)
			goto fail;
	} else {
		sqlite3_stmt *st = NULL;
		int version = -1;
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (version < 0) {
			store_seterr(err, errsize, "%s: %s", path, sqlite3_errmsg(db));
			r = -EIO;
			goto fail;
		}
		if (version > STORE_SCHEMA_VERSION) {
			store_seterr(err, errsize,
				     "%s: store schema version %d is newer than this ward (%d)",
				     path, version, STORE_SCHEMA_VERSION);
			r = -EPROTO;
			goto fail;
		}
		if (version < STORE_SCHEMA_VERSION) {
			/* an older store is brought up to date on open (needs write access) */
			r = schema_migrate(db, err, errsize);
			if (r)
				goto fail;
		}
	}
	*ret = db;
	return 0;
fail:
	sqlite3_close(db);
	return r;
}

/* ---- reader handle -------------------------------------------------------------------------- */

int store_open(const char *path, int flags, struct store **ret, char *err, size_t errsize)
{
	struct store *s = calloc(1, sizeof(*s));
	int r;
	if (!s)
		return -ENOMEM;
	r = store_db_open(path, flags & STORE_OPEN_CREATE, &s->db, err, errsize);
	if (r) {
		free(s);
		return r;
	}
	s->blocks = store_is_blocks(s->db);
	if (s->blocks < 0) {
		store_seterr(err, errsize, "%s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return -EIO;
	}
	if (sqlite3_prepare_v3(s->db, "SELECT s FROM sdict WHERE id=?", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->get_s, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(s->db, "SELECT s FROM tdict WHERE id=?", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->get_t, NULL) != SQLITE_OK) {
		store_seterr(err, errsize, "%s: %s", path, sqlite3_errmsg(s->db));
		store_close(s);
		return -EIO;
	}
	*ret = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->get_s);
	sqlite3_finalize(s->get_t);
	sqlite3_close(s->db);
	strmap_clear(&s->sdict);
	strmap_clear(&s->tdict);
	free(s);
}

const char *store_resolve(struct store *s, enum store_col_kind kind, int64_t id)
{
	struct strmap *m = kind == STORE_COL_TDICT ? &s->tdict : &s->sdict;
	sqlite3_stmt *st = kind == STORE_COL_TDICT ? s->get_t : s->get_s;
	const char *v = strmap_get_by_id(m, id);
	if (v)
		return v;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strmap_put(m, 1, id, 0, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}

int store_get_stats(struct store *s, struct store_stats *ret)
{
	struct store_stats st = { 0 };
	sqlite3_stmt *q = NULL;
	int r = -EIO;
	/* on blocks, counting from the block headers spares decoding every record */
	if (sqlite3_prepare_v2(s->db,
			       s->blocks ? "SELECT coalesce(sum(n),0), coalesce(min(first_id),0), "
					   "coalesce(max(first_id + n - 1),0) FROM blocks"
					 : "SELECT count(*), coalesce(min(id),0), "
					   "coalesce(max(id),0) FROM records",
			       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto out;
	st.records = sqlite3_column_int64(q, 0);
	st.first_id = sqlite3_column_int64(q, 1);
	st.last_id = sqlite3_column_int64(q, 2);
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT (SELECT page_count FROM pragma_page_count()),"
			       "(SELECT freelist_count FROM pragma_freelist_count()),"
			       "(SELECT page_size FROM pragma_page_size()),"
			       "(SELECT user_version FROM pragma_user_version())",
			       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto out;
	int64_t pages = sqlite3_column_int64(q, 0), freel = sqlite3_column_int64(q, 1),
		psize = sqlite3_column_int64(q, 2);
	st.bytes_used = (pages - freel) * psize;
	st.bytes_file = pages * psize;
	st.schema_version = sqlite3_column_int(q, 3);
	*ret = st;
	r = 0;
out:
	sqlite3_finalize(q);
	return r;
}

/* LEB128: 7 bits a byte, low bits first; lengths and small integers take one byte */
static void put_u64(struct strbuf *sb, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;
	do {
		b[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	strbuf_append(sb, (const char *)b, n);
}

static void put_bytes(struct strbuf *sb, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u64(sb, n);
	if (n)
		strbuf_append(sb, s, n);
}

/*
 * Hash format 2: every field of record_fields[] in table order, integers as LEB128 varints
 * (as uint64) and strings as a varint length and their bytes (absent = empty), then
 * extra_json, present and ts_ns. It is unambiguous like the JSON form but needs no formatting or
 * escaping, and is shorter, so the chain costs a fraction of format 1.
 */
static unsigned char *uv_at(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static int canonical_v2(const struct ward_record *r, const unsigned char prev[32],
			struct strbuf *sb)
{
	/* the same bytes as put_u64/put_bytes would append, written with one reservation per
	 * string: this runs once per stored record */
	strbuf_reset(sb);
	if (strbuf_reserve(sb, 32 + 10 * (record_n_fields + 3)))
		return -ENOMEM;
	unsigned char *p = (unsigned char *)sb->buf;
	memcpy(p, prev, 32);
	p += 32;
	for (size_t i = 0; i < record_n_fields; i++) {
		const struct record_field *f = &record_fields[i];
		const char *s;
		size_t n;
		switch (f->kind) {
		case RECORD_FIELD_STRING:
			s = record_get_string(r, f);
			n = s ? strlen(s) : 0;
			if (n) {
				sb->len = (size_t)(p - (unsigned char *)sb->buf);
				if (strbuf_reserve(sb, n + 10 * (record_n_fields - i + 3)))
					return -ENOMEM;
				p = (unsigned char *)sb->buf + sb->len;
			}
			p = uv_at(p, n);
			if (n)
				memcpy(p, s, n);
			p += n;
			break;
		case RECORD_FIELD_INT32:
		case RECORD_FIELD_UINT32:
			p = uv_at(p, (uint64_t)record_get_int(r, f));
			break;
		case RECORD_FIELD_TIME:
			break;
		}
	}
	sb->len = (size_t)(p - (unsigned char *)sb->buf);
	put_bytes(sb, r->extra_json);
	put_u64(sb, r->present);
	put_u64(sb, (uint64_t)r->ts_ns);
	return strbuf_error(sb) ? -ENOMEM : 0;
}

int store_hasher_init(struct store_hasher *hs)
{
	strbuf_init(&hs->scratch);
	hs->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	hs->ctx = EVP_MD_CTX_new();
	if (!hs->md || !hs->ctx) {
		store_hasher_done(hs);
		return -ENOMEM;
	}
	return 0;
}

void store_hasher_done(struct store_hasher *hs)
{
	EVP_MD_CTX_free(hs->ctx);
	EVP_MD_free(hs->md);
	hs->ctx = NULL;
	hs->md = NULL;
	strbuf_done(&hs->scratch);
}

static int digest(struct store_hasher *hs, unsigned char out[32])
{
	unsigned int n = 0;
	if (!EVP_DigestInit_ex2(hs->ctx, hs->md, NULL) ||
	    !EVP_DigestUpdate(hs->ctx, hs->scratch.buf, hs->scratch.len) ||
	    !EVP_DigestFinal_ex(hs->ctx, out, &n) || n != 32)
		return -EIO;
	return 0;
}

int store_canonical_hash(const struct ward_record *r, const unsigned char prev[32], int format,
			 struct store_hasher *hs, unsigned char out[32])
{
	struct strbuf *scratch = &hs->scratch;
	if (format >= 2) {
		if (canonical_v2(r, prev, scratch))
			return -ENOMEM;
		return digest(hs, out);
	}
	strbuf_reset(scratch);
	strbuf_append(scratch, (const char *)prev, 32);
	if (record_to_json(r, scratch))
		return -ENOMEM;
	strbuf_putc(scratch, '\n');
	strbuf_put_i64(scratch, r->ts_ns);
	if (strbuf_error(scratch))
		return -ENOMEM;
	return digest(hs, out);
}
