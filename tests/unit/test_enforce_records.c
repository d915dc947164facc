/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_enforce_records.c - the enforcer's pure parts, without a kernel: how open flags are
 * spelled in Data, which protocol names a socket() satisfies, folding of repeated blocks
 * into one record with a Count, and the built-in self-protection rule as YAML.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/strbuf.h"
#include "enforce/priv.h"
#include "monitor/enrich.h"
#include "record/record.h"
#include "support/ward_test.h"

static void open_flags_are_spelled_like_the_monitor(void **state)
{
	char buf[200];

	(void)state;
	enf_spell_flags(O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, buf, sizeof(buf));
	assert_string_equal(buf, "O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK");
	enf_spell_flags(O_RDONLY | O_CLOEXEC, buf, sizeof(buf));
	assert_string_equal(buf, "O_RDONLY|O_CLOEXEC");
	enf_spell_flags(O_WRONLY | O_APPEND | O_CREAT, buf, sizeof(buf));
	assert_string_equal(buf, "O_WRONLY|O_CREAT|O_APPEND");
	enf_spell_flags(O_RDWR | O_TRUNC | 0100000, buf, sizeof(buf));
	assert_string_equal(buf, "O_RDWR|O_TRUNC|O_LARGEFILE");
}

/* The enforcer and the monitor must spell Data the same way for the same open. */
static void open_flags_match_the_monitors_spelling(void **state)
{
	static const unsigned long bits[] = { O_WRONLY, O_RDWR,	     O_CREAT,	 O_EXCL,
					      O_NOCTTY, O_TRUNC,     O_APPEND,	 O_NONBLOCK,
					      O_DSYNC,	O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC,
					      O_SYNC,	O_PATH,	     O_NOATIME,	 0100000 };
	char mine[256];
	struct strbuf theirs;
	unsigned long f;
	size_t i, j;

	(void)state;
	strbuf_init(&theirs);
	for (i = 0; i < WARD_ARRAY_SIZE(bits); i++) {
		for (j = i; j < WARD_ARRAY_SIZE(bits); j++) {
			f = bits[i] | bits[j];
			if ((f & O_ACCMODE) == O_ACCMODE)
				continue;
			strbuf_reset(&theirs);
			mon_open_flags((uint32_t)f, &theirs);
			enf_spell_flags(f, mine, sizeof(mine));
			if (strcmp(mine, theirs.buf) != 0)
				fail_msg("flags %#lo: enforcer %s, monitor %s", f, mine,
					 theirs.buf);
		}
	}
	strbuf_done(&theirs);
}

static void sockets_are_classified_into_protocol_names(void **state)
{
	(void)state;
	assert_int_equal(enf_classify(AF_INET, SOCK_STREAM, 0),
			 (1u << POLICY_PROTO_TCP) | (1u << POLICY_PROTO_STREAM));
	assert_int_equal(enf_classify(AF_INET6, SOCK_DGRAM, IPPROTO_UDP),
			 (1u << POLICY_PROTO_UDP) | (1u << POLICY_PROTO_DGRAM));
	assert_int_equal(enf_classify(AF_INET, SOCK_RAW, IPPROTO_ICMP),
			 (1u << POLICY_PROTO_ICMP) | (1u << POLICY_PROTO_RAW));
	assert_int_equal(enf_classify(AF_INET, SOCK_DGRAM, IPPROTO_ICMP),
			 (1u << POLICY_PROTO_ICMP) | (1u << POLICY_PROTO_DGRAM));
	assert_int_equal(enf_classify(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6),
			 (1u << POLICY_PROTO_ICMPV6) | (1u << POLICY_PROTO_RAW));
	/* unix and netlink sockets are never a protocol rule's business */
	assert_int_equal(enf_classify(AF_UNIX, SOCK_STREAM, 0), 0);
	assert_int_equal(enf_classify(AF_NETLINK, SOCK_RAW, 0), 0);
}

static char *seen[8];
static size_t n_seen;

static void keep(void *ctx, const struct ward_record *r)
{
	struct strbuf sb;

	(void)ctx;
	strbuf_init(&sb);
	assert_int_equal(record_to_json(r, &sb), 0);
	if (n_seen < 8)
		seen[n_seen++] = strbuf_detach(&sb, NULL);
	strbuf_done(&sb);
}

static struct enf_rec *block(const char *resource, int pid)
{
	struct enf_rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	strcpy(r->type, "MatchedHostPolicy");
	strcpy(r->policy, "block-pkg-mgmt-tools");
	strcpy(r->operation, "Process");
	strcpy(r->action, "Block");
	strcpy(r->result, "Operation not permitted");
	strcpy(r->enforcer, "fanotify");
	strcpy(r->process, resource);
	strcpy(r->resource, resource);
	strcpy(r->data, "syscall=SYS_EXECVE");
	r->host_pid = r->pid = pid;
	r->count = 1;
	return r;
}

static void repeated_blocks_fold_into_the_first_record_with_a_count(void **state)
{
	struct enforce *e = calloc(1, sizeof(*e));
	size_t i;

	(void)state;
	assert_non_null(e);
	e->opts.fold_ms = 60000; /* nothing expires during the test */
	e->record = keep;
	strcpy(e->host_name, "h1");
	enf_emit(e, block("/usr/bin/apt", 100));
	enf_emit(e, block("/usr/bin/apt", 101)); /* another PID: still the same attempt */
	enf_emit(e, block("/usr/bin/apt", 102));
	enf_emit(e, block("/usr/bin/apt-get", 103));
	assert_int_equal(n_seen, 0); /* held for the window */
	enf_fold_flush(e, 1);
	assert_int_equal(n_seen, 2);
	assert_non_null(strstr(seen[0], "\"HostPID\":100,"));
	assert_non_null(strstr(seen[0], "\"Count\":3"));
	assert_non_null(strstr(seen[1], "\"Resource\":\"/usr/bin/apt-get\""));
	assert_null(strstr(seen[1], "\"Count\""));
	assert_int_equal(e->stats.folded, 2);
	assert_int_equal(e->stats.records, 2);
	for (i = 0; i < n_seen; i++)
		free(seen[i]);
	n_seen = 0;
	free(e);
}

static void self_protection_rule_is_a_host_policy_document(void **state)
{
	const char *dirs[] = { "/etc/ward/policies", "/var/lib/ward/", NULL };
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(enforce_self_rule_yaml(dirs, &sb), 0);
	assert_non_null(strstr(sb.buf, "kind: KubeArmorHostPolicy\n"));
	assert_non_null(strstr(sb.buf, "name: " ENFORCE_SELF_RULE_NAME "\n"));
	assert_non_null(strstr(sb.buf, "- dir: /etc/ward/policies/\n"));
	assert_non_null(strstr(sb.buf, "- dir: /var/lib/ward/\n"));
	assert_non_null(strstr(sb.buf, "readOnly: true"));
	strbuf_done(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_flags_are_spelled_like_the_monitor),
		cmocka_unit_test(open_flags_match_the_monitors_spelling),
		cmocka_unit_test(sockets_are_classified_into_protocol_names),
		cmocka_unit_test(repeated_blocks_fold_into_the_first_record_with_a_count),
		cmocka_unit_test(self_protection_rule_is_a_host_policy_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
