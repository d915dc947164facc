/* SPDX-License-Identifier: Apache-2.0 */
/*
 * load.c - the public loading entry points of policy.h: files and directories → parse.c →
 * validate.c → normalise.c → struct policy_doc_list, and the list back out as JSON for
 * `ward policy show`.
 *
 * A file is read whole (bounded by POLICY_MAX_FILE_SIZE, checked with fstat before reading, so a
 * 10 MiB file costs nothing). Documents are handled one at a time: each tree is freed before the
 * next is parsed, so memory is bounded by the largest document, not the file.
 */
#include "policy/load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/diag.h"
#include "common/strbuf.h"

static int load_into(const char *name, const char *buf, size_t len, struct policy_doc_list *l,
		     struct policy_load_stats *st, struct diag *diag)
{
	struct yparse *p = NULL;
	int invalid = 0, r;
	r = yparse_new(name, buf, len, diag, &p);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		st->invalid++;
		return 1;
	}
	for (;;) {
		struct ytree t = { 0 };
		r = yparse_next(p, &t);
		if (r == 0)
			break;
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			/* a syntax error or limit: the rest of the file is unreadable */
			st->invalid++;
			invalid++;
			break;
		}
		struct policy_doc *d = NULL;
		size_t notes = diag ? diag->n + diag->n_dropped : 0;
		r = policy_doc_from_tree(name, &t, diag, &d);
		ytree_done(&t);
		if (r == -ENOMEM)
			goto out;
		if (r < 0) {
			st->invalid++;
			invalid++;
			continue;
		}
		if (!d) {
			if (diag && diag->n + diag->n_dropped > notes)
				st->skipped++;
			continue;
		}
		r = policy_doc_normalise(d);
		if (r) {
			policy_doc_free(d);
			goto out;
		}
		r = policy_doc_list_push(l, d);
		if (r)
			goto out;
		st->valid++;
	}
	r = invalid;
out:
	yparse_free(p);
	return r;
}

int policy_load_buffer(const char *name, const char *buf, size_t len, struct policy_doc_list **ret,
		       struct diag *diag)
{
	struct policy_load_stats st = { 0 };
	struct policy_doc_list *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	int r = load_into(name ? name : "<input>", buf, len, l, &st, diag);
	if (r < 0) {
		policy_doc_list_free(l);
		return r;
	}
	*ret = l;
	return r;
}

/* Read @path whole; 1 = reported problem (too big, not a file, unreadable). */
static int read_file(const char *path, char **ret, size_t *ret_len, struct diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		diag_err(diag, path, 0, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	struct stat sb;
	char *buf = NULL;
	int r = 0;
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		diag_err(diag, path, 0, 0, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		diag_err(diag, path, 0, 0, "not a regular file");
		goto out;
	}
	if ((uint64_t)sb.st_size > POLICY_MAX_FILE_SIZE) {
		r = -EFBIG;
		diag_err(diag, path, 1, 1, "file is too large (%lld bytes; the limit is %u)",
			 (long long)sb.st_size, POLICY_MAX_FILE_SIZE);
		goto out;
	}
	/* read at most limit+1 bytes: the file may grow between fstat and read */
	size_t cap = (size_t)sb.st_size + 1, len = 0;
	buf = malloc(cap + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			diag_err(diag, path, 0, 0, "cannot read: %s", strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			if (cap > POLICY_MAX_FILE_SIZE) {
				r = -EFBIG;
				diag_err(diag, path, 1, 1,
					 "file is too large (the limit is %u bytes)",
					 POLICY_MAX_FILE_SIZE);
				goto out;
			}
			size_t ncap = cap * 2 > POLICY_MAX_FILE_SIZE + 1u
					      ? POLICY_MAX_FILE_SIZE + 1u
					      : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

static int load_file_into(const char *path, struct policy_doc_list *l, struct policy_load_stats *st,
			  struct diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	st->files++;
	int r = read_file(path, &buf, &len, diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		st->invalid++;
		return r == -EFBIG || r == -EINVAL ? 1 : r;
	}
	r = load_into(path, buf, len, l, st, diag);
	free(buf);
	return r;
}

int policy_load_file(const char *path, struct policy_doc_list **ret,
		     struct policy_load_stats *stats, struct diag *diag)
{
	struct policy_load_stats st = { 0 };
	struct policy_doc_list *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	int r = load_file_into(path, l, &st, diag);
	if (stats) {
		stats->valid += st.valid;
		stats->invalid += st.invalid;
		stats->skipped += st.skipped;
		stats->files += st.files;
	}
	if (r < 0) {
		policy_doc_list_free(l);
		return r;
	}
	*ret = l;
	return r;
}

/* ---- directory walk ----------------------------------------------------------------------- */

struct file_list {
	char **v;
	size_t n, cap;
};

static int file_list_add(struct file_list *fl, const char *path)
{
	if (fl->n + 1 >= fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;
		char **v = realloc(fl->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		fl->v = v;
		fl->cap = cap;
	}
	fl->v[fl->n] = strdup(path);
	if (!fl->v[fl->n])
		return -ENOMEM;
	fl->n++;
	fl->v[fl->n] = NULL;
	return 0;
}

static int has_yaml_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MAX_DIR_DEPTH 32

static int walk_dir(const char *dir, int depth, struct file_list *fl, struct diag *diag)
{
	if (depth > MAX_DIR_DEPTH) {
		diag_err(diag, dir, 0, 0, "directories nested too deeply (more than %d)",
			 MAX_DIR_DEPTH);
		return 1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		diag_err(diag, dir, 0, 0, "cannot open directory: %s", strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0, bad = 0;
	struct dirent *e;
	/* readdir_r is deprecated; readdir on a DIR of our own is thread-safe in glibc */
	/* cppcheck-suppress readdirCalled */
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nv = realloc(names, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			names = nv;
		}
		if (!(names[n] = strdup(e->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n) /* qsort wants a non-NULL array even for 0 elements */
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && r >= 0; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *p = malloc(plen);
		if (!p) {
			r = -ENOMEM;
			break;
		}
		snprintf(p, plen, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		struct stat lsb, sb;
		if (lstat(p, &lsb) == 0 && S_ISDIR(lsb.st_mode)) {
			int w = walk_dir(p, depth + 1, fl, diag);
			if (w < 0)
				r = w;
			else
				bad += w;
		} else if (has_yaml_ext(names[i]) && stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
			r = file_list_add(fl, p);
		}
		free(p);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r < 0 ? r : bad;
}

int policy_list_files(const char *const *paths, size_t n, char ***ret, struct diag *diag)
{
	struct file_list fl = { 0 };
	int bad = 0, r = 0;
	r = file_list_add(&fl, "");
	if (r)
		goto fail;
	fl.n = 0; /* the empty entry only made sure the array exists and is NULL-terminated */
	free(fl.v[0]);
	fl.v[0] = NULL;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		if (stat(paths[i], &sb) < 0) {
			diag_err(diag, paths[i], 0, 0, "cannot read: %s", strerror(errno));
			bad++;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			r = walk_dir(paths[i], 0, &fl, diag);
			if (r < 0)
				goto fail;
			bad += r;
		} else {
			r = file_list_add(&fl, paths[i]);
			if (r)
				goto fail;
		}
	}
	*ret = fl.v;
	return bad;
fail:
	policy_file_list_free(fl.v);
	return -ENOMEM;
}

void policy_file_list_free(char **files)
{
	if (!files)
		return;
	for (char **f = files; *f; f++)
		free(*f);
	free(files);
}

int policy_load_paths(const char *const *paths, size_t n, struct policy_doc_list **ret,
		      struct diag *diag)
{
	char **files = NULL;
	struct policy_load_stats st = { 0 };
	int bad = policy_list_files(paths, n, &files, diag);
	if (bad < 0)
		return bad;
	struct policy_doc_list *l = calloc(1, sizeof(*l));
	if (!l) {
		policy_file_list_free(files);
		return -ENOMEM;
	}
	int r = 0, invalid = 0;
	for (char **f = files; *f; f++) {
		/* a listed file that cannot be read (permissions, a race with its removal) is one
		 * invalid file, reported; the others still load */
		r = load_file_into(*f, l, &st, diag);
		if (r == -ENOMEM)
			break;
		invalid += r < 0 ? 1 : r;
		r = 0;
	}
	policy_file_list_free(files);
	if (r < 0) {
		policy_doc_list_free(l);
		return r;
	}
	if (bad) {
		policy_doc_list_free(l);
		return -ENOENT;
	}
	*ret = l;
	return invalid;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static const char *kind_name(enum policy_kind k)
{
	switch (k) {
	case POLICY_KIND_KSP:
		return "KubeArmorPolicy";
	case POLICY_KIND_HSP:
		return "KubeArmorHostPolicy";
	case POLICY_KIND_CSP:
		return "KubeArmorClusterPolicy";
	}
	return "";
}

static const char *action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ACTION_ALLOW:
		return "Allow";
	case POLICY_ACTION_AUDIT:
		return "Audit";
	case POLICY_ACTION_BLOCK:
		return "Block";
	default:
		return NULL;
	}
}

/* jansson's *_new functions return NULL on OOM and the setters then fail: collect in oom. */
struct jctx {
	int oom;
};

static void jset(struct jctx *j, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v))
		j->oom = 1;
}

static void jpush(struct jctx *j, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v))
		j->oom = 1;
}

static json_t *jstrv(struct jctx *j, const struct policy_strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < v->n; i++)
		jpush(j, a, json_string(v->v[i]));
	return a;
}

static void jmeta(struct jctx *j, json_t *o, const struct policy_meta *m)
{
	if (m->severity)
		jset(j, o, "severity", json_integer(m->severity));
	if (m->tags.n)
		jset(j, o, "tags", jstrv(j, &m->tags));
	if (m->message)
		jset(j, o, "message", json_string(m->message));
	if (action_name(m->action))
		jset(j, o, "action", json_string(action_name(m->action)));
}

static void jsources(struct jctx *j, json_t *o, const struct policy_sources *s)
{
	if (!s->n)
		return;
	json_t *a = json_array();
	for (size_t i = 0; a && i < s->n; i++) {
		json_t *e = json_object();
		if (e && s->v[i].path)
			jset(j, e, "path", json_string(s->v[i].path));
		if (e && s->v[i].dir) {
			jset(j, e, "dir", json_string(s->v[i].dir));
			if (s->v[i].recursive)
				jset(j, e, "recursive", json_true());
		}
		jpush(j, a, e);
	}
	jset(j, o, "fromSource", a);
}

static json_t *jpath_section(struct jctx *j, const struct policy_path_section *s, int is_file)
{
	json_t *o = json_object();
	json_t *lists[3] = { json_array(), json_array(), json_array() };
	for (size_t i = 0; o && i < s->n; i++) {
		const struct policy_path_rule *r = &s->v[i];
		json_t *e = json_object();
		size_t l = 0;
		switch (r->kind) {
		case POLICY_MATCH_PATH:
			jset(j, e, "path", json_string(r->value));
			break;
		case POLICY_MATCH_EXECNAME:
			jset(j, e, "execname", json_string(r->value));
			break;
		case POLICY_MATCH_DIR:
			l = 1;
			jset(j, e, "dir", json_string(r->value));
			jset(j, e, "recursive", json_boolean(r->recursive));
			break;
		case POLICY_MATCH_PATTERN:
			l = 2;
			jset(j, e, "pattern", json_string(r->value));
			break;
		}
		jset(j, e, "ownerOnly", json_boolean(r->owner_only));
		if (is_file)
			jset(j, e, "readOnly", json_boolean(r->read_only));
		if (r->pts_false)
			jset(j, e, "pts", json_false());
		if (r->allowed_args.n)
			jset(j, e, "allowedArgs", jstrv(j, &r->allowed_args));
		jsources(j, e, &r->from);
		jmeta(j, e, &r->meta);
		jset(j, e, "line", json_integer(r->pos.line));
		jpush(j, lists[l], e);
	}
	static const char *const names[] = { "matchPaths", "matchDirectories", "matchPatterns" };
	for (size_t l = 0; l < 3; l++) {
		if (json_array_size(lists[l]))
			jset(j, o, names[l], lists[l]);
		else
			json_decref(lists[l]);
	}
	jmeta(j, o, &s->meta);
	return o;
}

static json_t *jdoc(struct jctx *j, const struct policy_doc *d)
{
	json_t *o = json_object();
	if (!o) {
		j->oom = 1;
		return NULL;
	}
	jset(j, o, "kind", json_string(kind_name(d->kind)));
	jset(j, o, "name", json_string(d->name));
	if (d->namespace_name)
		jset(j, o, "namespace", json_string(d->namespace_name));
	jset(j, o, "sourceFile", json_string(d->source_file));
	jset(j, o, "line", json_integer(d->pos.line));
	json_t *sel = json_object();
	if (d->selector.n_labels || d->kind == POLICY_KIND_HSP) {
		json_t *ml = json_object();
		for (size_t i = 0; ml && i < d->selector.n_labels; i++)
			jset(j, ml, d->selector.labels[i].key,
			     json_string(d->selector.labels[i].value));
		jset(j, sel, "matchLabels", ml);
	}
	if (d->selector.n_exprs) {
		json_t *a = json_array();
		for (size_t i = 0; a && i < d->selector.n_exprs; i++) {
			const struct policy_expr *e = &d->selector.exprs[i];
			json_t *x = json_object();
			jset(j, x, "key",
			     json_string(e->key == POLICY_EXPR_NAMESPACE ? "namespace" : "label"));
			jset(j, x, "operator", json_string(e->not_in ? "NotIn" : "In"));
			jset(j, x, "values", jstrv(j, &e->values));
			jpush(j, a, x);
		}
		jset(j, sel, "matchExpressions", a);
	}
	jset(j, o, d->kind == POLICY_KIND_HSP ? "nodeSelector" : "selector", sel);
	jmeta(j, o, &d->meta);
	if (d->process.present)
		jset(j, o, "process", jpath_section(j, &d->process, 0));
	if (d->file.present)
		jset(j, o, "file", jpath_section(j, &d->file, 1));
	if (d->network.present) {
		json_t *n = json_object();
		if (d->network.n_protocols) {
			json_t *a = json_array();
			for (size_t i = 0; a && i < d->network.n_protocols; i++) {
				const struct policy_proto_rule *r = &d->network.protocols[i];
				json_t *e = json_object();
				jset(j, e, "protocol", json_string(r->protocol));
				if (r->pts_false)
					jset(j, e, "pts", json_false());
				jsources(j, e, &r->from);
				jmeta(j, e, &r->meta);
				jset(j, e, "line", json_integer(r->pos.line));
				jpush(j, a, e);
			}
			jset(j, n, "matchProtocols", a);
		}
		if (d->network.n_dns) {
			json_t *a = json_array();
			for (size_t i = 0; a && i < d->network.n_dns; i++) {
				const struct policy_dns_rule *r = &d->network.dns[i];
				json_t *e = json_object();
				jset(j, e, "domain", json_string(r->domain));
				jsources(j, e, &r->from);
				jmeta(j, e, &r->meta);
				jset(j, e, "line", json_integer(r->pos.line));
				jpush(j, a, e);
			}
			jset(j, n, "matchDNSQueries", a);
		}
		jmeta(j, n, &d->network.meta);
		jset(j, o, "network", n);
	}
	if (d->capabilities.present) {
		json_t *n = json_object();
		json_t *a = json_array();
		for (size_t i = 0; a && i < d->capabilities.n; i++) {
			const struct policy_cap_rule *r = &d->capabilities.v[i];
			json_t *e = json_object();
			jset(j, e, "capability", json_string(r->capability));
			jsources(j, e, &r->from);
			jmeta(j, e, &r->meta);
			jset(j, e, "line", json_integer(r->pos.line));
			jpush(j, a, e);
		}
		jset(j, n, "matchCapabilities", a);
		jmeta(j, n, &d->capabilities.meta);
		jset(j, o, "capabilities", n);
	}
	if (d->syscalls.present) {
		json_t *n = json_object();
		json_t *ms = json_array(), *mp = json_array();
		for (size_t i = 0; ms && mp && i < d->syscalls.n; i++) {
			const struct policy_syscall_rule *r = &d->syscalls.v[i];
			json_t *e = json_object();
			if (r->path) {
				jset(j, e, "path", json_string(r->path));
				if (r->recursive)
					jset(j, e, "recursive", json_true());
			}
			jset(j, e, "syscall", jstrv(j, &r->syscalls));
			jsources(j, e, &r->from);
			jmeta(j, e, &r->meta);
			jset(j, e, "line", json_integer(r->pos.line));
			jpush(j, r->path ? mp : ms, e);
		}
		jset(j, n, "matchSyscalls", ms);
		jset(j, n, "matchPaths", mp);
		jmeta(j, n, &d->syscalls.meta);
		jset(j, o, "syscalls", n);
	}
	if (d->has_apparmor)
		jset(j, o, "apparmor", json_true());
	if (d->has_presets)
		jset(j, o, "presets", json_true());
	if (d->has_device)
		jset(j, o, "device", json_true());
	return o;
}

int policy_doc_list_to_json(const struct policy_doc_list *l, struct strbuf *out)
{
	struct jctx j = { 0 };
	json_t *a = json_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; l && i < l->n; i++)
		jpush(&j, a, jdoc(&j, l->v[i]));
	char *s = j.oom ? NULL : json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (!s)
		return -ENOMEM;
	strbuf_puts(out, s);
	strbuf_putc(out, '\n');
	free(s);
	return strbuf_error(out);
}
