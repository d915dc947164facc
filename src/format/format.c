/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.c - record -> CEF, LEEF, OCSF, RFC 5424 and plain text bodies, and their escapers.
 *
 * Every writer appends to a strbuf and checks strbuf_error() once at the end (strbuf keeps
 * appends after an allocation failure as no-ops). Field choice per format is documented in
 * docs/forwarding.md; the escaping rules are those of spec/siem-formats.md and are the only
 * place user-controlled bytes (paths, command lines, messages) meet a wire format.
 */
#include "format/format.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "record/record.h"

static int set(const char *s)
{
	return s && *s;
}

int format_kind_parse(const char *name, enum format_kind *ret)
{
	static const struct {
		const char *name;
		enum format_kind k;
	} map[] = {
		{ "json", FORMAT_JSON }, { "kubearmor", FORMAT_JSON },
		{ "cef", FORMAT_CEF },	 { "leef", FORMAT_LEEF },
		{ "ocsf", FORMAT_OCSF }, { "rfc5424", FORMAT_RFC5424 },
	};
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(map); i++)
		if (!strcasecmp(name, map[i].name)) {
			*ret = map[i].k;
			return 0;
		}
	return -EINVAL;
}

const char *format_kind_name(enum format_kind k)
{
	switch (k) {
	case FORMAT_JSON:
		return "json";
	case FORMAT_CEF:
		return "cef";
	case FORMAT_LEEF:
		return "leef";
	case FORMAT_OCSF:
		return "ocsf";
	case FORMAT_RFC5424:
		return "rfc5424";
	}
	return "?";
}

/* ---- escapers ------------------------------------------------------------------------------- */

/*
 * Append @s escaping the bytes of @special (the formatters are on the forwarding hot path:
 * one reservation, then a byte loop). LF/CR/TAB become \\n \\r \\t when they are special.
 */
static const unsigned char cef_header_special[256] = { ['\\'] = 1, ['|'] = 1 };
static const unsigned char cef_ext_special[256] = { ['\\'] = 1, ['='] = 1, ['\n'] = 1, ['\r'] = 1 };
static const unsigned char sd_special[256] = { ['"'] = 1, ['\\'] = 1, [']'] = 1 };
static const unsigned char leef_value_special[256] = {
	['\\'] = 1, ['='] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1
};

static void escape_set(struct strbuf *out, const char *s, size_t n,
		       const unsigned char special[256])
{
	/* worst case every byte doubles: reserve once, then write without per-run appends */
	if (n > (SIZE_MAX - out->len - 1) / 2 || strbuf_reserve(out, 2 * n) < 0) {
		out->oom = 1;
		return;
	}
	char *o = out->buf + out->len;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (WARD_LIKELY(!special[(unsigned char)c])) {
			*o++ = c;
			continue;
		}
		*o++ = '\\';
		*o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c;
	}
	*o = '\0';
	out->len = (size_t)(o - out->buf);
}

void format_cef_escape_header(struct strbuf *out, const char *s, size_t n)
{
	escape_set(out, s, n, cef_header_special);
}

void format_cef_escape_ext(struct strbuf *out, const char *s, size_t n)
{
	escape_set(out, s, n, cef_ext_special);
}

/* Shared inverse: a backslash followed by one of @plain (kept) or n/r/t (control characters). */
static int unescape(struct strbuf *out, const char *s, size_t n, const char *plain, int ctl)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			strbuf_putc(out, s[i]);
			continue;
		}
		if (++i == n)
			return -EINVAL;
		if (s[i] && strchr(plain, s[i]))
			strbuf_putc(out, s[i]);
		else if (ctl && s[i] == 'n')
			strbuf_putc(out, '\n');
		else if (ctl && s[i] == 'r')
			strbuf_putc(out, '\r');
		else if (ctl && s[i] == 't')
			strbuf_putc(out, '\t');
		else
			return -EINVAL;
	}
	return strbuf_error(out);
}

int format_cef_unescape(struct strbuf *out, const char *s, size_t n)
{
	return unescape(out, s, n, "\\|=", 1);
}

void format_sd_escape(struct strbuf *out, const char *s, size_t n)
{
	escape_set(out, s, n, sd_special);
}

int format_sd_unescape(struct strbuf *out, const char *s, size_t n)
{
	return unescape(out, s, n, "\"\\]", 0);
}

void format_leef_escape_header(struct strbuf *out, const char *s, size_t n)
{
	format_cef_escape_header(out, s, n);
}

void format_leef_escape_value(struct strbuf *out, const char *s, size_t n)
{
	escape_set(out, s, n, leef_value_special);
}

int format_leef_unescape(struct strbuf *out, const char *s, size_t n)
{
	return unescape(out, s, n, "\\|=", 1);
}

/* ---- shared helpers ------------------------------------------------------------------------- */

static int64_t ts_ms(const struct ward_record *r)
{
	return r->ts_ns / 1000000;
}

static int severity_num(const struct ward_record *r)
{
	if (!set(r->severity))
		return 0;
	char *end;
	long v = strtol(r->severity, &end, 10);
	if (*end || v < 0)
		return 0;
	return v > 10 ? 10 : (int)v;
}

static int is_block(const struct ward_record *r)
{
	return set(r->action) && !strncmp(r->action, "Block", 5);
}

static const char *event_id(const struct ward_record *r)
{
	if (set(r->policy_name))
		return r->policy_name;
	return set(r->type) ? r->type : "unknown";
}

/* ---- plain ---------------------------------------------------------------------------------- */

int format_plain(const struct ward_record *r, struct strbuf *out)
{
	if (set(r->message)) {
		strbuf_puts(out, r->message);
		strbuf_puts(out, ": ");
	}
	strbuf_puts(out, set(r->operation) ? r->operation : "-");
	strbuf_putc(out, ' ');
	strbuf_puts(out, set(r->resource) ? r->resource : "-");
	if (set(r->action)) {
		strbuf_puts(out, " action=");
		strbuf_puts(out, r->action);
	}
	if (set(r->result)) {
		strbuf_puts(out, " result=");
		strbuf_puts(out, r->result);
	}
	return strbuf_error(out);
}

/* ---- CEF ------------------------------------------------------------------------------------ */

static void cef_kv(struct strbuf *out, const char *k, const char *v)
{
	if (!set(v))
		return;
	strbuf_putc(out, ' ');
	strbuf_puts(out, k);
	strbuf_putc(out, '=');
	format_cef_escape_ext(out, v, strlen(v));
}

static void cef_label(struct strbuf *out, const char *k, const char *label, const char *v)
{
	if (!set(v))
		return;
	strbuf_putc(out, ' ');
	strbuf_puts(out, k);
	strbuf_puts(out, "Label=");
	strbuf_puts(out, label);
	cef_kv(out, k, v);
}

static void cef_int(struct strbuf *out, const char *k, int64_t v)
{
	strbuf_putc(out, ' ');
	strbuf_puts(out, k);
	strbuf_putc(out, '=');
	strbuf_put_i64(out, v);
}

int format_cef(const struct ward_record *r, struct strbuf *out)
{
	strbuf_puts(out, "CEF:0|" FORMAT_VENDOR "|" FORMAT_PRODUCT "|" FORMAT_VERSION "|");
	const char *id = event_id(r);
	format_cef_escape_header(out, id, strlen(id));
	strbuf_putc(out, '|');
	if (set(r->message)) {
		format_cef_escape_header(out, r->message, strlen(r->message));
	} else {
		const char *op = set(r->operation) ? r->operation : "Event";
		const char *ty = set(r->type) ? r->type : "Record";
		format_cef_escape_header(out, op, strlen(op));
		strbuf_putc(out, ' ');
		format_cef_escape_header(out, ty, strlen(ty));
	}
	/* no printf on this path: the forwarders encode every record through here */
	strbuf_putc(out, '|');
	strbuf_put_i64(out, severity_num(r));
	strbuf_puts(out, "|rt=");
	strbuf_put_i64(out, ts_ms(r));
	cef_kv(out, "dvchost", r->host_name);
	cef_kv(out, "cat", r->operation);
	cef_kv(out, "act", r->action);
	cef_kv(out, "outcome", r->result);
	cef_kv(out, "msg", r->message);
	cef_int(out, "spid", r->host_pid);
	cef_kv(out, "sproc", r->process_name);
	cef_int(out, "suid", r->uid);
	cef_kv(out, "suser", r->user_name);
	if (set(r->operation) && !strcmp(r->operation, "File"))
		cef_kv(out, "filePath", r->resource);
	else if (set(r->operation) && !strcmp(r->operation, "Process"))
		cef_kv(out, "dproc", r->resource);
	else
		cef_label(out, "cs6", "resource", r->resource);
	cef_label(out, "cs1", "policy", r->policy_name);
	cef_label(out, "cs2", "type", r->type);
	cef_label(out, "cs3", "namespace", r->namespace_name);
	cef_label(out, "cs4", "pod", r->pod_name);
	cef_label(out, "cs5", "container", r->container_name);
	strbuf_puts(out, " cn1Label=ppid");
	cef_int(out, "cn1", r->host_ppid);
	cef_label(out, "flexString1", "cluster", r->cluster_name);
	cef_label(out, "flexString2", "tags", r->tags);
	cef_kv(out, "deviceProcessName", r->parent_process_name);
	cef_kv(out, "wardSource", r->source);
	cef_kv(out, "wardData", r->data);
	cef_kv(out, "wardEnforcer", r->enforcer);
	cef_kv(out, "wardContainerId", r->container_id);
	cef_kv(out, "wardImage", r->container_image);
	return strbuf_error(out);
}

/* ---- LEEF ----------------------------------------------------------------------------------- */

static void leef_kv(struct strbuf *out, const char *k, const char *v)
{
	if (!set(v))
		return;
	strbuf_putc(out, '\t');
	strbuf_puts(out, k);
	strbuf_putc(out, '=');
	format_leef_escape_value(out, v, strlen(v));
}

static void leef_int(struct strbuf *out, const char *k, int64_t v)
{
	strbuf_putc(out, '\t');
	strbuf_puts(out, k);
	strbuf_putc(out, '=');
	strbuf_put_i64(out, v);
}

int format_leef(const struct ward_record *r, struct strbuf *out)
{
	strbuf_puts(out, "LEEF:1.0|" FORMAT_VENDOR "|" FORMAT_PRODUCT "|" FORMAT_VERSION "|");
	const char *id = event_id(r);
	format_leef_escape_header(out, id, strlen(id));
	/* LEEF 1.0: the attribute delimiter is TAB; devTime in epoch milliseconds needs no format */
	strbuf_puts(out, "|devTime=");
	strbuf_put_i64(out, ts_ms(r));
	leef_kv(out, "cat", r->operation);
	int sev = severity_num(r);
	if (sev)
		leef_int(out, "sev", sev);
	leef_kv(out, "identHostName", r->host_name);
	leef_kv(out, "usrName", r->user_name);
	leef_int(out, "uid", r->uid);
	leef_int(out, "pid", r->host_pid);
	leef_int(out, "ppid", r->host_ppid);
	leef_kv(out, "proc", r->process_name);
	leef_kv(out, "parentProc", r->parent_process_name);
	leef_kv(out, "resource", r->resource);
	leef_kv(out, "action", r->action);
	leef_kv(out, "result", r->result);
	leef_kv(out, "policy", r->policy_name);
	leef_kv(out, "type", r->type);
	leef_kv(out, "msg", r->message);
	leef_kv(out, "cluster", r->cluster_name);
	leef_kv(out, "namespace", r->namespace_name);
	leef_kv(out, "pod", r->pod_name);
	leef_kv(out, "container", r->container_name);
	leef_kv(out, "containerId", r->container_id);
	leef_kv(out, "image", r->container_image);
	leef_kv(out, "tags", r->tags);
	leef_kv(out, "source", r->source);
	leef_kv(out, "data", r->data);
	leef_kv(out, "enforcer", r->enforcer);
	return strbuf_error(out);
}

/* ---- RFC 5424 ------------------------------------------------------------------------------- */

int format_syslog_severity(const struct ward_record *r)
{
	int s = severity_num(r);
	if (s >= 9)
		return 2;
	if (s >= 7)
		return 3;
	if (s >= 5)
		return 4;
	if (s >= 3)
		return 5;
	if (s >= 1)
		return 6;
	return is_block(r) ? 4 : 6;
}

/* A header field: printable US-ASCII (33..126) only, at most @max bytes, NILVALUE when empty. */
static void header_field(struct strbuf *out, const char *s, size_t max)
{
	if (!set(s)) {
		strbuf_putc(out, '-');
		return;
	}
	size_t n = strnlen(s, max), start = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 33 && c <= 126)
			continue;
		strbuf_append(out, s + start, i - start);
		strbuf_putc(out, '_');
		start = i + 1;
	}
	strbuf_append(out, s + start, n - start);
}

static void sd_param(struct strbuf *out, const char *name, const char *v)
{
	if (!set(v))
		return;
	strbuf_putc(out, ' ');
	strbuf_puts(out, name);
	strbuf_append(out, "=\"", 2);
	format_sd_escape(out, v, strlen(v));
	strbuf_putc(out, '"');
}

static void sd_int(struct strbuf *out, const char *name, int64_t v)
{
	strbuf_putc(out, ' ');
	strbuf_puts(out, name);
	strbuf_append(out, "=\"", 2);
	strbuf_put_i64(out, v);
	strbuf_putc(out, '"');
}

int format_rfc5424(const struct ward_record *r, const struct format_syslog_opts *o,
		   const char *body, size_t body_len, struct strbuf *out)
{
	int fac = o && o->facility >= 0 && o->facility <= 23 ? o->facility : 10;
	char ts[40];
	record_format_time(r->ts_ns, ts, sizeof(ts));
	strbuf_putc(out, '<');
	strbuf_put_i64(out, fac * 8 + format_syslog_severity(r));
	strbuf_puts(out, ">1 ");
	strbuf_puts(out, ts);
	strbuf_putc(out, ' ');
	header_field(out, o && set(o->hostname) ? o->hostname : r->host_name, 255);
	strbuf_putc(out, ' ');
	header_field(out, o && set(o->app_name) ? o->app_name : "ward", 48);
	if (r->host_pid > 0) {
		strbuf_putc(out, ' ');
		strbuf_put_i64(out, r->host_pid);
		strbuf_putc(out, ' ');
	} else
		strbuf_puts(out, " - ");
	header_field(out, r->type, 32);
	strbuf_puts(out, " [" FORMAT_SD_ID);
	sd_param(out, "type", r->type);
	sd_param(out, "policy", r->policy_name);
	sd_param(out, "severity", r->severity);
	sd_param(out, "action", r->action);
	sd_param(out, "result", r->result);
	sd_param(out, "operation", r->operation);
	sd_param(out, "resource", r->resource);
	sd_param(out, "process", r->process_name);
	sd_int(out, "pid", r->host_pid);
	sd_int(out, "ppid", r->host_ppid);
	sd_int(out, "uid", r->uid);
	sd_param(out, "cluster", r->cluster_name);
	sd_param(out, "ns", r->namespace_name);
	sd_param(out, "pod", r->pod_name);
	sd_param(out, "container", r->container_name);
	sd_param(out, "enforcer", r->enforcer);
	sd_param(out, "tags", r->tags);
	strbuf_puts(out, "] ");
	if (body)
		strbuf_append(out, body, body_len);
	else if (format_plain(r, out))
		return -ENOMEM;
	return strbuf_error(out);
}

/* ---- OCSF ----------------------------------------------------------------------------------- */

struct jw {
	struct strbuf *sb;
	int first[8];
	int depth;
};

static void jw_key(struct jw *w, const char *k)
{
	if (!w->first[w->depth])
		strbuf_putc(w->sb, ',');
	w->first[w->depth] = 0;
	strbuf_put_json_string(w->sb, k, strlen(k));
	strbuf_putc(w->sb, ':');
}

static void jw_open(struct jw *w, const char *k)
{
	if (k)
		jw_key(w, k);
	strbuf_putc(w->sb, '{');
	w->first[++w->depth] = 1;
}

static void jw_close(struct jw *w)
{
	strbuf_putc(w->sb, '}');
	w->depth--;
}

static void jw_str(struct jw *w, const char *k, const char *v)
{
	if (!set(v))
		return;
	jw_key(w, k);
	strbuf_put_json_string(w->sb, v, strlen(v));
}

static void jw_int(struct jw *w, const char *k, int64_t v)
{
	jw_key(w, k);
	strbuf_put_i64(w->sb, v);
}

static void jw_raw(struct jw *w, const char *k, const char *raw)
{
	jw_key(w, k);
	strbuf_puts(w->sb, raw);
}

static int has(const char *s, const char *needle)
{
	return set(s) && strstr(s, needle);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

static void ocsf_file(struct jw *w, const char *key, const char *path)
{
	if (!set(path))
		return;
	jw_open(w, key);
	jw_str(w, "path", path);
	jw_str(w, "name", base_name(path));
	size_t n = strlen(path);
	jw_int(w, "type_id", n > 1 && path[n - 1] == '/' ? 2 : 1);
	jw_close(w);
}

/* Copy the value of "key=" from a space-separated "k=v k2=v2" string into @buf. */
static int kv_get(const char *s, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);
	for (const char *p = s; p && *p;) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = len - kl - 1;
			if (vl >= size)
				vl = size - 1;
			memcpy(buf, p + kl + 1, vl);
			buf[vl] = 0;
			return 1;
		}
		p = end;
	}
	return 0;
}

int format_ocsf(const struct ward_record *r, struct strbuf *out)
{
	const char *op = set(r->operation) ? r->operation : "";
	int class_uid = 1007, category = 1, activity = 99;
	if (!strcmp(op, "Process")) {
		activity = has(r->data, "PTRACE") ? 4 : 1;
	} else if (!strcmp(op, "File")) {
		class_uid = 1001;
		if (has(r->data, "UNLINK") || has(r->data, "RMDIR"))
			activity = 4;
		else if (has(r->data, "CHOWN") || has(r->data, "CHMOD"))
			activity = 7;
		else if (has(r->data, "MKDIR") || has(r->data, "MKNOD") ||
			 has(r->data, "SYMLINK") || has(r->data, "FILE_LINK"))
			activity = 1;
		else if (has(r->data, "RENAME"))
			activity = 5;
		else if (has(r->data, "TRUNCATE"))
			activity = 3;
		else
			activity = 14;
	} else if (!strcmp(op, "Network")) {
		class_uid = 4001;
		category = 4;
		activity = has(r->data, "BIND") || has(r->data, "LISTEN") ? 7 : 1;
	} else if (!strcmp(op, "Syscall")) {
		if (has(r->data, "SYS_MOUNT") || has(r->data, "SYS_UMOUNT")) {
			class_uid = 1001;
			activity = has(r->data, "SYS_MOUNT") ? 12 : 13;
		} else if (has(r->data, "SETUID") || has(r->data, "SETGID")) {
			activity = 5;
		}
	}
	int sev = severity_num(r);
	int sev_id = sev >= 9 ? 5 : sev >= 7 ? 4 : sev >= 5 ? 3 : sev >= 3 ? 2 : 1;
	int action_id = 1, disposition_id = 17;
	if (is_block(r)) {
		action_id = 2;
		disposition_id = 2;
	} else if (set(r->action) && !strncmp(r->action, "Audit", 5)) {
		disposition_id = 15;
	} else if (set(r->action) && !strcmp(r->action, "Allow")) {
		disposition_id = 1;
	}

	struct jw w = { .sb = out, .first = { 1 } };
	jw_open(&w, NULL);
	jw_int(&w, "class_uid", class_uid);
	jw_int(&w, "category_uid", category);
	jw_int(&w, "activity_id", activity);
	jw_int(&w, "type_uid", (int64_t)class_uid * 100 + activity);
	jw_int(&w, "time", ts_ms(r));
	jw_int(&w, "severity_id", sev_id);
	jw_int(&w, "action_id", action_id);
	jw_int(&w, "disposition_id", disposition_id);
	jw_raw(&w, "is_alert", record_is_alert(r) ? "true" : "false");
	if (set(r->result)) {
		jw_int(&w, "status_id", !strcmp(r->result, "Passed") ? 1 : 2);
		jw_str(&w, "status_detail", r->result);
	}
	jw_str(&w, "message", r->message);
	if (set(r->policy_name)) {
		jw_open(&w, "policy");
		jw_str(&w, "name", r->policy_name);
		jw_str(&w, "desc", r->message);
		jw_close(&w);
	}
	/* actor: the parent for a launch, the acting process otherwise */
	int launch = class_uid == 1007 && activity == 1;
	jw_open(&w, "actor");
	jw_open(&w, "process");
	if (launch) {
		jw_int(&w, "pid", r->host_ppid);
		ocsf_file(&w, "file", r->parent_process_name);
	} else {
		jw_int(&w, "pid", r->host_pid);
		ocsf_file(&w, "file", r->process_name);
		jw_str(&w, "cmd_line", r->source);
		jw_open(&w, "user");
		jw_key(&w, "uid");
		strbuf_printf(out, "\"%d\"", r->uid);
		jw_str(&w, "name", r->user_name);
		jw_close(&w);
	}
	jw_close(&w);
	jw_close(&w);
	if (class_uid == 1007) {
		jw_open(&w, "process");
		jw_int(&w, "pid", r->host_pid);
		ocsf_file(&w, "file", r->process_name);
		jw_str(&w, "cmd_line", launch ? r->resource : r->source);
		jw_open(&w, "user");
		jw_key(&w, "uid");
		strbuf_printf(out, "\"%d\"", r->uid);
		jw_str(&w, "name", r->user_name);
		jw_close(&w);
		if (launch) {
			jw_open(&w, "parent_process");
			jw_int(&w, "pid", r->host_ppid);
			ocsf_file(&w, "file", r->parent_process_name);
			jw_close(&w);
		}
		jw_close(&w);
	} else if (class_uid == 1001) {
		ocsf_file(&w, "file", r->resource);
	} else {
		char ip[64], port[16], proto[32];
		int has_ip = kv_get(r->resource, "remoteip", ip, sizeof(ip)) ||
			     kv_get(r->resource, "sin_addr", ip, sizeof(ip));
		int has_port = kv_get(r->resource, "port", port, sizeof(port)) ||
			       kv_get(r->resource, "sin_port", port, sizeof(port));
		if (has_ip || has_port) {
			jw_open(&w, "dst_endpoint");
			if (has_ip)
				jw_str(&w, "ip", ip);
			char *end;
			long p = strtol(port, &end, 10);
			if (has_port && !*end && p >= 0 && p <= 65535)
				jw_int(&w, "port", p);
			jw_close(&w);
		}
		if (kv_get(r->resource, "protocol", proto, sizeof(proto))) {
			jw_open(&w, "connection_info");
			jw_str(&w, "protocol_name", proto);
			jw_close(&w);
		}
	}
	jw_open(&w, "device");
	jw_str(&w, "hostname", r->host_name);
	jw_int(&w, "type_id", 0);
	jw_close(&w);
	if (set(r->container_id) || set(r->container_name)) {
		jw_open(&w, "container");
		jw_str(&w, "uid", r->container_id);
		jw_str(&w, "name", r->container_name);
		if (set(r->container_image)) {
			jw_open(&w, "image");
			jw_str(&w, "name", r->container_image);
			jw_close(&w);
		}
		jw_close(&w);
	}
	jw_open(&w, "metadata");
	jw_str(&w, "version", "1.8.0");
	jw_open(&w, "product");
	jw_str(&w, "name", FORMAT_PRODUCT);
	jw_str(&w, "vendor_name", FORMAT_VENDOR);
	jw_str(&w, "version", FORMAT_VERSION);
	jw_close(&w);
	jw_close(&w);
	/* KubeArmor fields OCSF has no attribute for, under their KubeArmor names */
	jw_open(&w, "unmapped");
	jw_str(&w, "ClusterName", r->cluster_name);
	jw_str(&w, "NamespaceName", r->namespace_name);
	jw_str(&w, "PodName", r->pod_name);
	jw_str(&w, "Labels", r->labels);
	jw_str(&w, "Type", r->type);
	jw_str(&w, "Operation", r->operation);
	jw_str(&w, "Resource", r->resource);
	jw_str(&w, "Data", r->data);
	jw_str(&w, "Action", r->action);
	jw_str(&w, "Enforcer", r->enforcer);
	jw_str(&w, "Severity", r->severity);
	jw_str(&w, "Tags", r->tags);
	jw_str(&w, "Cwd", r->cwd);
	jw_str(&w, "TTY", r->tty);
	jw_close(&w);
	jw_close(&w);
	return strbuf_error(out);
}

int format_record(enum format_kind k, const struct ward_record *r, struct strbuf *out)
{
	switch (k) {
	case FORMAT_JSON:
		return record_to_json(r, out);
	case FORMAT_CEF:
		return format_cef(r, out);
	case FORMAT_LEEF:
		return format_leef(r, out);
	case FORMAT_OCSF:
		return format_ocsf(r, out);
	case FORMAT_RFC5424:
		return format_plain(r, out);
	}
	return -EINVAL;
}
