/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_agent.c - `ward agent`: the foreground daemon (design.md §2). Reads the config, applies
 * the flags over it, opens the eBPF monitor, and runs the agent loop (src/agent/) until
 * SIGTERM/SIGINT; SIGHUP or a change in a policy directory reloads the policies.
 */
#include "cli/cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/diag.h"
#include "config/config.h"
#include "enforce/enforce.h"
#include "fwd/fwd.h"
#include "monitor/monitor.h"
#include "server/server.h"
#include "store/store.h"

static void usage(FILE *f)
{
	fputs("usage: ward agent [--config F] [--policy PATH]... [--store PATH] [--json-out FILE|-]\n"
	      "                  [--visibility process,file,network,capabilities|none]\n"
	      "                  [--cluster NAME] [--hostname NAME] [--ui ADDR]\n"
	      "                  [--server URL --token-file F]\n"
	      "\n"
	      "Runs in the foreground: monitors processes, files, network and capabilities with\n"
	      "eBPF, matches KubeArmor policies, and writes KubeArmor records (alerts and logs).\n"
	      "\n"
	      "  --config F        configuration file (default " CONFIG_DEFAULT_PATH ")\n"
	      "  --policy PATH     policy file or directory, repeatable (default: the config's\n"
	      "                    'policies', else " CONFIG_DEFAULT_POLICIES ")\n"
	      "  --store PATH      record store (default $WARD_STORE, else /var/lib/ward/ward.db)\n"
	      "  --json-out FILE   also write every record as one JSON line to FILE ('-' = stdout)\n"
	      "  --visibility V    which successful events become logs: any of process, file,\n"
	      "                    network, capabilities, or none (alerts are always written)\n"
	      "  --cluster NAME    ClusterName of every record (default 'default')\n"
	      "  --hostname NAME   HostName of every record (default this machine's)\n"
	      "  --ui ADDR         also serve the web page and API for this host's store\n"
	      "                    (token from --token-file, else a random one printed once)\n"
	      "  --server URL      ship records to a central `ward serve` (with --token-file);\n"
	      "                    the config's outputs: forward them (syslog, HEC, ...)\n"
	      "  --token-file F    bearer token for --server and --ui (first line of F)\n"
	      "\n"
	      "Enforcement: Block rules, block postures and allow-lists are enforced with fanotify\n"
	      "(process/file) and cgroup BPF (network), fail-open; a block is a MatchedHostPolicy/\n"
	      "MatchedPolicy alert with Enforcer fanotify or cgroup-bpf. When no enforcer can\n"
	      "start, the start-up line says so and Block rules are not enforced.\n"
	      "Forwarding: the config's 'outputs:' (syslog, hec, elasticsearch, loki, clickhouse,\n"
	      "kafka, webhook, file) get every record that passes their filter, through a disk\n"
	      "spool in spool/ next to the store; SIGTERM gives them 3 s to deliver it.\n"
	      "Every config key: docs/config.md.\n"
	      "\n"
	      "Signals: SIGHUP reloads policies; SIGTERM/SIGINT flush and exit 0.\n"
	      "Drops (kernel ring buffer full, a sink refusing records) are written as\n"
	      "SystemEvent records with Operation 'Drop' and counted in the exit summary.\n",
	      f);
}

static int src_fd(void *ctx)
{
	return monitor_fd(ctx);
}

static int src_poll(void *ctx, int timeout_ms, agent_event_fn cb, void *cb_ctx)
{
	return monitor_poll(ctx, timeout_ms, cb, cb_ctx);
}

struct run_ctx {
	const struct ward_config *cfg;
	const char *json_out;
	const char *store;
	struct monitor *monitor;
	struct agent *agent;
	struct agent_matcher *matcher;
	struct fwd *fwd; /* NULL without outputs */
	struct agent_enforcer *enforcer;
};

/* Tell the kernel what the rules name, so it keeps those events whatever the visibility. */
static void push_interest(struct run_ctx *rc)
{
	/* file rules the enforcer's fanotify marks serve need no syscall hook (issue 3) */
	monitor_set_file_rules_by_fanotify(rc->monitor, agent_enforcer_files(rc->enforcer));
	monitor_interest_begin(rc->monitor);
	rc->matcher->interest(rc->matcher->ctx, monitor_interest_add, rc->monitor);
	int r = monitor_interest_commit(rc->monitor);
	if (r)
		fprintf(stderr, "ward agent: warning: kernel pre-filter not updated: %s\n",
			strerror(-r));
	/* what every syscall of the machine pays for depends on this: say it */
	uint32_t h = monitor_attached(rc->monitor);
	fprintf(stderr, "ward agent: syscall hook %s; file rules by %s\n",
		h & MONITOR_HOOK_SYSCALL ? "attached" : "detached",
		agent_enforcer_files(rc->enforcer) ? "fanotify marks" : "the syscall hook");
}

static void vis_words(uint32_t v, char *buf, size_t size)
{
	static const char *const words[] = { "process", "file", "network", "capabilities" };
	buf[0] = '\0';
	for (size_t i = 0; i < 4; i++) {
		if (!(v & (1u << i)))
			continue;
		size_t l = strlen(buf);
		snprintf(buf + l, size - l, "%s%s", l ? "," : "", words[i]);
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

static void on_ready(void *ctx)
{
	struct run_ctx *rc = ctx;
	char vis[64];
	vis_words(rc->cfg->visibility, vis, sizeof(vis));
	struct agent_stats st;
	agent_get_stats(rc->agent, &st);
	fprintf(stderr,
		"ward agent: monitoring (host %s, cluster %s, visibility %s, %llu rules, store %s, "
		"json-out %s)\n",
		rc->cfg->hostname, rc->cfg->cluster, vis, (unsigned long long)st.rules, rc->store,
		rc->json_out ? rc->json_out : "off");
	if (agent_enforcer_running(rc->enforcer))
		fprintf(stderr, "ward agent: enforcing with fanotify and cgroup BPF (fail-open)\n");
	else if (agent_enforcer_last_error(rc->enforcer))
		fprintf(stderr,
			"ward agent: warning: no enforcer (%s): Block rules are not enforced\n",
			strerror(-agent_enforcer_last_error(rc->enforcer)));
}

static void print_fwd_stats(struct fwd *f)
{
	struct fwd_output_stats st[16];
	size_t n = f ? fwd_stats(f, st, 16) : 0;
	for (size_t i = 0; i < n && i < 16; i++)
		fprintf(stderr,
			"ward agent: output %s: %llu submitted, %llu sent, %llu spooled, %llu "
			"dropped, %llu bytes left in the spool\n",
			st[i].name, (unsigned long long)st[i].submitted,
			(unsigned long long)st[i].sent, (unsigned long long)st[i].spooled,
			(unsigned long long)(st[i].queue_drops + st[i].spool_drops),
			(unsigned long long)st[i].spool_bytes);
}

static void print_diag(const struct diag *d)
{
	char buf[DIAG_MSG_MAX + 256];
	for (size_t i = 0; i < d->n; i++) {
		diag_format(&d->entries[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
}

static void on_reload(void *ctx, int result, const struct diag *d)
{
	struct run_ctx *rc = ctx;
	print_diag(d);
	if (result < 0) {
		fprintf(stderr, "ward agent: reload failed (%s); the previous policies stay\n",
			strerror(-result));
		return;
	}
	push_interest(rc);
	if (rc->fwd)
		fwd_reopen(rc->fwd);
	struct agent_stats st;
	agent_get_stats(rc->agent, &st);
	fprintf(stderr, "ward agent: policies reloaded (%llu rules)\n",
		(unsigned long long)st.rules);
}

/* --ui: the HTTP API and Alerts page over this agent's store, from libmicrohttpd's threads. */
static int start_ui(const char *listen, const char *token_file, const char *store,
		    struct server_backend **ret_be, struct server **ret_srv)
{
	char token[256] = "";
	struct diag d;
	diag_init(&d);
	int r = 0;
	if (token_file) {
		FILE *f = fopen(token_file, "re");
		if (!f || !fgets(token, sizeof(token), f)) {
			fprintf(stderr, "ward agent: --token-file %s: cannot read a token\n",
				token_file);
			if (f)
				fclose(f);
			r = -EINVAL;
			goto out;
		}
		fclose(f);
		token[strcspn(token, "\r\n")] = '\0';
	} else {
		unsigned char raw[16];
		FILE *f = fopen("/dev/urandom", "re");
		if (!f || fread(raw, 1, sizeof(raw), f) != sizeof(raw)) {
			if (f)
				fclose(f);
			fprintf(stderr, "ward agent: cannot make a UI token\n");
			r = -EIO;
			goto out;
		}
		fclose(f);
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(token + 2 * i, 3, "%02x", raw[i]);
	}
	r = server_backend_open(store, ret_be, &d);
	if (!r) {
		struct server_config sc = { .listen = listen, .token = token, .be = *ret_be };
		r = server_new(&sc, ret_srv);
		if (!r)
			r = server_start(*ret_srv, &d);
	}
	print_diag(&d);
	if (r) {
		fprintf(stderr, "ward agent: --ui %s: %s\n", listen, strerror(-r));
		goto out;
	}
	/* the page reads a #token= fragment, so the printed link opens a working view */
	if (token_file)
		fprintf(stderr, "ward agent: UI on http://%s/ (port %u)\n", listen,
			server_port(*ret_srv));
	else
		fprintf(stderr, "ward agent: UI on http://%s/#token=%s (port %u)\n", listen, token,
			server_port(*ret_srv));
out:
	diag_done(&d);
	return r;
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "store", required_argument, NULL, 's' },
		{ "json-out", required_argument, NULL, 'j' },
		{ "visibility", required_argument, NULL, 'v' },
		{ "cluster", required_argument, NULL, 'C' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "ui", required_argument, NULL, 'u' },
		{ "server", required_argument, NULL, 'S' },
		{ "token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *config_path = NULL, *store = NULL, *json_out = NULL, *vis = NULL;
	const char *cluster = NULL, *hostname = NULL, *ui = NULL, *server = NULL, *token = NULL;
	const char **policies = calloc((size_t)argc + 1, sizeof(*policies));
	size_t n_policies = 0;
	int rc = EXIT_USAGE, c;
	struct ward_config *cfg = NULL;
	struct agent *a = NULL;
	struct monitor *m = NULL;
	struct server_backend *be = NULL;
	struct agent_inbox *inbox = NULL;
	struct agent_enforcer *enforcer = NULL;
	char spool_dir[4096];
	const char *protect[2] = { NULL, NULL };
	struct server *srv = NULL;
	int curl_inited = 0;
	struct diag d;
	diag_init(&d);
	if (!policies) {
		fprintf(stderr, "ward agent: out of memory\n");
		return 1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'p':
			policies[n_policies++] = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'j':
			json_out = optarg;
			break;
		case 'v':
			vis = optarg;
			break;
		case 'C':
			cluster = optarg;
			break;
		case 'H':
			hostname = optarg;
			break;
		case 'u':
			ui = optarg;
			break;
		case 'S':
			server = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ward agent: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		goto out;
	}
	uint32_t vis_bits = 0;
	if (vis && config_parse_visibility(vis, &vis_bits) != 0) {
		fprintf(stderr,
			"ward agent: --visibility '%s': use any of process, file, network, "
			"capabilities, or none\n",
			vis);
		goto out;
	}
	if ((server && !token) || (token && !server && !ui)) {
		fprintf(stderr, "ward agent: --token-file goes with --server (and --ui)\n");
		goto out;
	}
	rc = 1;

	int r = config_load_file(config_path ? config_path : CONFIG_DEFAULT_PATH,
				 config_path != NULL, &cfg, &d);
	if (r) {
		print_diag(&d);
		if (!d.n)
			fprintf(stderr, "ward agent: %s: %s\n",
				config_path ? config_path : CONFIG_DEFAULT_PATH, strerror(-r));
		goto out;
	}
	if ((n_policies && config_set_policies(cfg, policies, n_policies)) ||
	    (cluster && config_set_string(&cfg->cluster, cluster)) ||
	    (hostname && config_set_string(&cfg->hostname, hostname)) ||
	    (store && config_set_string(&cfg->store_path, store))) {
		fprintf(stderr, "ward agent: out of memory\n");
		goto out;
	}
	if (vis)
		cfg->visibility = vis_bits;

	/*
	 * libcurl's global state (the container API client, shipping, HTTP forwarders) must be
	 * set up once before any thread uses it
	 */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "ward agent: cannot initialise libcurl\n");
		goto out;
	}
	curl_inited = 1;
	/* before any thread starts (the store writer's): signals are read with a signalfd */
	signal(SIGPIPE, SIG_IGN); /* a receiver hanging up is an error return, not a kill */
	r = agent_block_signals();
	if (r) {
		fprintf(stderr, "ward agent: %s\n", strerror(-r));
		goto out;
	}
	/* the monitor first, so nothing that starts while /proc is read is missed */
	struct monitor_config mc;
	monitor_config_init(&mc);
	mc.visibility = cfg->visibility & MONITOR_VIS_ALL;
	mc.visibility |= MONITOR_VIS_PROCESS; /* exec events keep the process table */
	mc.failed_exec = cfg->failed_exec;
	/*
	 * 4 MiB unless configured: the ring is mapped twice (wrap-around), so its size counts
	 * double in the agent's RSS; 4 MiB holds ~10k events of slack for a burst.
	 */
	mc.ringbuf_bytes = cfg->ring_buffer ? cfg->ring_buffer : 4u << 20;
	r = monitor_open(&mc, &m);
	if (r) {
		fprintf(stderr, "ward agent: cannot start the eBPF monitor: %s%s\n", strerror(-r),
			r == -EPERM ? " (run as root)" : "");
		goto out;
	}
	struct run_ctx rctx = { .cfg = cfg, .json_out = json_out, .monitor = m };
	struct agent_opts ao = { .cfg = cfg, .enforcer_alerts = 0 };
	r = agent_new(&ao, &a);
	if (!r) /* records made on other threads (enforcer, forwarders) reach the sinks through it */
		r = agent_inbox_new(&inbox);
	if (r) {
		fprintf(stderr, "ward agent: %s\n", strerror(-r));
		goto out;
	}
	{
		char err[STORE_ERR_MAX] = "";
		struct agent_sink s;
		const char *sp = cli_store_path(store ? store : cfg->store_path);
		/* the default /var/lib/ward may not exist yet on a fresh machine */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", sp);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST)
				fprintf(stderr, "ward agent: warning: cannot create %s: %s\n", dir,
					strerror(errno));
		}
		r = agent_sink_store(sp, cfg, &s, err, sizeof(err));
		if (r) {
			fprintf(stderr, "ward agent: store %s: %s\n", sp,
				err[0] ? err : strerror(-r));
			goto out;
		}
		agent_add_sink(a, &s);
		rctx.store = sp;
	}
	if (server || cfg->n_outputs) {
		/* spools live beside the store: <store dir>/spool/{ship,outputs} */
		char spool[4096], sub[4200];
		const char *sp = cli_store_path(store ? store : cfg->store_path);
		snprintf(spool, sizeof(spool), "%s", sp);
		char *slash = strrchr(spool, '/');
		if (slash)
			snprintf(slash, sizeof(spool) - (size_t)(slash - spool), "/spool");
		else
			snprintf(spool, sizeof(spool), "spool");
		(void)mkdir(spool, 0700);
		struct agent_sink s;
		if (server) {
			char err[512] = "";
			snprintf(sub, sizeof(sub), "%s/ship", spool);
			r = agent_sink_ship(server, token, sub, &s, err, sizeof(err));
			if (r) {
				fprintf(stderr, "ward agent: --server: %s\n", err);
				goto out;
			}
			agent_add_sink(a, &s);
		}
		if (cfg->n_outputs) {
			struct diag od;
			diag_init(&od);
			snprintf(sub, sizeof(sub), "%s/outputs", spool);
			r = agent_sink_fwd(cfg, sub, inbox, 3000, &s, &rctx.fwd, &od);
			print_diag(&od);
			diag_done(&od);
			if (r) {
				fprintf(stderr, "ward agent: outputs: %s\n", strerror(-r));
				goto out;
			}
			agent_add_sink(a, &s);
		}
	}
	if (ui) {
		r = start_ui(ui, token, cli_store_path(store ? store : cfg->store_path), &be, &srv);
		if (r)
			goto out;
	}
	if (json_out) {
		struct agent_sink s;
		r = agent_sink_json_file(json_out, &s);
		if (r) {
			fprintf(stderr, "ward agent: --json-out %s: %s\n", json_out, strerror(-r));
			goto out;
		}
		agent_add_sink(a, &s);
	}
	rctx.agent = a;
	struct agent_matcher pm;
	r = agent_matcher_policy(cfg->hostname, &pm);
	if (r) {
		fprintf(stderr, "ward agent: %s\n", strerror(-r));
		goto out;
	}
	/* the enforcer starts with the first compiled set and follows every reload */
	{
		snprintf(spool_dir, sizeof(spool_dir), "%s", rctx.store);
		char *slash = strrchr(spool_dir, '/');
		snprintf(slash ? slash + 1 : spool_dir,
			 sizeof(spool_dir) - (size_t)(slash ? slash + 1 - spool_dir : 0), "spool");
		/* only ward writes its spools: the built-in self-protection rule guards them */
		if (mkdir(spool_dir, 0700) == 0 || errno == EEXIST)
			protect[0] = spool_dir;
		r = agent_enforcer_new(a, inbox, cfg, protect, &enforcer);
		if (r) {
			fprintf(stderr, "ward agent: %s\n", strerror(-r));
			goto out;
		}
		rctx.enforcer = enforcer;
		agent_matcher_policy_on_set(&pm, agent_enforcer_on_set, enforcer);
	}
	r = agent_set_matcher(a, &pm, &d);
	print_diag(&d);
	if (r < 0) /* e.g. no policy folder yet: run, and load on SIGHUP */
		fprintf(stderr, "ward agent: warning: no policies loaded (%s)\n", strerror(-r));
	rctx.matcher = &pm;
	push_interest(&rctx);
	struct agent_source msrc = { .ctx = m, .fd = src_fd, .poll = src_poll }, src;
	r = agent_source_with_inbox(&msrc, inbox, a, &src);
	if (r) {
		fprintf(stderr, "ward agent: %s\n", strerror(-r));
		goto out;
	}
	r = agent_run(a, &src, -1, on_ready, on_reload, &rctx);
	agent_source_with_inbox_free(&src);
	struct enforce_stats es;
	if (agent_enforcer_get_stats(enforcer, &es) == 0)
		fprintf(stderr,
			"ward agent: enforcer: %llu permission events, %llu denied by policy, "
			"%llu errors (%llu of them denied by enforcement.on_error: deny)%s\n",
			(unsigned long long)es.perm_events, (unsigned long long)es.denied,
			(unsigned long long)es.errors, (unsigned long long)es.fail_denied,
			es.rt_refused ? ", rt_priority refused" : "");
	/* the enforcer's last (folded) records; the sinks flush in agent_free() */
	agent_enforcer_free(enforcer);
	enforcer = NULL;
	agent_inbox_drain(inbox, a);
	struct agent_stats st;
	agent_get_stats(a, &st);
	fprintf(stderr,
		"ward agent: stopped: %llu events, %llu records (%llu alerts, %llu logs), "
		"%llu lost in the kernel, %llu lost in the agent\n",
		(unsigned long long)st.events, (unsigned long long)st.records,
		(unsigned long long)st.alerts, (unsigned long long)st.logs,
		(unsigned long long)st.kernel_lost,
		(unsigned long long)(st.queue_lost + agent_inbox_lost(inbox)));
	print_fwd_stats(rctx.fwd);
	if (r) {
		fprintf(stderr, "ward agent: %s\n", strerror(-r));
		goto out;
	}
	rc = 0;
out:
	agent_enforcer_free(enforcer);
	server_free(srv);
	server_backend_close(be);
	agent_free(a);
	agent_inbox_free(inbox);
	monitor_close(m);
	config_free(cfg);
	diag_done(&d);
	free(policies);
	if (curl_inited)
		curl_global_cleanup();
	return rc;
}
