/* SPDX-License-Identifier: Apache-2.0 */
/*
 * format.h - body formats for forwarding: pure functions from a struct ward_record to bytes.
 *
 * Data path position: the forwarders (src/fwd/) call these to turn a record into the body a SIEM
 * expects: KubeArmor JSON (record_to_json), ArcSight CEF, QRadar LEEF 1.0, OCSF 1.8 JSON and a
 * full RFC 5424 syslog line whose structured data carries the main fields. Nothing here does
 * I/O or keeps state; every function appends to a caller-owned strbuf and returns 0 or
 * -ENOMEM. The escapers are exported (with their inverse, for round-trip tests and fuzzing)
 * because the wire formats are only as safe as their escaping (spec/siem-formats.md).
 */
#ifndef WARD_FORMAT_FORMAT_H
#define WARD_FORMAT_FORMAT_H

#include <stddef.h>

#include "common/compiler.h"

struct strbuf;
struct ward_record;

enum format_kind {
	FORMAT_JSON = 0, /* KubeArmor gRPC JSON, one line */
	FORMAT_CEF,	 /* CEF:0|ward|ward|VERSION|... */
	FORMAT_LEEF,	 /* LEEF:1.0|ward|ward|VERSION|EventID|TAB-separated attributes */
	FORMAT_OCSF,	 /* OCSF JSON (1001 / 1007 / 4001) */
	FORMAT_RFC5424,	 /* as a body: Message (or "Operation Resource Action") */
};

/* Vendor/product/version written into CEF, LEEF and OCSF headers. */
#define FORMAT_VENDOR  "ward"
#define FORMAT_PRODUCT "ward"
#define FORMAT_VERSION "0.1"
/* Private SD-ID of the RFC 5424 structured data (32473 is the documentation PEN, RFC 5612). */
#define FORMAT_SD_ID "ward@32473"

/* format_kind_parse() - "json" "cef" "leef" "ocsf" "rfc5424" (case-insensitive). -EINVAL if unknown. */
int format_kind_parse(const char *name, enum format_kind *ret);
const char *format_kind_name(enum format_kind k);

/* format_record() - append @r in format @k (no trailing newline). Return: 0 or -ENOMEM. */
WARD_NODISCARD int format_record(enum format_kind k, const struct ward_record *r,
				 struct strbuf *out);

WARD_NODISCARD int format_cef(const struct ward_record *r, struct strbuf *out);
WARD_NODISCARD int format_leef(const struct ward_record *r, struct strbuf *out);
WARD_NODISCARD int format_ocsf(const struct ward_record *r, struct strbuf *out);
/* format_plain() - the human one-line message used as an RFC 5424 MSG. */
WARD_NODISCARD int format_plain(const struct ward_record *r, struct strbuf *out);

struct format_syslog_opts {
	const char *app_name; /* APP-NAME, default "ward" (sanitised, <= 48) */
	int facility;	      /* 0..23; -1 = default 10 (authpriv) */
	const char *hostname; /* overrides HostName when set */
};

/*
 * format_syslog_severity() - RFC 5424 severity for a record: KubeArmor Severity 9-10 crit(2),
 * 7-8 err(3), 5-6 warning(4), 3-4 notice(5), 1-2 info(6); no Severity: Block warning(4), else info(6).
 */
int format_syslog_severity(const struct ward_record *r);

/*
 * format_rfc5424() - `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [ward@32473 ...] MSG`
 * where MSG is @body (@body_len bytes; e.g. a CEF or JSON body), or format_plain() when @body is
 * NULL. Header fields are sanitised to printable US-ASCII and their RFC length limits.
 */
WARD_NODISCARD int format_rfc5424(const struct ward_record *r, const struct format_syslog_opts *o,
				  const char *body, size_t body_len, struct strbuf *out);

/* Escapers: each appends @s (@n bytes) escaped; the unescapers invert them exactly. */
/* CEF header field: `\` -> `\\`, `|` -> `\|`. */
void format_cef_escape_header(struct strbuf *out, const char *s, size_t n);
/* CEF extension value: `\` -> `\\`, `=` -> `\=`, LF -> `\n`, CR -> `\r`. */
void format_cef_escape_ext(struct strbuf *out, const char *s, size_t n);
/* format_cef_unescape() - inverse of either CEF escaper. -EINVAL on a dangling/unknown escape. */
int format_cef_unescape(struct strbuf *out, const char *s, size_t n);
/* RFC 5424 PARAM-VALUE: `"` `\` `]` get a backslash (§6.3.3). */
void format_sd_escape(struct strbuf *out, const char *s, size_t n);
int format_sd_unescape(struct strbuf *out, const char *s, size_t n);
/* LEEF header field: `\` -> `\\`, `|` -> `\|`. */
void format_leef_escape_header(struct strbuf *out, const char *s, size_t n);
/* LEEF attribute value: `\` -> `\\`, TAB -> `\t`, LF -> `\n`, CR -> `\r`, `=` -> `\=`. */
void format_leef_escape_value(struct strbuf *out, const char *s, size_t n);
int format_leef_unescape(struct strbuf *out, const char *s, size_t n);

#endif
