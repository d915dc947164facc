/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.h - `ward agent`'s engine: the per-event pipeline (enrich → match → record → sinks),
 * drop accounting and the event loop (signals, policy-directory changes, periodic reports).
 *
 * Data path position: an event source (the eBPF monitor, or a test/bench feeding synthetic
 * events) delivers struct ward_event; the agent keeps the process and container tables, asks
 * the matcher for a verdict, builds the KubeArmor record and hands its JSON line to every sink
 * (--json-out, the store, forwarders). Single-threaded: one event is fully handled before the
 * next is taken from the ring buffer, so back-pressure shows up as kernel ring-buffer losses,
 * which are counted and reported as SystemEvent/Drop records.
 *
 * The event source and the matcher are tables of functions so this module depends on neither
 * the BPF skeleton nor the policy engine's objects (each is wired in by the caller).
 */
#ifndef WARD_AGENT_AGENT_H
#define WARD_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/compiler.h"
#include "monitor/enrich.h"
#include "monitor/event.h"
#include "policy/policy.h"
#include "record/record.h"

struct diag;
struct ward_config;
struct agent;

typedef int (*agent_event_fn)(void *ctx, const struct ward_event *ev);

/* Where events come from. */
struct agent_source {
	void *ctx;
	int (*fd)(void *ctx); /* pollable fd, readable when events are pending; -1 if none */
	/* deliver pending events to @cb (waiting at most @timeout_ms). Return: count or -errno. */
	int (*poll)(void *ctx, int timeout_ms, agent_event_fn cb, void *cb_ctx);
	/* kernel lost-record total so far (for the stats line); may be NULL */
	uint64_t (*lost_total)(void *ctx);
};

/* The policy engine, as the agent uses it. Scopes are opaque. */
struct agent_matcher {
	void *ctx;
	/* (Re)load @paths. Return: rules loaded, or -errno/-EINVAL with @diag filled. */
	int (*load)(void *ctx, const char *const *paths, size_t n, struct diag *diag);
	/* Scope of host events (valid until the next load). */
	const void *(*host_scope)(void *ctx);
	/* Scope of one container's events (owned by the container entry; freed with scope_free). */
	int (*container_scope)(void *ctx, const struct mon_container *c, void **ret);
	void (*scope_free)(void *scope);
	/* The verdict for one event in @scope (also fills pe->protos etc. as the engine needs). */
	void (*decide)(void *ctx, const void *scope, const struct ward_event *ev,
		       struct policy_event *pe, struct policy_verdict *ret);
	/* What the rules name, for the kernel's pre-filter (may be NULL). */
	void (*interest)(void *ctx, policy_interest_fn cb, void *cb_ctx);
	void (*destroy)(void *ctx);
};

/*
 * agent_matcher_policy() - the policy engine (src/policy/) as a matcher: KubeArmor documents
 * from the config's policy paths, compiled for @hostname. Return: 0 or -ENOMEM.
 */
int agent_matcher_policy(const char *hostname, struct agent_matcher *ret);

/* A record consumer: @json is one line without the newline. */
struct agent_sink {
	void *ctx;
	/* Return: 0, or -EAGAIN/-ENOSPC when the record was dropped (counted as a queue loss). */
	int (*write)(void *ctx, const struct ward_record *r, const char *json, size_t len);
	void (*flush)(void *ctx);
	void (*destroy)(void *ctx);
};

#define AGENT_MAX_SINKS 8

struct agent_opts {
	const struct ward_config *cfg; /* borrowed for the agent's life */
	const char *proc_root;	       /* NULL = "/proc" */
	int enforcer_alerts;	       /* see struct mon_build_opts */
	int drop_report_ms;	       /* SystemEvent/Drop records at most this often; 0 = 5000 */
};

struct agent_stats {
	uint64_t events;  /* taken from the source */
	uint64_t records; /* built and handed to the sinks */
	uint64_t alerts, logs;
	uint64_t filtered;     /* visibility off, Allow passed, or bookkeeping (fork/exit) */
	uint64_t kernel_lost;  /* ring-buffer losses reported by the source */
	uint64_t queue_lost;   /* records a sink could not take */
	uint64_t build_errors; /* out of memory while building a record */
	uint64_t reloads, reload_errors;
	uint64_t processes, containers; /* table sizes now */
	uint64_t rules;			/* rules in the loaded policy set */
};

/* agent_new() - tables seeded from /proc. Return: 0 or -errno. */
int agent_new(const struct agent_opts *o, struct agent **ret);
/* agent_free() - flushes and destroys sinks and the matcher. Takes NULL. */
void agent_free(struct agent *a);

/* agent_add_sink() - the agent takes ownership. Return: 0 or -ENOSPC. */
int agent_add_sink(struct agent *a, const struct agent_sink *s);
/* agent_sink_json_file() - NDJSON to @path ("-" = stdout), appended. Return: 0 or -errno. */
int agent_sink_json_file(const char *path, struct agent_sink *ret);

/*
 * agent_sink_store() - every record into the store at @path (created if missing), committed by
 * the writer's own thread every 50 ms; retention from @cfg's store.max_age/max_size.
 * Return: 0 or -errno with @err set.
 */
int agent_sink_store(const char *path, const struct ward_config *cfg, struct agent_sink *ret,
		     char *err, size_t errsize);

/*
 * agent_sink_ship() - ship every record to a central `ward serve` at @url with the bearer
 * token in @token_file, spooled under @spool_dir. Return: 0 or -errno with @err set.
 */
int agent_sink_ship(const char *url, const char *token_file, const char *spool_dir,
		    struct agent_sink *ret, char *err, size_t errsize);

/* agent_set_matcher() - the agent takes ownership; loads cfg->policies now. */
int agent_set_matcher(struct agent *a, const struct agent_matcher *m, struct diag *diag);
/* agent_reload() - load the policies again; the old set stays on error. Return: 0/-errno. */
int agent_reload(struct agent *a, struct diag *diag);

/*
 * agent_handle_event() - the whole pipeline for one event (the source's callback).
 * Return: 0 (also when the event made no record); never fails the loop.
 */
int agent_handle_event(void *agent, const struct ward_event *ev);

/* agent_report_drops() - emit SystemEvent/Drop records for losses since the last report. */
void agent_report_drops(struct agent *a, int64_t now_ns);
/* agent_flush() - flush every sink. */
void agent_flush(struct agent *a);
void agent_get_stats(const struct agent *a, struct agent_stats *ret);

/*
 * agent_run() - the event loop: polls @src, reloads on SIGHUP and policy-directory changes
 * (inotify), reports drops, flushes sinks at least every 25 ms, returns on SIGTERM/SIGINT or
 * when @stop_fd (an eventfd, or -1) becomes readable. The caller blocks those signals first
 * (agent_block_signals()). @on_ready is called once when monitoring has started.
 * Return: 0 on a clean stop, -errno on a fatal error.
 */
int agent_run(struct agent *a, const struct agent_source *src, int stop_fd,
	      void (*on_ready)(void *ctx),
	      void (*on_reload)(void *ctx, int result, const struct diag *diag), void *cb_ctx);
/* agent_block_signals() - block SIGTERM, SIGINT, SIGHUP for this thread (for signalfd). */
int agent_block_signals(void);

/* ---- wiring (src/agent/inbox.c, sink_*.c, enforcer.c; used by cmd_agent.c) ---------------- */

/*
 * agent_emit() - hand a record made elsewhere (the enforcer, a forwarder's SystemEvent) to
 * every sink, as the pipeline does for its own. Agent thread only (see struct agent_inbox).
 */
void agent_emit(struct agent *a, const struct ward_record *r);
/* agent_set_enforcer_alerts() - see struct mon_build_opts (1 once an enforcer runs). */
void agent_set_enforcer_alerts(struct agent *a, int on);

/*
 * agent_set_container_hook() - @fn is called on the agent thread for events of a container
 * task while the container's `enforced` flag is 0 (first at the runtime's exec of the
 * container's init, the earliest event of a new container): @pid_ns/@mnt_ns are the task's
 * namespaces, @host_pid the task. Its return value becomes the flag: 1 = the enforcer enforces
 * this container's own rules and writes its Block alerts (the monitor's copy is then a log);
 * 0 = not (yet): the monitor keeps alerting the container's Block verdicts itself.
 */
void agent_set_container_hook(struct agent *a,
			      int (*fn)(void *ctx, const struct mon_container *c, uint32_t pid_ns,
					uint32_t mnt_ns, uint32_t host_pid),
			      void *ctx);

/*
 * agent_matcher_policy_on_set() - call @fn with every newly compiled policy set of a matcher
 * from agent_matcher_policy(), before the previous set is freed (the enforcer switches to it).
 */
void agent_matcher_policy_on_set(struct agent_matcher *m,
				 void (*fn)(void *ctx, const struct policy_set *set), void *ctx);

/*
 * Records made on other threads (enforcer, forwarders) reach the sinks through an inbox: a
 * bounded queue of record copies that the agent thread drains, so sinks stay single-threaded.
 */
struct agent_inbox;
#define AGENT_INBOX_MAX 4096 /* records waiting; more are dropped (counted) */

/* agent_inbox_new() - Return: 0 or -errno. */
int agent_inbox_new(struct agent_inbox **ret);
void agent_inbox_free(struct agent_inbox *in);
/* agent_inbox_put() - copy @r in (any thread). Return: 0, -ENOSPC (full, counted), -ENOMEM. */
int agent_inbox_put(struct agent_inbox *in, const struct ward_record *r);
/* agent_inbox_drain() - emit every queued record through @a (agent thread). Return: count. */
size_t agent_inbox_drain(struct agent_inbox *in, struct agent *a);
/* agent_inbox_fd() - an eventfd readable while records wait. */
int agent_inbox_fd(const struct agent_inbox *in);
/* agent_inbox_lost() - records dropped because the inbox was full. */
uint64_t agent_inbox_lost(struct agent_inbox *in);

/*
 * agent_source_with_inbox() - @inner's events plus @in's records, as one source for agent_run()
 * (one pollable fd for both). @a is the agent the records go to. Free with
 * agent_source_with_inbox_free(). Return: 0 or -errno.
 */
int agent_source_with_inbox(const struct agent_source *inner, struct agent_inbox *in,
			    struct agent *a, struct agent_source *ret);
void agent_source_with_inbox_free(struct agent_source *s);

/*
 * agent_sink_fwd() - the `outputs:` of @cfg's file through src/fwd: every record goes to
 * fwd_submit() (non-blocking); forwarders' SystemEvent records (drops) go into @in. Spools
 * live under @spool_dir/<output name>. On destroy, fwd_stop() tries @stop_ms to deliver.
 * Return: 0; -ENOENT (no outputs configured); -EINVAL (@diag filled); -errno.
 */
struct fwd;
int agent_sink_fwd(const struct ward_config *cfg, const char *spool_dir, struct agent_inbox *in,
		   unsigned stop_ms, struct agent_sink *ret, struct fwd **ret_fwd,
		   struct diag *diag);

/*
 * The enforcer as the agent runs it: started with the first compiled policy set, switched on
 * every reload (hook it up with agent_matcher_policy_on_set(agent_enforcer_on_set, e)); its
 * records go to @in. Fail-open; ward's store and policy folders get the self-protection rule.
 */
struct agent_enforcer;
int agent_enforcer_new(struct agent *a, struct agent_inbox *in, const struct ward_config *cfg,
		       const char *const *protect_dirs, struct agent_enforcer **ret);
void agent_enforcer_on_set(void *ctx, const struct policy_set *set);
/* agent_enforcer_running() - 1 when an enforcer is active. */
int agent_enforcer_running(const struct agent_enforcer *e);
/* agent_enforcer_get_stats() - the enforcer's counters. Return: 0, -ENOENT (not running). */
struct enforce_stats;
int agent_enforcer_get_stats(struct agent_enforcer *e, struct enforce_stats *ret);
/*
 * agent_enforcer_files() - 1 when the enforcer's fanotify marks serve every file rule of the
 * current set (Audit included; no pattern rule, file visibility off): the monitor then needs
 * no syscall hook for them (monitor_set_file_rules_by_fanotify()).
 */
int agent_enforcer_files(const struct agent_enforcer *e);
/* agent_enforcer_last_error() - why the enforcer is not running (0 = it is, or no set yet). */
int agent_enforcer_last_error(const struct agent_enforcer *e);
/* agent_enforcer_free() - stop enforcing (blocked files run again), flush its records. */
void agent_enforcer_free(struct agent_enforcer *e);

#endif
