/* SPDX-License-Identifier: Apache-2.0 */
/*
 * record.h - the KubeArmor record (Alert or Log) that every sink writes and every reader parses.
 *
 * Data path position: monitor/enforcers build a struct ward_record per event; the store, the
 * JSON output, the forwarders and the HTTP API serialise it. Field names, order, types and
 * omission rules follow KubeArmor's gRPC JSON form (spec/kubearmor.md §3.1-3.3): PascalCase
 * keys in proto declaration order, integers as numbers, Severity as a string, every field
 * omitted when empty except PPID and UID.
 *
 * Ownership: a struct ward_record only borrows its strings (NULL or "" = empty). Readers that
 * need to keep one use struct record_owned, which carries its own string storage.
 *
 * One table (record_fields[]) names every field once; the store's columns, `ward logs`
 * filters, the text renderer and CSV export all iterate over it, so a field added here is
 * filterable everywhere.
 */
#ifndef WARD_RECORD_RECORD_H
#define WARD_RECORD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"

struct strbuf;
struct diag;

/* Which optional numeric fields / time encodings were present (for lossless round trips). */
#define RECORD_HAS_TIMESTAMP	(1u << 0) /* "Timestamp" */
#define RECORD_HAS_UPDATED_TIME (1u << 1) /* "UpdatedTime" */
#define RECORD_HAS_EXEC_EVENT	(1u << 2) /* "ExecEvent" object */
#define RECORD_HAS_OWNER	(1u << 3) /* "Owner" object */
/* ATags is not the split of Tags (kept in extra_json then) or was absent: do not derive it */
#define RECORD_NO_ATAGS (1u << 4)

struct ward_record {
	int64_t ts_ns;	  /* the record's instant, unix ns (Timestamp = ts_ns / 1e9) */
	uint32_t present; /* RECORD_HAS_* */
	const char *cluster_name;
	const char *host_name;
	const char *namespace_name;
	const char *owner_ref, *owner_name, *owner_namespace; /* Owner{Ref,Name,Namespace} */
	const char *pod_name;
	const char *labels; /* "k=v,k2=v2" */
	const char *container_id;
	const char *container_name;
	const char *container_image;
	int32_t host_ppid, host_pid, ppid, pid, uid;
	const char *parent_process_name;
	const char *process_name;
	const char *policy_name;
	const char *severity; /* "1".."10" */
	const char *tags;     /* "a,b"; ATags is derived by splitting on ',' */
	const char *message;
	const char *type; /* MatchedPolicy MatchedHostPolicy ContainerLog HostLog SystemEvent */
	const char *source;
	const char *operation;
	const char *resource;
	const char *data;
	const char *enforcer;
	const char *action;
	const char *result;
	const char *cwd;
	const char *tty;
	int32_t max_alerts_per_sec, dropping_alerts_interval;
	const char *exec_id, *executable_name; /* ExecEvent{ExecID,ExecutableName} */
	const char *kubearmor_version;
	const char *node_id;
	const char *process_hash, *parent_hash, *resource_hash, *hash_algo;
	const char *user_name;
	uint32_t count; /* ward: identical blocked attempts folded into this record (0/1 = one) */
	/*
	 * Raw JSON object members without the braces, e.g. `"cluster_id":"27273"`, appended
	 * verbatim after the known fields: extra_fields from the config and, on import, any key
	 * ward does not know (so nothing is lost). Must be valid JSON members.
	 */
	const char *extra_json;
};

enum record_field_kind {
	RECORD_FIELD_STRING = 0,
	RECORD_FIELD_INT32,
	RECORD_FIELD_TIME, /* Timestamp / UpdatedTime: ts_ns */
	RECORD_FIELD_UINT32,
};

struct record_field {
	const char *name;      /* gRPC JSON key, e.g. "HostName" */
	const char *file_name; /* daemon file-form key, e.g. "hostName" (NULL if none) */
	const char *flag;      /* `ward logs` flag / API parameter without dashes, or NULL */
	enum record_field_kind kind;
	size_t offset;	/* into struct ward_record */
	uint8_t always; /* emitted even when empty (PPID, UID) */
};

extern const struct record_field record_fields[];
extern const size_t record_n_fields;

/* record_field_find() - by JSON name (either form, case-insensitive). NULL if unknown. */
const struct record_field *record_field_find(const char *name);
/* record_field_suggest() - closest known name for a "did you mean" hint, or NULL. */
const char *record_field_suggest(const char *name);

/* Accessors through the table (for generic code: store, filters, renderers). */
const char *record_get_string(const struct ward_record *r, const struct record_field *f);
int64_t record_get_int(const struct ward_record *r, const struct record_field *f);

/* record_is_alert() - Type is MatchedPolicy/MatchedHostPolicy/MatchedNetworkPolicy/SystemEvent. */
int record_is_alert(const struct ward_record *r);

/*
 * record_to_json() - append the record as one line of KubeArmor gRPC JSON (no newline).
 * Return: 0 or -ENOMEM.
 */
WARD_NODISCARD int record_to_json(const struct ward_record *r, struct strbuf *out);

/*
 * record_extra_without() - @extra (a record's extra_json: "k":v pairs) without key @key, into
 * @out (reset first). For code that rewrites a record and sets a field the extras also carry
 * (e.g. ATags kept from an import). Return: 0, -EINVAL (@extra is not such pairs), -ENOMEM.
 */
int record_extra_without(const char *extra, const char *key, struct strbuf *out);

/* record_format_time() - "2006-01-02T15:04:05.000000Z" (UpdatedTime) into @buf (>= 32 bytes). */
void record_format_time(int64_t ts_ns, char *buf, size_t size);

/*
 * A record plus the storage its strings live in. record_owned_free() releases both.
 */
struct record_owned {
	struct ward_record rec;
	char *storage; /* owned arena holding every string of rec */
};

/*
 * record_from_json() - parse one JSON object in either KubeArmor form (gRPC PascalCase or the
 * daemon's lower-camel file form). Unknown keys are kept in extra_json. @diag gets
 * "NAME:LINE:COL: error: ..." with @line as the input line the object started on.
 * Return: 0, -EINVAL (not a record; @diag filled), -ENOMEM.
 */
int record_from_json(const char *text, size_t len, const char *name, unsigned line,
		     struct record_owned **ret, struct diag *diag);
void record_owned_free(struct record_owned *o);

#endif
