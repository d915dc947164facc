/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - ward.yaml parsing (see config.h). libyaml's document API gives every node a
 * line/column, so each problem is reported where it is. One table, config_keys[], lists the
 * top-level keys with a handler each; unknown keys get a "did you mean" hint from it.
 */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/diag.h"
#include "common/parse.h"
#include "common/strbuf.h"

struct parse_ctx {
	const char *name;
	yaml_document_t *doc;
	struct ward_config *cfg;
	struct diag *diag;
};

static int node_err(struct parse_ctx *p, const yaml_node_t *n, const char *fmt, ...)
	WARD_PRINTF(3, 4);

static int node_err(struct parse_ctx *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_err(p->diag, p->name, (unsigned)n->start_mark.line + 1,
			(unsigned)n->start_mark.column + 1, "%s", msg);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int get_string(struct parse_ctx *p, const yaml_node_t *n, const char *key, char **field)
{
	const char *s = scalar(n);
	if (!s)
		return node_err(p, n, "'%s' must be a string", key);
	return config_set_string(field, s);
}

static int h_cluster(struct parse_ctx *p, const yaml_node_t *n)
{
	return get_string(p, n, "cluster", &p->cfg->cluster);
}

static int h_hostname(struct parse_ctx *p, const yaml_node_t *n)
{
	return get_string(p, n, "hostname", &p->cfg->hostname);
}

/* "a,b" or [a, b] into one comma-joined string for config_parse_visibility(). */
static int h_visibility(struct parse_ctx *p, const yaml_node_t *n)
{
	struct strbuf sb;
	strbuf_init(&sb);
	int r = 0;
	if (n->type == YAML_SCALAR_NODE) {
		strbuf_puts(&sb, scalar(n));
	} else if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			const yaml_node_t *e = yaml_document_get_node(p->doc, *it);
			if (!scalar(e)) {
				r = node_err(p, e, "visibility entries must be words");
				goto out;
			}
			if (sb.len)
				strbuf_putc(&sb, ',');
			strbuf_puts(&sb, scalar(e));
		}
	} else {
		r = node_err(p, n, "'visibility' must be a list or a comma-separated string");
		goto out;
	}
	if (strbuf_error(&sb)) {
		r = -ENOMEM;
		goto out;
	}
	uint32_t v;
	if (config_parse_visibility(sb.buf ? sb.buf : "", &v) != 0)
		r = node_err(
			p, n,
			"visibility '%s': use any of process, file, network, capabilities, or none",
			sb.buf ? sb.buf : "");
	else
		p->cfg->visibility = v;
out:
	strbuf_done(&sb);
	return r;
}

static int h_policies(struct parse_ctx *p, const yaml_node_t *n)
{
	if (n->type == YAML_SCALAR_NODE) {
		const char *one = scalar(n);
		return config_set_policies(p->cfg, &one, 1);
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return node_err(p, n, "'policies' must be a path or a list of paths");
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	const char **paths = calloc(cnt + 1, sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < cnt; i++) {
		const yaml_node_t *e =
			yaml_document_get_node(p->doc, n->data.sequence.items.start[i]);
		if (!scalar(e)) {
			r = node_err(p, e, "policy paths must be strings");
			goto out;
		}
		paths[i] = scalar(e);
	}
	r = config_set_policies(p->cfg, paths, cnt);
out:
	free(paths);
	return r;
}

static int h_store(struct parse_ctx *p, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return node_err(p, n, "'store' must be a mapping {path, max_age, max_size}");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *key = scalar(k);
		const char *val = scalar(v);
		int r;
		if (!key)
			return node_err(p, k, "store keys must be words");
		if (!strcmp(key, "path")) {
			r = get_string(p, v, "store.path", &p->cfg->store_path);
		} else if (!strcmp(key, "max_age")) {
			int64_t s;
			r = val && parse_duration(val, &s) == 0 && s >= 0 ? 0 : -EINVAL;
			if (r)
				return node_err(
					p, v,
					"store.max_age '%s' is not a duration (e.g. 30d, 12h)",
					val ? val : "?");
			p->cfg->store_max_age = s;
		} else if (!strcmp(key, "max_size")) {
			uint64_t b;
			r = val && parse_size(val, &b) == 0 ? 0 : -EINVAL;
			if (r)
				return node_err(p, v,
						"store.max_size '%s' is not a size (e.g. 10GiB)",
						val ? val : "?");
			p->cfg->store_max_size = b;
		} else {
			return node_err(
				p, k,
				"unknown field 'store.%s' (store has path, max_age, max_size)",
				key);
		}
		if (r)
			return r;
	}
	return 0;
}

/* extra_fields: {key: scalar} → "key":"value" JSON members (numbers stay strings, as given). */
static int h_extra_fields(struct parse_ctx *p, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return node_err(p, n, "'extra_fields' must be a mapping of names to values");
	struct strbuf sb;
	strbuf_init(&sb);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		if (!scalar(k) || !scalar(v) || !*scalar(k)) {
			strbuf_done(&sb);
			return node_err(p, scalar(k) ? v : k,
					"extra_fields entries must be name: value");
		}
		if (sb.len)
			strbuf_putc(&sb, ',');
		strbuf_put_json_string(&sb, scalar(k), strlen(scalar(k)));
		strbuf_putc(&sb, ':');
		strbuf_put_json_string(&sb, scalar(v), strlen(scalar(v)));
	}
	if (strbuf_error(&sb)) {
		strbuf_done(&sb);
		return -ENOMEM;
	}
	free(p->cfg->extra_json);
	p->cfg->extra_json = sb.len ? strbuf_detach(&sb, NULL) : NULL;
	strbuf_done(&sb);
	return 0;
}

static int h_runtime_sockets(struct parse_ctx *p, const yaml_node_t *n)
{
	size_t cnt = n->type == YAML_SEQUENCE_NODE
			     ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			     : 1;
	if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
		return node_err(p, n, "'runtime_sockets' must be a path or a list of paths");
	char **list = calloc(cnt + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		const yaml_node_t *e =
			n->type == YAML_SCALAR_NODE
				? n
				: yaml_document_get_node(p->doc, n->data.sequence.items.start[i]);
		if (!scalar(e) || !(list[i] = strdup(scalar(e)))) {
			for (size_t j = 0; j < i; j++)
				free(list[j]);
			free(list);
			return scalar(e) ? -ENOMEM : node_err(p, e, "socket paths must be strings");
		}
	}
	for (size_t i = 0; p->cfg->runtime_sockets && p->cfg->runtime_sockets[i]; i++)
		free(p->cfg->runtime_sockets[i]);
	free(p->cfg->runtime_sockets);
	p->cfg->runtime_sockets = list;
	return 0;
}

static int h_ring_buffer(struct parse_ctx *p, const yaml_node_t *n)
{
	const char *v = scalar(n);
	uint64_t b;
	if (!v || parse_size(v, &b) != 0 || b < (64u << 10) || b > (1u << 30) || (b & (b - 1)))
		return node_err(p, n, "ring_buffer '%s': a power of two from 64KiB to 1GiB",
				v ? v : "?");
	p->cfg->ring_buffer = (uint32_t)b;
	return 0;
}

/*
 * failed_exec: also report execs that fail (ENOENT, EACCES, ...). It needs the raw sys_exit
 * hook attached at all times, which puts every syscall of the machine on the tracing slow path
 * (about 1.25x on open+close, docs/benchmarks/monitor.md), so it is off by default.
 */
static int h_failed_exec(struct parse_ctx *p, const yaml_node_t *n)
{
	const char *v = scalar(n);
	if (v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on")))
		p->cfg->failed_exec = 1;
	else if (v && (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off")))
		p->cfg->failed_exec = 0;
	else
		return node_err(p, n, "failed_exec '%s': true or false", v ? v : "?");
	return 0;
}

/*
 * file_audit: fanotify (default) or syscall. With fanotify an open of a file an Audit rule
 * names is a permission event the agent answers (~100-150 µs, and it waits while the agent is
 * stopped), and nothing else on the machine pays; with syscall every syscall pays ~0.5 µs and
 * no open ever waits for the agent (docs/config.md).
 */
static int h_file_audit(struct parse_ctx *p, const yaml_node_t *n)
{
	const char *v = scalar(n);
	if (v && !strcmp(v, "fanotify"))
		p->cfg->file_audit = CONFIG_FILE_AUDIT_FANOTIFY;
	else if (v && !strcmp(v, "syscall"))
		p->cfg->file_audit = CONFIG_FILE_AUDIT_SYSCALL;
	else
		return node_err(p, n, "file_audit '%s': fanotify or syscall", v ? v : "?");
	return 0;
}

/*
 * enforcement: on_error allow (fail-open, the default: an internal error never stops a
 * program) or deny (fail-closed: it never lets one through); rt_priority N (1-99) puts the
 * fanotify enforcer's thread on SCHED_FIFO, which keeps a blocked exec's answer out of the
 * scheduler's queue on a busy host (docs/benchmarks/enforce.md), 0 leaves it a normal thread.
 */
static int h_enforcement(struct parse_ctx *p, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE)
		return node_err(p, n, "'enforcement' must be a mapping {on_error, rt_priority}");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *key = scalar(k), *val = scalar(v);
		if (!key)
			return node_err(p, k, "enforcement keys must be words");
		if (!strcmp(key, "on_error")) {
			if (val && !strcmp(val, "allow"))
				p->cfg->enforce_fail_closed = 0;
			else if (val && !strcmp(val, "deny"))
				p->cfg->enforce_fail_closed = 1;
			else
				return node_err(p, v, "enforcement.on_error '%s': allow or deny",
						val ? val : "?");
		} else if (!strcmp(key, "rt_priority")) {
			char *end = NULL;
			long prio = val ? strtol(val, &end, 10) : -1;
			if (!val || !*val || *end || prio < 0 || prio > 99)
				return node_err(p, v, "enforcement.rt_priority '%s': 0 (off) to 99",
						val ? val : "?");
			p->cfg->enforce_rt_priority = (int)prio;
		} else {
			return node_err(
				p, k,
				"unknown field 'enforcement.%s' (enforcement has on_error, rt_priority)",
				key);
		}
	}
	return 0;
}

static int h_outputs(struct parse_ctx *p, const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return node_err(p, n, "'outputs' must be a list");
	p->cfg->n_outputs = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	p->cfg->outputs_line = (unsigned)n->start_mark.line + 1;
	return 0;
}

/* The schema: every top-level key of ward.yaml (design.md §7, plus runtime_sockets). */
static const struct config_key {
	const char *name;
	int (*handle)(struct parse_ctx *p, const yaml_node_t *value);
} config_keys[] = {
	{ "cluster", h_cluster },
	{ "hostname", h_hostname },
	{ "visibility", h_visibility },
	{ "policies", h_policies },
	{ "store", h_store },
	{ "extra_fields", h_extra_fields },
	{ "outputs", h_outputs },
	{ "runtime_sockets", h_runtime_sockets },
	{ "ring_buffer", h_ring_buffer },
	{ "failed_exec", h_failed_exec },
	{ "file_audit", h_file_audit },
	{ "enforcement", h_enforcement },
};

static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static int parse_root(struct parse_ctx *p, const yaml_node_t *root)
{
	if (!root)
		return 0; /* an empty file: defaults */
	if (root->type == YAML_SCALAR_NODE && !*scalar(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return node_err(p, root, "the configuration must be a mapping of keys");
	int bad = 0;
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		const yaml_node_t *k = yaml_document_get_node(p->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(p->doc, pr->value);
		const char *key = scalar(k);
		const struct config_key *found = NULL;
		for (size_t i = 0; key && i < WARD_ARRAY_SIZE(config_keys); i++)
			if (!strcmp(key, config_keys[i].name))
				found = &config_keys[i];
		if (!found) {
			const char *best = NULL;
			size_t bd = 99;
			for (size_t i = 0; key && i < WARD_ARRAY_SIZE(config_keys); i++) {
				size_t d = distance(key, config_keys[i].name);
				if (d < bd) {
					bd = d;
					best = config_keys[i].name;
				}
			}
			if (best && bd <= strlen(key) / 2 + 1)
				node_err(p, k, "unknown field '%s' (did you mean '%s'?)", key,
					 best);
			else
				node_err(p, k, "unknown field '%s'", key ? key : "?");
			bad = 1;
			continue;
		}
		int r = found->handle(p, v);
		if (r == -ENOMEM)
			return r;
		if (r)
			bad = 1;
	}
	return bad ? -EINVAL : 0;
}

int config_parse_visibility(const char *s, uint32_t *ret)
{
	static const struct {
		const char *word;
		uint32_t bit;
	} words[] = {
		{ "process", CONFIG_VIS_PROCESS },
		{ "file", CONFIG_VIS_FILE },
		{ "network", CONFIG_VIS_NETWORK },
		{ "capabilities", CONFIG_VIS_CAPABILITIES },
		{ "none", 0 },
	};
	uint32_t v = 0;
	int none = 0, any = 0;
	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, ", ");
		size_t i;
		for (i = 0; i < WARD_ARRAY_SIZE(words); i++)
			if (strlen(words[i].word) == n && !strncasecmp(s, words[i].word, n))
				break;
		if (i == WARD_ARRAY_SIZE(words))
			return -EINVAL;
		if (!words[i].bit)
			none = 1;
		v |= words[i].bit;
		any = 1;
		s += n;
	}
	if (!any || (none && v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int config_set_string(char **field, const char *value)
{
	char *s = value ? strdup(value) : NULL;
	if (value && !s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int config_set_policies(struct ward_config *c, const char *const *paths, size_t n)
{
	char **list = calloc(n + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(list[i] = strdup(paths[i]))) {
			for (size_t j = 0; j < i; j++)
				free(list[j]);
			free(list);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < c->n_policies; i++)
		free(c->policies[i]);
	free(c->policies);
	c->policies = list;
	c->n_policies = n;
	return 0;
}

int config_new_default(struct ward_config **ret)
{
	struct ward_config *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	host[strcspn(host, ".")] = '\0'; /* KubeArmor: the hostname up to the first '.' */
	const char *pol = CONFIG_DEFAULT_POLICIES;
	c->visibility = CONFIG_VIS_ALL;
	if (config_set_string(&c->cluster, "default") || config_set_string(&c->hostname, host) ||
	    config_set_policies(c, &pol, 1)) {
		config_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void config_free(struct ward_config *c)
{
	if (!c)
		return;
	free(c->cluster);
	free(c->hostname);
	for (size_t i = 0; i < c->n_policies; i++)
		free(c->policies[i]);
	free(c->policies);
	free(c->store_path);
	free(c->extra_json);
	for (size_t i = 0; c->runtime_sockets && c->runtime_sockets[i]; i++)
		free(c->runtime_sockets[i]);
	free(c->runtime_sockets);
	free(c->source_path);
	free(c);
}

int config_load_buffer(const char *name, const char *buf, size_t len, struct ward_config **ret,
		       struct diag *diag)
{
	if (len > CONFIG_MAX_FILE_SIZE)
		return diag_err(diag, name, 0, 0, "file is larger than %u bytes",
				CONFIG_MAX_FILE_SIZE);
	struct ward_config *c;
	int r = config_new_default(&c);
	if (r)
		return r;
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser)) {
		config_free(c);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = diag_err(diag, name, (unsigned)parser.problem_mark.line + 1,
			     (unsigned)parser.problem_mark.column + 1, "%s",
			     parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		config_free(c);
		return r;
	}
	struct parse_ctx p = { .name = name, .doc = &doc, .cfg = c, .diag = diag };
	r = parse_root(&p, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r == 0)
		r = config_set_string(&c->source_path, name);
	if (r) {
		config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int config_load_file(const char *path, int must_exist, struct ward_config **ret, struct diag *diag)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT && !must_exist)
			return config_new_default(ret);
		diag_err(diag, path, 0, 0, "cannot open: %s", strerror(err));
		return -err;
	}
	struct strbuf sb;
	strbuf_init(&sb);
	char chunk[65536];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (sb.len + (size_t)n > CONFIG_MAX_FILE_SIZE) {
			close(fd);
			strbuf_done(&sb);
			return diag_err(diag, path, 0, 0, "file is larger than %u bytes",
					CONFIG_MAX_FILE_SIZE);
		}
		strbuf_append(&sb, chunk, (size_t)n);
	}
	int err = n < 0 ? errno : 0;
	close(fd);
	if (err || strbuf_error(&sb)) {
		strbuf_done(&sb);
		if (err)
			diag_err(diag, path, 0, 0, "cannot read: %s", strerror(err));
		return err ? -err : -ENOMEM;
	}
	int r = config_load_buffer(path, sb.buf ? sb.buf : "", sb.len, ret, diag);
	strbuf_done(&sb);
	return r;
}
