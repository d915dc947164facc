/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers.c - which container a task is in, and that container's name, image and labels.
 *
 * Identity: the (pid namespace, mount namespace) pair of the task, as KubeArmor keys it
 * (spec/kubearmor.md §4.4); the first task seen in a new pair has its /proc/PID/cgroup read
 * for a 64-hex container id (docker-, cri-containerd-, crio-, libpod- scopes, or /docker/<id>).
 * Metadata: GET /containers/<id>/json on the runtime's Docker-compatible API over its unix
 * socket (Docker, or `podman system service`), once per container, cached. Pairs with no
 * container id (a host task that unshared namespaces) are cached as "not a container".
 */
#include "monitor/enrich.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ctr_node {
	uint64_t key;		 /* pid_ns << 32 | mnt_ns */
	struct mon_container *c; /* NULL: this pair is not a container */
	int tries;		 /* failed metadata fetches so far */
	int64_t next_try_ns;	 /* CLOCK_MONOTONIC */
	struct ctr_node *next;
};

struct mon_ctr_table {
	char *proc_root;
	char **sockets;
	struct ctr_node *buckets[256]; /* namespace pair → container (or none yet) */
	struct mon_container **ctrs;   /* owned, one per container id */
	size_t n_ctrs, cap_ctrs;
	char cgroup2[256]; /* cgroup-v2 mount point, "" if none */
	struct {
		uint64_t cgid;
		char id[65]; /* "" = not a container */
	} cg_cache[64];
	unsigned cg_next;
};

static const char *const default_sockets[] = { "/var/run/docker.sock", "/run/podman/podman.sock",
					       NULL };

/* The cgroup-v2 mount point from /proc/self/mountinfo ("" when there is none). */
static void find_cgroup2(struct mon_ctr_table *t)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	t->cgroup2[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		if (!sep)
			continue;
		char mnt[256];
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			snprintf(t->cgroup2, sizeof(t->cgroup2), "%s", mnt);
			break;
		}
	}
	fclose(f);
}

int mon_ctr_table_new(const char *proc_root, const char *const *sockets, struct mon_ctr_table **ret)
{
	struct mon_ctr_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (!sockets)
		sockets = default_sockets;
	size_t n = 0;
	while (sockets[n])
		n++;
	t->sockets = calloc(n + 1, sizeof(*t->sockets));
	t->proc_root = strdup(proc_root ? proc_root : "/proc");
	if (!t->sockets || !t->proc_root)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (!(t->sockets[i] = strdup(sockets[i])))
			goto oom;
	find_cgroup2(t);
	*ret = t;
	return 0;
oom:
	mon_ctr_table_free(t, NULL);
	return -ENOMEM;
}

static void ctr_free(struct mon_container *c, void (*scope_free)(void *scope))
{
	if (!c)
		return;
	if (c->scope && scope_free)
		scope_free(c->scope);
	free(c->name);
	free(c->image);
	free(c->labels);
	free(c->namespace_name);
	for (size_t i = 0; c->label_list && c->label_list[i]; i++)
		free(c->label_list[i]);
	free(c->label_list);
	free(c);
}

void mon_ctr_table_free(struct mon_ctr_table *t, void (*scope_free)(void *scope))
{
	if (!t)
		return;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(t->buckets); i++) {
		struct ctr_node *n = t->buckets[i];
		while (n) {
			struct ctr_node *next = n->next;
			free(n);
			n = next;
		}
	}
	for (size_t i = 0; i < t->n_ctrs; i++)
		ctr_free(t->ctrs[i], scope_free);
	free(t->ctrs);
	for (size_t i = 0; t->sockets && t->sockets[i]; i++)
		free(t->sockets[i]);
	free(t->sockets);
	free(t->proc_root);
	free(t);
}

size_t mon_ctr_count(const struct mon_ctr_table *t)
{
	return t->n_ctrs;
}

void mon_ctr_each(struct mon_ctr_table *t, void (*fn)(void *ctx, struct mon_container *c),
		  void *ctx)
{
	for (size_t i = 0; i < t->n_ctrs; i++)
		fn(ctx, t->ctrs[i]);
}

static int is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return !isxdigit((unsigned char)s[64]);
}

int mon_cgroup_container_id(const char *text, char *ret)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-",
						"libpod-", "docker/",	      "/" };
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		for (const char *s = line; s + 64 <= line + len; s++) {
			if (!is_hex64(s))
				continue;
			/* must start a path component or follow one of the runtime prefixes */
			int ok = 0;
			for (size_t k = 0; k < WARD_ARRAY_SIZE(prefixes) && !ok; k++) {
				size_t pl = strlen(prefixes[k]);
				if ((size_t)(s - line) >= pl && !strncmp(s - pl, prefixes[k], pl))
					ok = 1;
			}
			/* libpod-conmon-<id> is podman's monitor process, not the container */
			if (ok && (size_t)(s - line) >= 7 && !strncmp(s - 7, "conmon-", 7))
				ok = 0;
			if (ok) {
				memcpy(ret, s, 64);
				ret[64] = '\0';
				return 0;
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mon_ctr_parse_inspect(struct mon_container *c, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	int r = -ENOMEM;
	const char *name = json_string_value(json_object_get(root, "Name"));
	json_t *config = json_object_get(root, "Config");
	const char *image = json_string_value(json_object_get(config, "Image"));
	json_t *labels = json_object_get(config, "Labels");
	if (name && name[0] == '/')
		name++; /* Docker's "/name" */

	size_t nl = json_is_object(labels) ? json_object_size(labels) : 0;
	char **list = calloc(nl + 1, sizeof(*list));
	if (!list)
		goto out;
	size_t k = 0;
	const char *key;
	json_t *val;
	const char *ns = NULL;
	if (nl) {
		json_object_foreach(labels, key, val)
		{
			const char *v = json_is_string(val) ? json_string_value(val) : "";
			if (!strcmp(key, "kubearmor.io/namespace"))
				ns = v;
			if (asprintf(&list[k], "%s=%s", key, v) < 0) {
				list[k] = NULL;
				goto out_list;
			}
			k++;
		}
	}
	/* sorted: stable Labels text for the same container */
	qsort(list, k, sizeof(*list), cmp_str);
	struct strbuf sb;
	strbuf_init(&sb);
	for (size_t i = 0; i < k; i++) {
		if (i)
			strbuf_putc(&sb, ',');
		strbuf_puts(&sb, list[i]);
	}
	char *labels_text = sb.len ? strbuf_detach(&sb, NULL) : strdup("");
	strbuf_done(&sb);
	char *n = dup_or_empty(name), *img = dup_or_empty(image);
	char *nsn = strdup(ns && *ns ? ns : "container_namespace");
	if (!labels_text || !n || !img || !nsn) {
		free(labels_text);
		free(n);
		free(img);
		free(nsn);
		goto out_list;
	}
	free(c->name);
	free(c->image);
	free(c->labels);
	free(c->namespace_name);
	for (size_t i = 0; c->label_list && c->label_list[i]; i++)
		free(c->label_list[i]);
	free(c->label_list);
	c->name = n;
	c->image = img;
	c->labels = labels_text;
	c->namespace_name = nsn;
	c->label_list = list;
	list = NULL;
	r = 0;
out_list:
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
out:
	json_decref(root);
	return r;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct strbuf *sb = ud;
	size_t n = size * nmemb;
	if (sb->len + n > (1u << 20))
		return 0; /* a container description is a few KiB; refuse a runaway answer */
	strbuf_append(sb, ptr, n);
	return strbuf_error(sb) ? 0 : n;
}

/* GET /containers/<id>/json over the first socket that answers 200. */
static int fetch_inspect(struct mon_ctr_table *t, struct mon_container *c)
{
	int r = -ENOENT;
	for (size_t i = 0; t->sockets[i]; i++) {
		if (access(t->sockets[i], F_OK) != 0)
			continue;
		CURL *h = curl_easy_init();
		if (!h)
			return -ENOMEM;
		struct strbuf body;
		strbuf_init(&body);
		char url[160];
		snprintf(url, sizeof(url), "http://localhost/containers/%s/json", c->id);
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, t->sockets[i]);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		/* the event loop waits for this: a runtime answers in milliseconds or not at all */
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 300L);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		CURLcode cc = curl_easy_perform(h);
		long code = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
		if (cc == CURLE_OK && code == 200)
			r = mon_ctr_parse_inspect(c, body.buf ? body.buf : "", body.len);
		else
			r = cc == CURLE_OK ? -ENOENT : -ECONNREFUSED;
		strbuf_done(&body);
		if (r == 0)
			return 0;
	}
	return r;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The container with @id (shared by every namespace pair of it), created and fetched once. */
static struct mon_container *container_for_id(struct mon_ctr_table *t, const char *id,
					      uint32_t pid_ns, uint32_t mnt_ns)
{
	for (size_t i = 0; i < t->n_ctrs; i++)
		if (!strcmp(t->ctrs[i]->id, id))
			return t->ctrs[i];
	if (t->n_ctrs == t->cap_ctrs) {
		size_t nc = t->cap_ctrs ? t->cap_ctrs * 2 : 16;
		struct mon_container **a = realloc(t->ctrs, nc * sizeof(*a));
		if (!a)
			return NULL;
		t->ctrs = a;
		t->cap_ctrs = nc;
	}
	struct mon_container *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->id, id, sizeof(c->id));
	c->pid_ns = pid_ns;
	c->mnt_ns = mnt_ns;
	int r = fetch_inspect(t, c);
	c->fetched = r == 0 ? 1 : r;
	if (r != 0) {
		/* known by id only until the runtime answers */
		c->name = strdup("");
		c->image = strdup("");
		c->labels = strdup("");
		c->namespace_name = strdup("container_namespace");
		c->label_list = calloc(1, sizeof(char *));
		if (!c->name || !c->image || !c->labels || !c->namespace_name || !c->label_list) {
			ctr_free(c, NULL);
			return NULL;
		}
	}
	t->ctrs[t->n_ctrs++] = c;
	return c;
}

/* Depth-first search below @dir for the cgroup directory whose inode is @id. */
static int find_cgroup_dir(char *dir, size_t size, size_t len, uint64_t id, int depth)
{
	struct stat st;
	if (stat(dir, &st) == 0 && (uint64_t)st.st_ino == id)
		return 1;
	if (depth >= 10)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int found = 0;
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		size_t nl = strlen(de->d_name);
		if (len + 1 + nl + 1 > size)
			continue;
		dir[len] = '/';
		memcpy(dir + len + 1, de->d_name, nl + 1);
		found = find_cgroup_dir(dir, size, len + 1 + nl, id, depth + 1);
		if (!found)
			dir[len] = '\0';
	}
	closedir(d);
	return found;
}

/*
 * The container id from the cgroup-v2 id the kernel gave with the event, for a task that is
 * already gone from /proc: the cgroup directory with that inode names the container.
 * Return: 1 (id filled), 0 (none).
 */
static int cgroup_id_container(struct mon_ctr_table *t, uint64_t cgroup_id, char *id)
{
	if (!cgroup_id || !t->cgroup2[0])
		return 0;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(t->cg_cache); i++)
		if (t->cg_cache[i].cgid == cgroup_id) {
			memcpy(id, t->cg_cache[i].id, 65);
			return id[0] != '\0';
		}
	char dir[4096];
	size_t len = (size_t)snprintf(dir, sizeof(dir), "%s", t->cgroup2);
	int found = find_cgroup_dir(dir, sizeof(dir), len, cgroup_id, 0) &&
		    mon_cgroup_container_id(dir, id) == 0;
	unsigned k = t->cg_next++ % WARD_ARRAY_SIZE(t->cg_cache);
	t->cg_cache[k].cgid = cgroup_id;
	memcpy(t->cg_cache[k].id, found ? id : "", found ? 65 : 1);
	return found;
}

/* Read the cgroup of @host_pid. Return: 1 (container id in @id), 0 (none), -1 (task gone). */
static int read_cgroup_id(struct mon_ctr_table *t, uint32_t host_pid, char *id)
{
	char path[128], text[4096];
	snprintf(path, sizeof(path), "%s/%u/cgroup", t->proc_root, host_pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	return mon_cgroup_container_id(text, id) == 0;
}

void mon_ctr_forget_pid_ns(struct mon_ctr_table *t, uint32_t pid_ns)
{
	for (size_t b = 0; b < WARD_ARRAY_SIZE(t->buckets); b++) {
		struct ctr_node **pp = &t->buckets[b];
		while (*pp) {
			struct ctr_node *n = *pp;
			if ((uint32_t)(n->key >> 32) == pid_ns) {
				*pp = n->next;
				free(n); /* the container itself stays: tasks may still point at it */
			} else {
				pp = &n->next;
			}
		}
	}
}

struct mon_container *mon_ctr_lookup(struct mon_ctr_table *t, uint32_t pid_ns, uint32_t mnt_ns,
				     uint32_t host_pid, uint64_t cgroup_id)
{
	uint64_t key = (uint64_t)pid_ns << 32 | mnt_ns;
	size_t b = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 56);
	char id[65];
	struct ctr_node *n;
	for (n = t->buckets[b]; n; n = n->next)
		if (n->key == key)
			break;
	if (n && n->c) {
		/*
		 * The runtime may not answer for a container still starting: retry once a
		 * second, ten times at most (KubeArmor replays unknown events likewise).
		 */
		if (n->c->fetched < 0 && n->tries < 10 && now_ns() >= n->next_try_ns) {
			n->tries++;
			n->next_try_ns = now_ns() + 1000000000LL;
			int r = fetch_inspect(t, n->c);
			n->c->fetched = r == 0 ? 1 : r;
		}
		return n->c;
	}
	if (n) {
		/*
		 * No container id when this pair was first seen: a runtime may create the
		 * namespaces before it moves the task into the container's cgroup. Look again,
		 * backing off (100 ms, 200 ms, ...), ten times at most.
		 */
		if (n->tries >= 10 || now_ns() < n->next_try_ns)
			return NULL;
		n->tries++;
		n->next_try_ns = now_ns() + (100000000LL << n->tries);
		if (read_cgroup_id(t, host_pid, id) != 1 && !cgroup_id_container(t, cgroup_id, id))
			return NULL;
		n->c = container_for_id(t, id, pid_ns, mnt_ns);
		n->tries = 0;
		return n->c;
	}

	int r = read_cgroup_id(t, host_pid, id);
	if (r != 1 && cgroup_id_container(t, cgroup_id, id))
		r = 1; /* the task is gone (or not yet in /proc's view): the event's cgroup says */
	if (r < 0)
		return NULL; /* the task is gone: decide with the next task of this pair */
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->key = key;
	n->next_try_ns = now_ns() + 100000000LL;
	if (r == 1)
		n->c = container_for_id(t, id, pid_ns, mnt_ns);
	n->next = t->buckets[b];
	t->buckets[b] = n;
	return n->c;
}
