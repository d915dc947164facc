/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.h - /etc/ward/ward.yaml (design.md §7): the agent's settings, parsed with libyaml
 * through one table of keys (config.c), so a key added there is parsed, type-checked and
 * suggested in "did you mean" hints everywhere.
 *
 * Data path position: read once at `ward agent` start (and on SIGHUP); command-line flags
 * override what it says. Errors are FILE:LINE:COL diagnostics; a bad file loads nothing.
 */
#ifndef WARD_CONFIG_CONFIG_H
#define WARD_CONFIG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct diag;

#define CONFIG_DEFAULT_PATH	"/etc/ward/ward.yaml"
#define CONFIG_DEFAULT_POLICIES "/etc/ward/policies"
#define CONFIG_MAX_FILE_SIZE	(1u << 20)

/* Visibility classes (KubeArmor's visibility words). */
#define CONFIG_VIS_PROCESS	(1u << 0)
#define CONFIG_VIS_FILE		(1u << 1)
#define CONFIG_VIS_NETWORK	(1u << 2)
#define CONFIG_VIS_CAPABILITIES (1u << 3)
#define CONFIG_VIS_ALL \
	(CONFIG_VIS_PROCESS | CONFIG_VIS_FILE | CONFIG_VIS_NETWORK | CONFIG_VIS_CAPABILITIES)

#define CONFIG_FILE_AUDIT_FANOTIFY 0
#define CONFIG_FILE_AUDIT_SYSCALL  1

struct ward_config {
	char *cluster;	     /* ClusterName; default "default" */
	char *hostname;	     /* HostName; default the machine's name up to the first '.' */
	uint32_t visibility; /* CONFIG_VIS_*; default all four (KubeArmor's VM/systemd mode) */
	char **policies;     /* files or directories, NULL-terminated; default /etc/ward/policies */
	size_t n_policies;
	char *store_path;      /* NULL = the CLI's default (--store, $WARD_STORE, /var/lib/ward) */
	int64_t store_max_age; /* seconds, 0 = unlimited */
	uint64_t store_max_size; /* bytes, 0 = unlimited */
	char *extra_json;	 /* extra_fields as JSON object members ("k":"v",...), or NULL */
	char **runtime_sockets; /* container runtime API sockets, NULL-terminated, or NULL = default */
	uint32_t
		ring_buffer; /* kernel ring buffer bytes (power of two); 0 = the monitor's default */
	int failed_exec;     /* report failed execs too (keeps the sys_exit hook attached) */
	/*
	 * file_audit: how file Audit rules on paths and directories are served while file
	 * visibility is off: CONFIG_FILE_AUDIT_FANOTIFY (default: marks on the named files, no
	 * syscall hook; an open of a marked file waits for the agent) or _SYSCALL (the sys_exit
	 * hook: every syscall of the machine pays ~0.5 µs, the audited open does not wait).
	 */
	int file_audit;
	/*
	 * enforcement: {on_error: allow|deny, rt_priority: 0..99}. on_error is what a permission
	 * event gets when deciding it fails (allow = fail-open, the default; deny = fail-closed);
	 * rt_priority > 0 runs the fanotify enforcer's thread SCHED_FIFO at that priority.
	 */
	int enforce_fail_closed;
	int enforce_rt_priority;
	/*
	 * outputs: validated as a list here; the forwarding module parses the entries (it reads
	 * @source_path again). outputs_line is where the list starts (0 = no outputs key).
	 */
	size_t n_outputs;
	unsigned outputs_line;
	char *source_path; /* the file this came from, or NULL for built-in defaults */
};

/* config_new_default() - the built-in defaults. Return: 0 or -ENOMEM. */
int config_new_default(struct ward_config **ret);

/*
 * config_load_file() - defaults overlaid with @path. A missing file at the default path is
 * not an error (the defaults are returned); any other problem is.
 * Return: 0; -ENOENT (@path missing and @must_exist); -EINVAL with @diag filled; -errno.
 */
int config_load_file(const char *path, int must_exist, struct ward_config **ret, struct diag *diag);

/* config_load_buffer() - the same for text in memory; @name is used in messages. */
int config_load_buffer(const char *name, const char *buf, size_t len, struct ward_config **ret,
		       struct diag *diag);

void config_free(struct ward_config *c);

/*
 * config_parse_visibility() - "process,file,network,capabilities" (any subset, any order,
 * spaces allowed) or "none" into CONFIG_VIS_* bits. Return: 0 or -EINVAL (unknown word).
 */
int config_parse_visibility(const char *s, uint32_t *ret);

/* config_set_string() - replace an owned string field (for command-line overrides). */
int config_set_string(char **field, const char *value);
/* config_set_policies() - replace the policy paths. Return: 0 or -ENOMEM. */
int config_set_policies(struct ward_config *c, const char *const *paths, size_t n);

#endif
