/* SPDX-License-Identifier: Apache-2.0 */
/*
 * block.c - the block layout (schema version 3, meta layout = 'blocks'): records packed by
 * the writer into `blocks` rows of up to STORE_BLOCK_MAX records, a `postings` table naming
 * the blocks that hold each value of the indexed dictionary columns, and the `ward_blocks`
 * virtual table that shows the blocks as the familiar `records` table, so filter.c, query.c
 * and verify keep their SQL.
 *
 * Why: one SQLite row and six B-tree index entries per record cost ~14 µs of writer CPU; a
 * block is one row and a few hundred postings per 4096 records, so the writer's cost becomes
 * the dictionary lookups, the varint encoding and the chain hash.
 *
 * A block's data: per record, in id order, varint(id - previous id), zigzag(ts - previous
 * ts), varint(present), then every column of store_cols() (integers zigzag, dictionary ids
 * as varints with 0 = NULL, inline text as varint(len + 1) and the bytes, 0 = NULL), then
 * varint(extra id); after all records, the records' 32-byte chain hashes in the same order
 * (so the last record's hash, which retention needs for the anchor, is the blob's tail).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* ---- codec ---------------------------------------------------------------------------------- */

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzz(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* read a varint; NULL past @end or on a malformed one */
static const unsigned char *get_uv(const unsigned char *p, const unsigned char *end, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
		unsigned char b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return p;
		}
	}
	return NULL;
}

size_t store_block_nvals(void)
{
	const struct store_col *c = store_cols();
	size_t n = 2; /* present, extra */
	for (size_t i = 0; i < record_n_fields; i++)
		if (c[i].kind != STORE_COL_NONE && c[i].kind != STORE_COL_TS)
			n++;
	return n;
}

void store_block_begin(struct store_block_builder *b, int64_t first_id)
{
	strbuf_reset(&b->data);
	strbuf_reset(&b->hashes);
	b->first_id = first_id;
	b->prev_id = first_id - 1;
	b->n = 0;
	b->prev_ts = 0;
	b->ts_min = INT64_MAX;
	b->ts_max = INT64_MIN;
	for (int k = 0; k < STORE_N_POSTING; k++)
		b->npost[k] = 0;
	b->gen++;
}

#define SET_SLOTS (2 * STORE_BLOCK_MAX) /* per posting column; a power of two */

/* 1 if @v is new in posting column @p of this block (and remember it), 0 if seen, -ENOMEM */
static int set_add(struct store_block_builder *b, int p, int64_t v)
{
	if (!b->set_v) {
		b->set_v = calloc((size_t)STORE_N_POSTING * SET_SLOTS, sizeof(*b->set_v));
		b->set_gen = calloc((size_t)STORE_N_POSTING * SET_SLOTS, sizeof(*b->set_gen));
		if (!b->set_v || !b->set_gen)
			return -ENOMEM;
	}
	int64_t *sv = b->set_v + (size_t)p * SET_SLOTS;
	uint32_t *sg = b->set_gen + (size_t)p * SET_SLOTS;
	size_t i = ((uint64_t)v * 0x9e3779b97f4a7c15ULL >> 40) & (SET_SLOTS - 1);
	for (;; i = (i + 1) & (SET_SLOTS - 1)) {
		if (sg[i] != b->gen) {
			sg[i] = b->gen;
			sv[i] = v;
			return 1;
		}
		if (sv[i] == v)
			return 0;
	}
}

void store_block_done(struct store_block_builder *b)
{
	strbuf_done(&b->data);
	strbuf_done(&b->hashes);
	for (int k = 0; k < STORE_N_POSTING; k++)
		free(b->post[k]);
	free(b->set_v);
	free(b->set_gen);
	memset(b, 0, sizeof(*b));
}

/* write varint @v at @p; return the byte after it */
static unsigned char *uv_at(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

int store_block_add(struct store_block_builder *b, int64_t id, int64_t ts, const int64_t *vals,
		    const char *const *texts, const unsigned char hash[32])
{
	const int *pcols = store_posting_cols();
	struct strbuf *sb = &b->data;
	size_t nv = store_block_nvals(), lens[64];

	/* one reservation for the whole record, then plain stores (this is per record) */
	size_t need = 10 * (nv + 2);
	for (size_t k = 0; k < nv; k++)
		if (texts[k] && store_block_slot_kind(k) == STORE_COL_TEXT) {
			lens[k] = strlen(texts[k]);
			need += lens[k];
		}
	if (strbuf_reserve(sb, need) || strbuf_reserve(&b->hashes, 32))
		return -ENOMEM;
	unsigned char *p = (unsigned char *)sb->buf + sb->len;
	p = uv_at(p, (uint64_t)(id - b->prev_id));
	p = uv_at(p, zz(ts - b->prev_ts));
	for (size_t k = 0; k < nv; k++) {
		switch (store_block_slot_kind(k)) {
		case STORE_COL_INT:
			/* present (slot 0) is never negative, so zigzag costs it nothing */
			p = uv_at(p, zz(vals[k]));
			break;
		case STORE_COL_TEXT:
			if (texts[k]) {
				p = uv_at(p, lens[k] + 1);
				memcpy(p, texts[k], lens[k]);
				p += lens[k];
			} else {
				*p++ = 0;
			}
			break;
		default:
			p = uv_at(p, (uint64_t)vals[k]);
			break;
		}
	}
	sb->len = (size_t)(p - (unsigned char *)sb->buf);
	memcpy(b->hashes.buf + b->hashes.len, hash, 32);
	b->hashes.len += 32;
	/* postings: values of the indexed columns, deduplicated when the block is written */
	for (int pc = 0; pc < STORE_N_POSTING; pc++) {
		int64_t v = vals[pcols[pc]];
		if (!v)
			continue;
		int isnew = set_add(b, pc, v);
		if (isnew < 0)
			return isnew;
		if (!isnew)
			continue;
		if (b->npost[pc] == b->cappost[pc]) {
			size_t ncap = b->cappost[pc] ? b->cappost[pc] * 2 : 256;
			int64_t *grown = realloc(b->post[pc], ncap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			b->post[pc] = grown;
			b->cappost[pc] = ncap;
		}
		b->post[pc][b->npost[pc]++] = v;
	}
	b->prev_id = id;
	b->prev_ts = ts;
	if (ts < b->ts_min)
		b->ts_min = ts;
	if (ts > b->ts_max)
		b->ts_max = ts;
	b->n++;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

size_t store_block_posting_values(struct store_block_builder *b, int p, const int64_t **ret)
{
	/* sorted: the inserts walk the (col, val, blk) B-tree in order */
	if (b->npost[p])
		qsort(b->post[p], b->npost[p], sizeof(int64_t), cmp_i64);
	*ret = b->post[p];
	return b->npost[p];
}

/*
 * Value slot of each vtab column: vtab column 0 is id, 1 ts, then 2 + j is value slot j
 * (present, the columns of store_cols() in order, extra), and the last one is hash.
 */
const int *store_posting_cols(void)
{
	static int slots[STORE_N_POSTING];
	static int ready;
	static const char *const names[STORE_N_POSTING] = { "hostname", "policyname", "podname",
							    "containerid", "processname" };
	if (ready)
		return slots;
	const struct store_col *c = store_cols();
	for (int p = 0; p < STORE_N_POSTING; p++) {
		int k = 1;
		slots[p] = -1;
		for (size_t i = 0; i < record_n_fields; i++) {
			if (c[i].kind == STORE_COL_NONE || c[i].kind == STORE_COL_TS)
				continue;
			if (!strcmp(c[i].name, names[p]))
				slots[p] = k;
			k++;
		}
	}
	ready = 1;
	return slots;
}

static const enum store_col_kind *slot_kinds(void);

int store_block_decode(const unsigned char *blob, size_t len, int64_t first_id, int n,
		       struct store_dblock *d)
{
	size_t nv = store_block_nvals();
	if (n <= 0 || len < (size_t)n * 32)
		return -EIO;
	const unsigned char *p = blob, *end = blob + len - (size_t)n * 32;
	if (len > d->blob_cap) {
		free(d->blob);
		d->blob = malloc(len);
		d->blob_cap = d->blob ? len : 0;
	}
	if (n > d->rows_cap) {
		free(d->id);
		free(d->ts);
		free(d->vals);
		free(d->order);
		d->id = malloc((size_t)n * sizeof(int64_t));
		d->ts = malloc((size_t)n * sizeof(int64_t));
		d->vals = malloc((size_t)n * nv * sizeof(int64_t));
		d->order = malloc((size_t)n * sizeof(int));
		d->rows_cap = n;
	}
	d->ordered = 0;
	if (!d->blob || !d->id || !d->ts || !d->vals || !d->order)
		goto fail;
	memcpy(d->blob, blob, len);
	p = d->blob;
	end = d->blob + len - (size_t)n * 32;
	d->hashes = end;
	const enum store_col_kind *kinds = slot_kinds();
	d->n = n;
	d->pos = 0;
	int64_t prev_id = first_id - 1, prev_ts = 0;
	for (int r = 0; r < n; r++) {
		uint64_t u;
		int64_t *v = d->vals + (size_t)r * nv;
		if (!(p = get_uv(p, end, &u)))
			goto fail;
		prev_id += (int64_t)u;
		d->id[r] = prev_id;
		if (!(p = get_uv(p, end, &u)))
			goto fail;
		prev_ts += unzz(u);
		d->ts[r] = prev_ts;
		for (size_t k = 0; k < nv; k++) {
			if (!(p = get_uv(p, end, &u)))
				goto fail;
			switch (kinds[k]) {
			case STORE_COL_INT:
				v[k] = unzz(u);
				break;
			case STORE_COL_TEXT:
				/* (offset of the bytes + 1) << 32 | length; 0 = NULL */
				if (u) {
					if (u - 1 > (uint64_t)(end - p))
						goto fail;
					v[k] = (int64_t)(((uint64_t)(p - d->blob) + 1) << 32 |
							 (u - 1));
					p += u - 1;
				} else {
					v[k] = 0;
				}
				break;
			default:
				v[k] = (int64_t)u;
				break;
			}
		}
	}
	if (p != end)
		goto fail;
	return 0;
fail:
	store_dblock_free(d);
	return -EIO;
}

int store_block_rebuild(const struct store_dblock *d, int from, int64_t id_add, int64_t ts_add,
			struct store_block_builder *b)
{
	size_t nv = store_block_nvals();
	int64_t vals[64];
	const char *texts[64];
	char *owned[64];
	int r = 0;
	store_block_begin(b, d->id[from] + id_add);
	for (int i = from; i < d->n && !r; i++) {
		memcpy(vals, d->vals + (size_t)i * nv, nv * sizeof(int64_t));
		for (size_t k = 0; k < nv; k++) {
			owned[k] = NULL;
			if (store_block_slot_kind(k) == STORE_COL_TEXT && vals[k]) {
				uint64_t u = (uint64_t)vals[k];
				owned[k] = strndup((const char *)d->blob + (u >> 32) - 1,
						   u & 0xffffffffu);
				if (!owned[k])
					r = -ENOMEM;
			}
			texts[k] = owned[k];
		}
		if (!r)
			r = store_block_add(b, d->id[i] + id_add, d->ts[i] + ts_add, vals, texts,
					    d->hashes + (size_t)i * 32);
		for (size_t k = 0; k < nv; k++)
			free(owned[k]);
	}
	return r;
}

void store_dblock_free(struct store_dblock *d)
{
	free(d->blob);
	free(d->id);
	free(d->ts);
	free(d->vals);
	free(d->order);
	memset(d, 0, sizeof(*d));
}

/* ---- the `records` virtual table -------------------------------------------------------------- */

/* plan tokens in idxStr, one per argv value */
#define TOK_POST  'P' /* followed by the posting column digit: EQ */
#define TOK_TSLO  'a' /* ts >= */
#define TOK_TSHI  'b' /* ts <= */
#define TOK_TSEQ  'c'
#define TOK_IDLO  'd'
#define TOK_IDHI  'e'
#define TOK_IDEQ  'f'
#define TOK_ROWEQ 'E' /* followed by '0' + value slot: EQ tested on each row here */

enum {
	ORDER_NONE = 0,
	ORDER_TS_DESC = 1,
	ORDER_ID_ASC = 2
};
#define IDX_HASH 4 /* idxNum flag: the query reads the hash column */

struct bvtab {
	sqlite3_vtab base;
	sqlite3 *db;
	size_t nv;
	int ncols;
};

/*
 * A block as the cursor holds it: the data part of the blob (the hashes only when the query
 * reads the hash column), and for the rows that pass the equalities this table tests itself,
 * their id, ts, the offset of their values in the data and their index in the block. A row's
 * values are decoded only when SQLite asks for one of its columns (see row_vals): a page of
 * 100 records decodes 100 rows, not every row of every block the merge opened.
 */
struct vblk {
	unsigned char *blob; /* the block's data (records, no hashes) */
	size_t blob_cap, dlen;
	unsigned char *hashes; /* nall * 32 when the hash column is used */
	size_t hash_cap;
	int64_t *id, *ts;
	uint32_t *off; /* offset of the row's first value slot in blob */
	int *idx;      /* the row's index in the block (its hash) */
	int *order;    /* row order when ordered (newest first) */
	int rows_cap;
	int n, pos, ordered, nall;
	uint64_t gen; /* the cursor's open count when opened: keys the decoded-row cache */
};

struct bcur {
	sqlite3_vtab_cursor base;
	struct bvtab *vt;
	int mode;
	int want_hash;
	sqlite3_stmt *blocks; /* candidate blocks: first_id, n, ts_max */
	sqlite3_blob *bh;     /* incremental reads of blocks.data: only the bytes needed */
	int pending;	      /* blocks has a row not opened yet */
	int done;	      /* blocks is exhausted */
	struct vblk *open;
	size_t nopen, capopen;
	struct vblk spare[4]; /* exhausted blocks whose buffers the next open reuses */
	size_t nspare;
	/* equalities on integer/dictionary slots, tested while scanning a block */
	struct {
		size_t slot;
		int64_t v;
	} eq[16];
	size_t neq;
	unsigned char eq_slot[64]; /* 1 if some equality tests this value slot */
	uint64_t gens;
	struct vblk *cur; /* block of the current row */
	int cur_row;	  /* row index in cur (into id/ts/off/idx) */
	int eof;
	/* the values of the current row, decoded on the first xColumn that needs one */
	uint64_t dec_gen;
	int dec_row;
	int64_t dec[64];
};

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **ret,
		      char **err)
{
	(void)aux;
	(void)argc;
	(void)argv;
	const struct store_col *c = store_cols();
	struct strbuf sb;
	strbuf_init(&sb);
	strbuf_puts(&sb, "CREATE TABLE x(id INTEGER, ts INTEGER, present INTEGER");
	int ncols = 3;
	for (size_t i = 0; i < record_n_fields; i++) {
		if (c[i].kind == STORE_COL_NONE || c[i].kind == STORE_COL_TS)
			continue;
		strbuf_printf(&sb, ", %s %s", c[i].name,
			      c[i].kind == STORE_COL_TEXT ? "TEXT" : "INTEGER");
		ncols++;
	}
	strbuf_puts(&sb, ", extra INTEGER, hash BLOB)");
	ncols += 2;
	if (strbuf_error(&sb)) {
		strbuf_done(&sb);
		return SQLITE_NOMEM;
	}
	int rc = sqlite3_declare_vtab(db, sb.buf);
	strbuf_done(&sb);
	if (rc != SQLITE_OK)
		return rc;
	struct bvtab *vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->db = db;
	vt->nv = store_block_nvals();
	vt->ncols = ncols;
	*ret = &vt->base;
	(void)err;
	return SQLITE_OK;
}

static int vt_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

/* which posting column (0..STORE_N_POSTING-1) vtab column @col is, or -1 */
static int posting_of(int col)
{
	const int *slots = store_posting_cols();
	for (int p = 0; p < STORE_N_POSTING; p++)
		if (slots[p] >= 0 && col == 2 + slots[p])
			return p;
	return -1;
}

static int vt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	char plan[96];
	size_t np = 0;
	int argv = 0, nposting = 0, nts = 0, nid = 0, ideq = 0, nroweq = 0;
	for (int i = 0; i < info->nConstraint && np + 3 < sizeof(plan); i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		if (!c->usable)
			continue;
		char tok = 0, arg = 0;
		int p = posting_of(c->iColumn);
		if (p >= 0 && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
			/* an IN list would make SQLite call xFilter once per value, which breaks
			 * the order the cursor promises: leave IN to SQLite */
			if (sqlite3_vtab_in(info, i, -1))
				continue;
			tok = TOK_POST;
			arg = (char)('0' + p);
			nposting++;
		} else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn >= 2 &&
			   c->iColumn < ((struct bvtab *)v)->ncols - 1 &&
			   store_block_slot_kind((size_t)c->iColumn - 2) != STORE_COL_TEXT &&
			   !sqlite3_vtab_in(info, i, -1) && nroweq < 16) {
			tok = TOK_ROWEQ;
			arg = (char)('0' + (c->iColumn - 2));
			nroweq++;
		} else if (c->iColumn == 1) {
			switch (c->op) {
			case SQLITE_INDEX_CONSTRAINT_EQ:
				tok = TOK_TSEQ;
				break;
			case SQLITE_INDEX_CONSTRAINT_GT:
			case SQLITE_INDEX_CONSTRAINT_GE:
				tok = TOK_TSLO;
				break;
			case SQLITE_INDEX_CONSTRAINT_LT:
			case SQLITE_INDEX_CONSTRAINT_LE:
				tok = TOK_TSHI;
				break;
			}
			if (tok)
				nts++;
		} else if (c->iColumn == 0) {
			switch (c->op) {
			case SQLITE_INDEX_CONSTRAINT_EQ:
				tok = TOK_IDEQ;
				ideq = 1;
				break;
			case SQLITE_INDEX_CONSTRAINT_GT:
			case SQLITE_INDEX_CONSTRAINT_GE:
				tok = TOK_IDLO;
				break;
			case SQLITE_INDEX_CONSTRAINT_LT:
			case SQLITE_INDEX_CONSTRAINT_LE:
				tok = TOK_IDHI;
				break;
			}
			if (tok)
				nid++;
		}
		if (!tok)
			continue;
		if (ideq && tok == TOK_IDEQ && sqlite3_vtab_in(info, i, -1)) {
			ideq = 0;
			nid--;
			continue;
		}
		plan[np++] = tok;
		if (arg)
			plan[np++] = arg;
		/* SQLite still tests every condition on each row: pruning may be loose */
		info->aConstraintUsage[i].argvIndex = ++argv;
		info->aConstraintUsage[i].omit = 0;
	}
	plan[np] = 0;
	int mode = ORDER_NONE;
	if (info->nOrderBy == 2 && info->aOrderBy[0].iColumn == 1 && info->aOrderBy[0].desc &&
	    info->aOrderBy[1].iColumn == 0 && info->aOrderBy[1].desc)
		mode = ORDER_TS_DESC;
	else if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 1 && info->aOrderBy[0].desc)
		mode = ORDER_TS_DESC;
	else if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0 && !info->aOrderBy[0].desc)
		mode = ORDER_ID_ASC;
	if (mode != ORDER_NONE)
		info->orderByConsumed = 1;
	double rows = 1e7;
	if (ideq)
		rows = STORE_BLOCK_MAX;
	for (int i = 0; i < nposting; i++)
		rows /= 8;
	for (int i = 0; i < nts + nid; i++)
		rows /= 4;
	for (int i = 0; i < nroweq; i++)
		rows /= 2;
	if (rows < 1)
		rows = 1;
	info->estimatedRows = (sqlite3_int64)rows;
	/* decoding a row costs more than reading an index entry: keep cost above rows */
	info->estimatedCost = rows * 2 + (mode == ORDER_TS_DESC ? rows / 16 : 0);
	/* the hash column is the last; colUsed's top bit stands for every column from 63 on */
	int hcol = ((struct bvtab *)v)->ncols - 1;
	if (info->colUsed & ((sqlite3_uint64)1 << (hcol < 63 ? hcol : 63)))
		mode |= IDX_HASH;
	info->idxNum = mode;
	info->idxStr = sqlite3_mprintf("%s", plan);
	info->needToFreeIdxStr = 1;
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

static int vt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **ret)
{
	struct bcur *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->vt = (struct bvtab *)v;
	*ret = &c->base;
	return SQLITE_OK;
}

static void vblk_free(struct vblk *d)
{
	free(d->blob);
	free(d->hashes);
	free(d->id);
	free(d->ts);
	free(d->off);
	free(d->idx);
	free(d->order);
	memset(d, 0, sizeof(*d));
}

/* done with @d: keep its buffers for the next block, or free them */
static void release(struct bcur *c, struct vblk *d)
{
	if (c->nspare < sizeof(c->spare) / sizeof(c->spare[0]))
		c->spare[c->nspare++] = *d;
	else
		vblk_free(d);
	memset(d, 0, sizeof(*d));
}

static void cur_reset(struct bcur *c)
{
	for (size_t i = 0; i < c->nopen; i++)
		release(c, &c->open[i]);
	c->nopen = 0;
	c->cur = NULL;
	sqlite3_finalize(c->blocks);
	c->blocks = NULL;
	/* a blob handle must not outlive the read transaction of the statement it served */
	sqlite3_blob_close(c->bh);
	c->bh = NULL;
	c->pending = c->done = 0;
	c->eof = 1;
}

static int vt_close(sqlite3_vtab_cursor *vc)
{
	struct bcur *c = (struct bcur *)vc;
	cur_reset(c);
	for (size_t i = 0; i < c->nspare; i++)
		vblk_free(&c->spare[i]);
	free(c->open);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* step the candidate-block statement: pending = a row is there */
static int step_blocks(struct bcur *c)
{
	int rc = sqlite3_step(c->blocks);
	if (rc == SQLITE_ROW) {
		c->pending = 1;
		return SQLITE_OK;
	}
	c->pending = 0;
	c->done = 1;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int cmp_ts_desc(const void *a, const void *b, void *arg)
{
	int x = *(const int *)a, y = *(const int *)b;
	const struct vblk *d = arg;
	if (d->ts[x] != d->ts[y])
		return d->ts[x] < d->ts[y] ? 1 : -1;
	return d->id[x] < d->id[y] ? 1 : d->id[x] > d->id[y] ? -1 : 0;
}

static int grow(void **p, size_t size)
{
	void *np = realloc(*p, size);
	if (!np)
		return -ENOMEM;
	*p = np;
	return 0;
}

/* zero bytes after a block's data in the cursor's copy: a run of skipped varints that runs
 * past the data (a malformed block) ends inside them (a run is at most 64 slots), and the
 * word reads of skip_uv stay inside the buffer */
#define PAD 80

/*
 * Skip @k varints at @p: the bytes that end a varint (high bit clear) are counted eight at a
 * time (the buffer is padded, see PAD, so the word reads and a malformed run stay inside it;
 * the caller checks the result against the data's end).
 */
static const unsigned char *skip_uv(const unsigned char *p, size_t k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (;;) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t t = ~w & 0x8080808080808080ULL;
		/* terminators in the word: one bit per byte, summed by the multiply */
		size_t c = (size_t)(((t >> 7) * 0x0101010101010101ULL) >> 56);
		if (c < k) {
			k -= c;
			p += 8;
			continue;
		}
		while (--k)
			t &= t - 1;
		return p + (__builtin_ctzll(t) >> 3) + 1;
	}
#else
	while (k)
		k -= !(*p++ & 0x80);
	return p;
#endif
}

/*
 * Read block @first (@nall records) into @d: the data bytes (and the hashes when the query
 * reads them) straight from the blob's pages, with no copy of the whole row; then one pass
 * over the records keeps those passing the cursor's equalities.
 */
static int load_block(struct bcur *c, struct vblk *d, int64_t first, int nall)
{
	size_t nv = c->vt->nv;
	int rc = c->bh ? sqlite3_blob_reopen(c->bh, first)
		       : sqlite3_blob_open(c->vt->db, "main", "blocks", "data", first, 0, &c->bh);
	if (rc != SQLITE_OK)
		return rc;
	int len = sqlite3_blob_bytes(c->bh);
	if (nall <= 0 || (int64_t)len < (int64_t)nall * 32)
		return SQLITE_CORRUPT_VTAB;
	size_t dlen = (size_t)len - (size_t)nall * 32;
	if (dlen + PAD > d->blob_cap) {
		free(d->blob);
		d->blob = malloc(dlen + PAD);
		d->blob_cap = d->blob ? dlen + PAD : 0;
		if (!d->blob)
			return SQLITE_NOMEM;
	}
	if (nall > d->rows_cap) {
		size_t m = (size_t)nall;
		if (grow((void **)&d->id, m * sizeof(*d->id)) ||
		    grow((void **)&d->ts, m * sizeof(*d->ts)) ||
		    grow((void **)&d->off, m * sizeof(*d->off)) ||
		    grow((void **)&d->idx, m * sizeof(*d->idx)) ||
		    grow((void **)&d->order, m * sizeof(*d->order)))
			return SQLITE_NOMEM;
		d->rows_cap = nall;
	}
	if (dlen && sqlite3_blob_read(c->bh, d->blob, (int)dlen, 0) != SQLITE_OK)
		return SQLITE_IOERR;
	if (c->want_hash) {
		size_t hl = (size_t)nall * 32;
		if (hl > d->hash_cap) {
			free(d->hashes);
			d->hashes = malloc(hl);
			d->hash_cap = d->hashes ? hl : 0;
			if (!d->hashes)
				return SQLITE_NOMEM;
		}
		if (sqlite3_blob_read(c->bh, d->hashes, (int)hl, (int)dlen) != SQLITE_OK)
			return SQLITE_IOERR;
	}
	/*
	 * Per slot: skip it (most), skip a text's bytes, or test an equality. A zero byte after
	 * the data stops a runaway varint; every record is checked against the end once.
	 */
	const enum store_col_kind *kinds = slot_kinds();
	/* a record's plan: runs of slots to skip, a text to step over, an equality to test */
	struct step {
		unsigned char op, k; /* k: the slot, or for a skip the number of slots */
	} plan[64];
	size_t npl = 0;
	for (size_t k = 0; k < nv; k++) {
		unsigned char o = kinds[k] == STORE_COL_TEXT ? 1 : c->eq_slot[k] ? 2 : 0;
		if (!o && npl && plan[npl - 1].op == 0)
			plan[npl - 1].k++;
		else
			plan[npl++] = (struct step){ o, o ? (unsigned char)k : 1 };
	}
	memset(d->blob + dlen, 0, PAD);
	const unsigned char *p = d->blob, *end = d->blob + dlen;
	int64_t prev_id = first - 1, prev_ts = 0;
	int n = 0;
	d->nall = nall;
	d->dlen = dlen;
	for (int r = 0; r < nall; r++) {
		uint64_t u;
		if (!(p = get_uv(p, end, &u)))
			return SQLITE_CORRUPT_VTAB;
		prev_id += (int64_t)u;
		if (!(p = get_uv(p, end, &u)))
			return SQLITE_CORRUPT_VTAB;
		prev_ts += unzz(u);
		uint32_t off = (uint32_t)(p - d->blob);
		int pass = 1;
		for (size_t j = 0; j < npl; j++) {
			size_t k = plan[j].k;
			switch (plan[j].op) {
			case 0:
				p = skip_uv(p, k);
				break;
			case 1:
				if (!(p = get_uv(p, end, &u)) || (u && u - 1 > (uint64_t)(end - p)))
					return SQLITE_CORRUPT_VTAB;
				p += u ? u - 1 : 0;
				break;
			default: {
				if (!(p = get_uv(p, end, &u)))
					return SQLITE_CORRUPT_VTAB;
				int64_t v = kinds[k] == STORE_COL_INT ? unzz(u) : (int64_t)u;
				for (size_t i = 0; i < c->neq; i++)
					if (c->eq[i].slot == k && c->eq[i].v != v)
						pass = 0;
				break;
			}
			}
		}
		if (p > end)
			return SQLITE_CORRUPT_VTAB;
		if (!pass)
			continue;
		d->id[n] = prev_id;
		d->ts[n] = prev_ts;
		d->off[n] = off;
		d->idx[n] = r;
		n++;
	}
	if (p != end)
		return SQLITE_CORRUPT_VTAB;
	d->n = n;
	d->pos = 0;
	d->ordered = 0;
	d->gen = ++c->gens;
	return SQLITE_OK;
}

/* open the pending block: scan it, order its rows for the mode, peek the next block */
static int open_pending(struct bcur *c)
{
	int64_t first = sqlite3_column_int64(c->blocks, 0);
	int n = sqlite3_column_int(c->blocks, 1);
	if (c->nopen == c->capopen) {
		size_t ncap = c->capopen ? c->capopen * 2 : 4;
		struct vblk *no = realloc(c->open, ncap * sizeof(*no));
		if (!no)
			return SQLITE_NOMEM;
		c->open = no;
		c->capopen = ncap;
	}
	struct vblk *d = &c->open[c->nopen];
	if (c->nspare)
		*d = c->spare[--c->nspare];
	else
		memset(d, 0, sizeof(*d));
	int rc = load_block(c, d, first, n);
	if (rc) {
		vblk_free(d);
		return rc;
	}
	if (c->mode == ORDER_TS_DESC && d->n) {
		d->ordered = 1;
		/* rows are usually in ts order already: reversing is the common case */
		int sorted = 1;
		for (int i = 1; i < d->n && sorted; i++)
			sorted = d->ts[i] >= d->ts[i - 1] && d->id[i] > d->id[i - 1];
		for (int i = 0; i < d->n; i++)
			d->order[i] = d->n - 1 - i;
		if (!sorted)
			qsort_r(d->order, (size_t)d->n, sizeof(int), cmp_ts_desc, d);
	}
	c->nopen++;
	return step_blocks(c);
}

static int row_of(const struct vblk *d)
{
	return d->ordered ? d->order[d->pos] : d->pos;
}

/* a before b in (ts desc, id desc) */
static int head_before(const struct vblk *a, const struct vblk *b)
{
	int ra = row_of(a), rb = row_of(b);
	if (a->ts[ra] != b->ts[rb])
		return a->ts[ra] > b->ts[rb];
	return a->id[ra] > b->id[rb];
}

/* pick the current row: open blocks as the mode needs, drop exhausted ones */
static int settle(struct bcur *c)
{
	int rc;
	for (;;) {
		/* drop exhausted blocks */
		for (size_t i = 0; i < c->nopen;) {
			if (c->open[i].pos >= c->open[i].n) {
				release(c, &c->open[i]);
				c->open[i] = c->open[--c->nopen];
			} else {
				i++;
			}
		}
		if (c->mode != ORDER_TS_DESC) {
			if (c->nopen)
				break;
			if (!c->pending)
				break;
			rc = open_pending(c);
			if (rc)
				return rc;
			continue;
		}
		/* newest first: a block not opened yet may hold the next row while its
		 * newest ts is at least the best head's */
		struct vblk *best = NULL;
		for (size_t i = 0; i < c->nopen; i++)
			if (!best || head_before(&c->open[i], best))
				best = &c->open[i];
		if (c->pending &&
		    (!best || sqlite3_column_int64(c->blocks, 2) >= best->ts[row_of(best)])) {
			rc = open_pending(c);
			if (rc)
				return rc;
			continue;
		}
		break;
	}
	if (!c->nopen) {
		c->eof = 1;
		c->cur = NULL;
		return SQLITE_OK;
	}
	struct vblk *best = &c->open[0];
	if (c->mode == ORDER_TS_DESC)
		for (size_t i = 1; i < c->nopen; i++)
			if (head_before(&c->open[i], best))
				best = &c->open[i];
	c->cur = best;
	c->cur_row = row_of(best);
	return SQLITE_OK;
}

static int vt_filter(sqlite3_vtab_cursor *vc, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct bcur *c = (struct bcur *)vc;
	struct strbuf sb;
	int rc = SQLITE_OK;
	(void)argc;
	cur_reset(c);
	c->eof = 0;
	c->mode = idx_num & ~IDX_HASH;
	c->want_hash = !!(idx_num & IDX_HASH);
	strbuf_init(&sb);
	/*
	 * Newest first walks the covering (ts_max, ts_min, n) index and tests postings as
	 * membership: only the blocks the query reaches are looked at, whereas looking the
	 * postings up first and sorting read the row of every block holding the value (all of
	 * them, for a common host name).
	 */
	strbuf_puts(&sb,
		    c->mode == ORDER_TS_DESC
			    ? "SELECT first_id, n, ts_max FROM blocks INDEXED BY blocks_ts WHERE 1"
			    : "SELECT first_id, n, ts_max FROM blocks WHERE 1");
	int a = 0;
	c->neq = 0;
	memset(c->eq_slot, 0, sizeof(c->eq_slot));
	for (const char *p = idx_str; p && *p; p++, a++) {
		if (*p == TOK_POST || *p == TOK_ROWEQ) {
			size_t slot = *p == TOK_POST ? (size_t)store_posting_cols()[p[1] - '0']
						     : (size_t)(p[1] - '0');
			int t = sqlite3_value_type(argv[a]);
			/* NULL equals nothing; other types are left to SQLite's comparison */
			if (t == SQLITE_NULL) {
				c->eof = 1;
				goto out;
			}
			if (t == SQLITE_INTEGER && c->neq < 16 && slot < sizeof(c->eq_slot)) {
				c->eq[c->neq].slot = slot;
				c->eq[c->neq].v = sqlite3_value_int64(argv[a]);
				c->eq_slot[slot] = 1;
				c->neq++;
			}
		}
		switch (*p) {
		case TOK_ROWEQ:
			p++;
			break;
		case TOK_POST:
			p++;
			strbuf_printf(&sb,
				      " AND first_id IN (SELECT blk FROM postings WHERE col = %d "
				      "AND val = ?%d)",
				      store_posting_cols()[*p - '0'], a + 1);
			break;
		case TOK_TSLO:
			strbuf_printf(&sb, " AND ts_max >= ?%d", a + 1);
			break;
		case TOK_TSHI:
			strbuf_printf(&sb, " AND ts_min <= ?%d", a + 1);
			break;
		case TOK_TSEQ:
			strbuf_printf(&sb, " AND ts_max >= ?%d AND ts_min <= ?%d", a + 1, a + 1);
			break;
		case TOK_IDLO:
			strbuf_printf(&sb, " AND first_id + n > ?%d", a + 1);
			break;
		case TOK_IDHI:
			strbuf_printf(&sb, " AND first_id <= ?%d", a + 1);
			break;
		case TOK_IDEQ:
			strbuf_printf(&sb,
				      " AND first_id <= ?%d AND first_id > ?%d - %d AND "
				      "first_id + n > ?%d",
				      a + 1, a + 1, STORE_BLOCK_MAX, a + 1);
			break;
		}
	}
	/* a lower id bound also bounds first_id (blocks hold at most STORE_BLOCK_MAX ids) */
	a = 0;
	for (const char *p = idx_str; p && *p; p++, a++) {
		if (*p == TOK_POST || *p == TOK_ROWEQ)
			p++;
		else if (*p == TOK_IDLO)
			strbuf_printf(&sb, " AND first_id > ?%d - %d", a + 1, STORE_BLOCK_MAX);
	}
	strbuf_puts(&sb, c->mode == ORDER_TS_DESC ? " ORDER BY ts_max DESC" : " ORDER BY first_id");
	if (strbuf_error(&sb)) {
		rc = SQLITE_NOMEM;
		goto out;
	}
	if (sqlite3_prepare_v2(c->vt->db, sb.buf, -1, &c->blocks, NULL) != SQLITE_OK) {
		rc = SQLITE_ERROR;
		goto out;
	}
	for (int i = 0; i < a; i++)
		sqlite3_bind_value(c->blocks, i + 1, argv[i]);
	rc = step_blocks(c);
	if (!rc)
		rc = settle(c);
out:
	strbuf_done(&sb);
	if (rc)
		c->eof = 1;
	return rc;
}

static int vt_next(sqlite3_vtab_cursor *vc)
{
	struct bcur *c = (struct bcur *)vc;
	if (!c->cur)
		return SQLITE_OK;
	c->cur->pos++;
	return settle(c);
}

static int vt_eof(sqlite3_vtab_cursor *vc)
{
	return ((struct bcur *)vc)->eof;
}

/* the value slots of the current row, decoded once per row (NULL on a malformed block) */
static const int64_t *row_vals(struct bcur *c)
{
	const struct vblk *d = c->cur;
	if (c->dec_gen == d->gen && c->dec_row == c->cur_row)
		return c->dec;
	const enum store_col_kind *kinds = slot_kinds();
	const unsigned char *p = d->blob + d->off[c->cur_row], *end = d->blob + d->dlen;
	for (size_t k = 0; k < c->vt->nv; k++) {
		uint64_t u;
		if (!(p = get_uv(p, end, &u)))
			return NULL;
		switch (kinds[k]) {
		case STORE_COL_INT:
			c->dec[k] = unzz(u);
			break;
		case STORE_COL_TEXT:
			/* (offset of the bytes + 1) << 32 | length; 0 = NULL */
			c->dec[k] =
				u ? (int64_t)(((uint64_t)(p - d->blob) + 1) << 32 | (u - 1)) : 0;
			p += u ? u - 1 : 0;
			break;
		default:
			c->dec[k] = (int64_t)u;
			break;
		}
	}
	c->dec_gen = d->gen;
	c->dec_row = c->cur_row;
	return c->dec;
}

static int vt_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int col)
{
	struct bcur *c = (struct bcur *)vc;
	const struct vblk *d = c->cur;
	int r = c->cur_row;
	if (col == 0) {
		sqlite3_result_int64(ctx, d->id[r]);
		return SQLITE_OK;
	}
	if (col == 1) {
		sqlite3_result_int64(ctx, d->ts[r]);
		return SQLITE_OK;
	}
	if (col == c->vt->ncols - 1) {
		if (d->hashes)
			sqlite3_result_blob(ctx, d->hashes + (size_t)d->idx[r] * 32, 32,
					    SQLITE_TRANSIENT);
		else
			sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	const int64_t *vals = row_vals(c);
	if (!vals)
		return SQLITE_CORRUPT_VTAB;
	size_t slot = (size_t)col - 2;
	int64_t v = vals[slot];
	enum store_col_kind kind = store_block_slot_kind(slot);
	switch (kind) {
	case STORE_COL_TEXT:
		if (!v) {
			sqlite3_result_null(ctx);
		} else {
			uint64_t u = (uint64_t)v;
			sqlite3_result_text(ctx, (const char *)d->blob + (u >> 32) - 1,
					    (int)(u & 0xffffffffu), SQLITE_TRANSIENT);
		}
		break;
	case STORE_COL_SDICT:
	case STORE_COL_TDICT:
		if (v)
			sqlite3_result_int64(ctx, v);
		else
			sqlite3_result_null(ctx);
		break;
	default:
		sqlite3_result_int64(ctx, v);
		break;
	}
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *vc, sqlite_int64 *ret)
{
	struct bcur *c = (struct bcur *)vc;
	*ret = c->cur->id[c->cur_row];
	return SQLITE_OK;
}

static enum store_col_kind kinds_tab[64];
static size_t kinds_n;

static const enum store_col_kind *slot_kinds(void)
{
	(void)store_block_slot_kind(0);
	return kinds_tab;
}

enum store_col_kind store_block_slot_kind(size_t slot)
{
	enum store_col_kind *kinds = kinds_tab;
	size_t n = kinds_n;
	if (!n) {
		const struct store_col *c = store_cols();
		size_t k = 0;
		kinds[k++] = STORE_COL_INT; /* present */
		for (size_t i = 0; i < record_n_fields; i++)
			if (c[i].kind != STORE_COL_NONE && c[i].kind != STORE_COL_TS)
				kinds[k++] = c[i].kind;
		kinds[k++] = STORE_COL_SDICT; /* extra */
		n = kinds_n = k;
	}
	return slot < n ? kinds[slot] : STORE_COL_NONE;
}

static const sqlite3_module blocks_module = {
	.iVersion = 1,
	.xCreate = vt_connect,
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xDestroy = vt_disconnect,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

int store_blocks_register(sqlite3 *db)
{
	(void)store_block_slot_kind(0);
	(void)store_posting_cols();
	return sqlite3_create_module_v2(db, "ward_blocks", &blocks_module, NULL, NULL) == SQLITE_OK
		       ? 0
		       : -EIO;
}
