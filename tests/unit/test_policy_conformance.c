/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests: YAML-driven conformance. KubeArmor's own test policies (the shared corpus copy of
 * kubearmor/tests) are loaded with the real loader, compiled, and fed the events their test
 * commands produce (spec Appendix A.1 ginkgo suites, A.2 scenarios); each row checks what the
 * user would see: an alert with PolicyName/Action, a plain log, no record, and the deny answer.
 */
#include "support/policy_fx.h"

#include <stdio.h>
#include <stdlib.h>

struct cev {
	enum policy_op op;
	const char *proc, *parent, *path, *source; /* source NULL = proc */
	const char *domain;			   /* network: a DNS event */
	int32_t result;
	uint32_t uid, owner; /* owner 0 = unknown */
	uint8_t write, tty;
	int sock[3]; /* network: domain, type, protocol */
	int cap, sysnr;
	enum policy_verdict_kind kind;
	const char *policy; /* alert: PolicyName ("DefaultPosture") */
	enum policy_action action;
	int deny;
};

struct ccase {
	const char *file; /* under kubearmor-tests/tests/ */
	int host;
	const char *ns, *cname;
	const char *labels[4];
	enum policy_posture posture; /* every class of the scope */
	struct cev ev[8];	     /* up to the first with proc == NULL */
};

#define PEND  POLICY_RESULT_PENDING
#define ALERT POLICY_VERDICT_ALERT
#define LOG   POLICY_VERDICT_LOG
#define DROP  POLICY_VERDICT_DROP
#define PROC  POLICY_OP_PROCESS
#define FILE_ POLICY_OP_FILE
#define NET   POLICY_OP_NETWORK
#define CAPS  POLICY_OP_CAPABILITIES
#define SYS   POLICY_OP_SYSCALL

#define MU "k8s_env/ksp/multiubuntu/"
/* the multiubuntu pods' labels, as far as the policies below select on them */
#define UB1                                                 \
	{                                                   \
		"container=ubuntu-1", "group=group-1", NULL \
	}
#define UB3                                                 \
	{                                                   \
		"container=ubuntu-3", "group=group-1", NULL \
	}
#define UB4                                                 \
	{                                                   \
		"container=ubuntu-4", "group=group-2", NULL \
	}

static const struct ccase cases[] = {
	/* ---- ksp_test.go ---- */
	{ MU "ksp-group-1-block-proc-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", .result = PEND, .kind = ALERT,
	      .policy = "ksp-group-1-block-proc-path", .action = A_BLOCK, .deny = 1 },
	    { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = LOG } } },
	{ MU "ksp-group-2-audit-proc-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", .result = 0, .kind = ALERT,
	      .policy = "ksp-group-2-audit-proc-path", .action = A_AUDIT } } },
	{ MU "ksp-ubuntu-1-block-proc-dir.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/sbin/route", "/bin/bash", "/sbin/route", .result = -EACCES, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-proc-dir", .action = A_BLOCK, .deny = 1 },
	    { PROC, "/bin/route", "/bin/bash", "/bin/route", .result = 0, .kind = LOG } } },
	{ MU "ksp-ubuntu-1-block-proc-dir-recursive.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/usr/bin/whoami", "/bin/bash", "/usr/bin/whoami", .result = -EACCES,
	      .kind = ALERT, .policy = "ksp-ubuntu-1-block-proc-dir-recursive", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-group-1-block-proc-path-from-source.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/bin/ls", "/bin/dash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "ksp-group-1-block-proc-path-from-source", .action = A_BLOCK, .deny = 1 },
	    { PROC, "/bin/dash", "/bin/bash", "/bin/dash", .result = 0, .kind = LOG } } },
	{ MU "ksp-ubuntu-1-block-proc-execname.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-proc-execname", .action = A_BLOCK, .deny = 1 } } },
	{ MU "ksp-match-expression-in-notin-block-process.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = -EACCES, .kind = ALERT,
	      .policy = "ksp-match-expression-in-notin-block-process", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-match-expression-in-notin-block-process.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ MU "ksp-ubuntu-3-allow-proc-dir.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = PEND, .kind = ALERT,
	      .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/credentials/password", .result = PEND,
	      .kind = DROP } } },
	{ MU "ksp-ubuntu-3-allow-proc-path-owner.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  POLICY_POSTURE_BLOCK,
	  { { PROC, "/home/user1/hello", "/bin/bash", "/home/user1/hello", .result = PEND, .uid = 0,
	      .owner = 1000, .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK,
	      .deny = 1 },
	    { PROC, "/home/user1/hello", "/bin/su", "/home/user1/hello", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = DROP } } },
	{ MU "ksp-ubuntu-3-block-proc-path-owner.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  0,
	  { { PROC, "/home/user1/hello", "/bin/bash", "/home/user1/hello", .result = PEND, .uid = 0,
	      .owner = 1000, .kind = ALERT, .policy = "ksp-ubuntu-3-block-proc-path-owner",
	      .action = A_BLOCK, .deny = 1 },
	    { PROC, "/home/user1/hello", "/bin/bash", "/home/user1/hello", .result = 0, .uid = 1000,
	      .owner = 1000, .kind = LOG } } },
	{ MU "ksp-ubuntu-1-block-file-pattern.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", .result = PEND, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-file-pattern", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/etc/gshadow", .result = -EACCES, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-file-pattern", .action = A_BLOCK, .deny = 1 } } },
	{ MU "ksp-ubuntu-1-block-file-dir-recursive.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/run/secrets/kubernetes.io/serviceaccount/token",
	      .result = PEND, .kind = ALERT, .policy = "ksp-ubuntu-1-block-file-dir-recursive",
	      .action = A_BLOCK, .deny = 1 } } },
	{ MU "ksp-ubuntu-4-block-file-path-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/bash", "/bin/bash", "/credentials/password", .result = PEND, .write = 1,
	      .kind = ALERT, .policy = "ksp-ubuntu-4-block-file-path-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/credentials/password", .result = 0,
	      .kind = LOG } } },
	{ MU "ksp-ubuntu-4-audit-file-path-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/usr/bin/touch", "/bin/bash", "/dev/shm/new", .result = 0, .write = 1,
	      .kind = ALERT, .policy = "ksp-ubuntu-4-audit-file-path-readonly", .action = A_AUDIT },
	    { FILE_, "/bin/cat", "/bin/bash", "/dev/shm/new", .result = 0, .kind = LOG } } },
	{ MU "ksp-ubuntu-4-allow-file-path-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/bash", "/bin/bash", "/credentials/password", .result = PEND, .write = 1,
	      .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/credentials/password", .result = PEND,
	      .kind = DROP } } },
	{ MU "ksp-ubuntu-4-block-file-path-owner-readonly-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/readwrite", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-4-block-file-path-owner-readonly-from-source-path",
	      .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/readwrite", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT,
	      .policy = "ksp-ubuntu-4-block-file-path-owner-readonly-from-source-path",
	      .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/readwrite", "/bin/su", "/home/user1/secret_data1.txt", .result = 0,
	      .uid = 1000, .owner = 1000, .kind = LOG } } },
	{ MU "ksp-ubuntu-3-allow-file-path-owner.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = DROP } } },
	{ MU "ksp-match-expression-notin-block-process.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ MU "ksp-match-expression-notin-block-process.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "ksp-match-expression-notin-block-process", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-group-2-allow-file-path-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = PEND, .kind = ALERT,
	      .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/secret.txt", .result = PEND, .kind = DROP } } },
	{ MU "ksp-ubuntu-4-block-file-dir-recursive.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/credentials/password", .result = PEND,
	      .kind = ALERT, .policy = "ksp-ubuntu-4-block-file-dir-recursive", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-group-2-audit-file-path-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/secret.txt", .result = 0, .kind = ALERT,
	      .policy = "ksp-group-2-audit-file-path-from-source-path", .action = A_AUDIT } } },
	{ MU "ksp-ubuntu-1-audit-file-dir.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/credentials/password", .result = 0, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-audit-file-dir", .action = A_AUDIT },
	    { FILE_, "/bin/cat", "/bin/bash", "/credentials/keys/priv.key", .result = 0,
	      .kind = ALERT, .policy = "ksp-ubuntu-1-audit-file-dir", .action = A_AUDIT } } },
	{ MU "ksp-group-2-block-file-path-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/secret.txt", .result = PEND, .kind = ALERT,
	      .policy = "ksp-group-2-block-file-path-from-source-path", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-group-2-allow-file-path-owner-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = DROP } } },
	{ MU "ksp-group-2-audit-file-path-owner-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = 0, .uid = 0,
	      .owner = 1000, .kind = ALERT,
	      .policy = "ksp-group-2-audit-file-path-owner-from-source-path",
	      .action = A_AUDIT } } },
	{ MU "ksp-group-2-block-file-path-owner-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT,
	      .policy = "ksp-group-2-block-file-path-owner-from-source-path", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = LOG } } },
	{ MU "ksp-ubuntu-1-audit-file-access-owner-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/usr/bin/touch", "/bin/bash", "/home/user1/new1", .result = 0, .uid = 0,
	      .owner = 0, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-audit-file-access-owner-readonly", .action = A_AUDIT },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = 0,
	      .uid = 1000, .owner = 1000, .kind = LOG } } },
	{ MU "ksp-ubuntu-3-block-file-dir-recursive-owner-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/dir1/key1.txt", .result = PEND, .uid = 0,
	      .owner = 1000, .kind = ALERT,
	      .policy = "ksp-ubuntu-3-block-file-dir-recursive-owner-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = LOG },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/dir1/key1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = LOG },
	    { FILE_, "/bin/bash", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-3-block-file-dir-recursive-owner-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/dir1/key1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-3-block-file-dir-recursive-owner-readonly", .action = A_BLOCK,
	      .deny = 1 } } },
	{ MU "ksp-ubuntu-3-block-file-dir-owner-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB3,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT,
	      .policy = "ksp-ubuntu-3-block-file-dir-owner-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = 0,
	      .uid = 1000, .owner = 1000, .kind = LOG },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-3-block-file-dir-owner-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    /* not recursive: a subdirectory is not covered */
	    { FILE_, "/bin/cat", "/bin/bash", "/home/user1/dir1/key1.txt", .result = PEND, .uid = 0,
	      .owner = 1000, .kind = LOG } } },
	{ MU "ksp-ubuntu-4-allow-file-path-owner-readonly-from-source-path.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB4,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/home/user1/readwrite", "/bin/bash", "/home/user1/secret_data1.txt",
	      .result = PEND, .uid = 0, .owner = 1000, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/home/user1/readwrite", "/bin/bash", "/home/user1/secret_data1.txt",
	      .result = PEND, .uid = 0, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/home/user1/readwrite", "/bin/su", "/home/user1/secret_data1.txt",
	      .result = PEND, .uid = 1000, .owner = 1000, .kind = DROP } } },
	/* pts: false — only processes with a TTY (kubectl exec -it) are covered */
	{ MU "ksp-group-1-block-proc-pts.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", .result = PEND, .tty = 1,
	      .kind = ALERT, .policy = "ksp-group-1-block-proc-pts", .action = A_BLOCK, .deny = 1 },
	    { PROC, "/bin/sleep", "/bin/bash", "/bin/sleep", .result = PEND, .kind = LOG } } },
	{ MU "ksp-group-1-block-file-pts.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = PEND, .tty = 1,
	      .kind = ALERT, .policy = "ksp-group-1-block-file-pts", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = PEND, .kind = LOG } } },
	/* scenarios/multiubuntu_test_27 */
	{ MU "ksp-ubuntu-1-block-file-pattern-owner-readonly.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = 0,
	      .uid = 1000, .owner = 1000, .kind = LOG },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-file-pattern-owner-readonly", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/otherfile.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = LOG },
	    { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-file-pattern-owner-readonly", .action = A_BLOCK,
	      .deny = 1 } } },
	/* ---- smoke_test.go ---- */
	{ "k8s_env/smoke/res/ksp-wordpress-block-process.yaml",
	  0,
	  "wordpress-mysql",
	  "wordpress",
	  { "app=wordpress", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "ksp-wordpress-block-process", .action = A_BLOCK, .deny = 1 },
	    { PROC, "/usr/bin/apt-get", "/bin/bash", "/usr/bin/apt-get", .result = PEND,
	      .kind = ALERT, .policy = "ksp-wordpress-block-process", .action = A_BLOCK,
	      .deny = 1 } } },
	{ "k8s_env/smoke/res/ksp-wordpress-lenient-allow-sa.yaml",
	  0,
	  "wordpress-mysql",
	  "wordpress",
	  { "app=wordpress", NULL },
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/usr/bin/head", "/bin/bash",
	      "/run/secrets/kubernetes.io/serviceaccount/token", .result = PEND, .kind = ALERT,
	      .policy = "ksp-wordpress-lenient-allow-sa", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/run/secrets/kubernetes.io/serviceaccount/token",
	      .result = PEND, .kind = DROP },
	    { FILE_, "/bin/cat", "/bin/bash", "/etc/passwd", .result = PEND, .kind = DROP },
	    { FILE_, "/usr/bin/head", "/bin/bash", "/etc/passwd", .result = PEND,
	      .kind = DROP } } },
	{ "k8s_env/smoke/res/ksp-mysql-audit-dir.yaml",
	  0,
	  "wordpress-mysql",
	  "mysql",
	  { "app=mysql", NULL },
	  0,
	  { { FILE_, "/usr/bin/touch", "/bin/bash", "/var/lib/mysql/test.txt", .result = 0,
	      .write = 1, .kind = ALERT, .policy = "ksp-mysql-audit-dir", .action = A_AUDIT } } },
	{ "k8s_env/smoke/res/ksp-wordpress-block-mount-file.yaml",
	  0,
	  "wordpress-mysql",
	  "wordpress",
	  { "app=wordpress", NULL },
	  0,
	  { { FILE_, "/usr/bin/touch", "/bin/bash", "/dev/shm/new", .result = PEND, .write = 1,
	      .kind = ALERT, .policy = "ksp-wordpress-block-mount-file", .action = A_BLOCK,
	      .deny = 1 } } },
	/* blockposture/res/ksp-nginx-allow-file.yaml is left out: it has `fromSource:` null, which
	 * the CRD rejects (spec §1.13), so the loader refuses it; the same posture behaviour is
	 * covered by ksp-ubuntu-3-allow-proc-dir above. */
	/* ---- networktests/network_test.go ---- */
	{ "k8s_env/networktests/res/ksp-ubuntu-1-audit-net-icmp.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { NET, "/bin/ping", "/bin/bash", .result = 0, .sock = { 2, 3, 1 }, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-audit-net-icmp", .action = A_AUDIT } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-block-net-raw.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { NET, "/usr/sbin/arping", "/bin/bash", .result = PEND, .sock = { 17, 3, 0 },
	      .kind = ALERT, .policy = "ksp-ubuntu-1-block-net-raw", .action = A_BLOCK,
	      .deny = 1 } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-audit-net-raw.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { NET, "/usr/sbin/arping", "/bin/bash", .result = 0, .sock = { 17, 3, 0 },
	      .kind = ALERT, .policy = "ksp-ubuntu-1-audit-net-raw", .action = A_AUDIT } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-block-net-all.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { NET, "/bin/ping", "/bin/bash", .result = PEND, .sock = { 2, 3, 1 }, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-net-all", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-allow-net-tcp-from-source.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  POLICY_POSTURE_BLOCK,
	  { { NET, "/usr/bin/curl", "/bin/bash", .source = "/usr/bin/curl duckduckgo.com",
	      .result = PEND, .sock = { 2, 2, 0 }, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 },
	    { NET, "/usr/bin/curl", "/bin/bash", .source = "/usr/bin/curl 40.114.177.156",
	      .result = PEND, .sock = { 2, 1, 0 }, .kind = DROP } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-block-net-raw-cap.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { CAPS, "/usr/sbin/arping", "/bin/bash", .result = PEND, .cap = 13, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-net-raw-cap", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/networktests/res/ksp-ubuntu-1-block-net-raw-cap-from-source.yaml",
	  0,
	  "multiubuntu",
	  "c",
	  UB1,
	  0,
	  { { CAPS, "/usr/sbin/arping", "/bin/bash", .source = "/usr/sbin/arping -c 1 127.0.0.1",
	      .result = PEND, .cap = 13, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-block-net-raw-cap-from-source", .action = A_BLOCK,
	      .deny = 1 },
	    { CAPS, "/bin/ping", "/bin/bash", .result = PEND, .cap = 13, .kind = LOG } } },
	/* ---- csp/csp_test.go ---- */
	{ "k8s_env/csp/res/csp-in-operator-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "csp-in-operator-block-process", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/csp/res/csp-in-operator-block-process.yaml",
	  0,
	  "nginx2",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ "k8s_env/csp/res/csp-in-operator-block-file-access.yaml",
	  0,
	  "nginx2",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { FILE_, "/usr/bin/cat", "/bin/bash", "/etc/host.conf", .result = PEND, .kind = ALERT,
	      .policy = "csp-in-operator-block-file-access", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/csp/res/csp-not-in-operator-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ "k8s_env/csp/res/csp-not-in-operator-block-file-access.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { FILE_, "/usr/bin/cat", "/bin/bash", "/etc/host.conf", .result = PEND, .kind = ALERT,
	      .policy = "csp-not-in-operator-block-file-access", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/csp/res/csp-matchlabels-in-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "csp-matchlabels-in-block-process", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/csp/res/csp-matchlabels-in-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=debian", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ "k8s_env/csp/res/csp-matchlabels-not-in-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=nginx", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = LOG } } },
	{ "k8s_env/csp/res/csp-matchlabels-not-in-block-process.yaml",
	  0,
	  "nginx1",
	  "c",
	  { "app=debian", NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = PEND, .kind = ALERT,
	      .policy = "csp-matchlabels-not-in-block-process", .action = A_BLOCK, .deny = 1 } } },
	/* ---- multicontainer_test.go ---- */
	{ "k8s_env/multicontainer/manifests/container-1-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-1",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "container-1-block-ls", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/multicontainer/manifests/container-1-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-2",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = LOG } } },
	{ "k8s_env/multicontainer/manifests/empty-array-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-2",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "empty-array-ls-block", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/multicontainer/manifests/empty-label-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-2",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "empty-array-ls-block", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/multicontainer/manifests/malformated-array-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-1",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "malformated-array-ls-block", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/multicontainer/manifests/malformated-array-ls-block.yaml",
	  0,
	  "multicontainer",
	  "container-2",
	  { "container=multicontainer", NULL },
	  0,
	  { { PROC, "/bin/ls", "/bin/bash", "/bin/ls", .result = PEND, .kind = LOG } } },
	/* ---- syscalls_test.go ---- */
	{ "k8s_env/syscalls/manifests/matchsyscalls/unlink.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/usr/bin/unlink", "/bin/bash", "/dummy", "/usr/bin/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = ALERT, .policy = "audit-all-unlink", .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchsyscalls/unlink-fromsource.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/bin/unlink", "/bin/bash", "/dummy", "/bin/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = ALERT, .policy = "audit-unlink-fromsource", .action = A_AUDIT },
	    { SYS, "/usr/bin/unlink", "/bin/bash", "/dummy", "/usr/bin/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = LOG } } },
	{ "k8s_env/syscalls/manifests/matchsyscalls/unlink-fromsource-dir-recursive.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/foo/bar/unlink", "/bin/bash", "/dummy", "/foo/bar/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = ALERT, .policy = "audit-unlink-fromsource-dir-recursive",
	      .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchsyscalls/unlink-fromsource-path.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/unlink", "/bin/bash", "/dummy", "/unlink /dummy", .result = 0, .sysnr = 87,
	      .kind = ALERT, .policy = "audit-unlink-fromsource-path", .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchpaths/unlink.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/usr/bin/unlink", "/bin/bash", "/home/dummy", "/usr/bin/unlink /home/dummy",
	      .result = 0, .sysnr = 87, .kind = ALERT, .policy = "audit-unlink",
	      .action = A_AUDIT },
	    { SYS, "/usr/bin/unlink", "/bin/bash", "/dummy", "/usr/bin/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = LOG } } },
	{ "k8s_env/syscalls/manifests/matchpaths/unlink-file-path.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/usr/bin/unlink", "/bin/bash", "/dummy", "/usr/bin/unlink /dummy", .result = 0,
	      .sysnr = 87, .kind = ALERT, .policy = "audit-unlink-file-path",
	      .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchpaths/unlink-dir-recursive-fromsource-path.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/bin/unlink", "/bin/bash", "/home/dummy", "/bin/unlink /home/dummy",
	      .result = 0, .sysnr = 87, .kind = ALERT,
	      .policy = "audit-unlink-dir-recursive-fromsource-path", .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchpaths/unlink-dir-recursive-fromsource-recursive-dir.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/usr/bin/unlink", "/bin/bash", "/home/dummy", "/usr/bin/unlink /home/dummy",
	      .result = 0, .sysnr = 87, .kind = ALERT,
	      .policy = "audit-unlink-dir-recursive-fromsource-recursive-dir",
	      .action = A_AUDIT } } },
	{ "k8s_env/syscalls/manifests/matchpaths/unlink-dir-recursive-fromsource-dir.yaml",
	  0,
	  "syscalls",
	  "c",
	  UB1,
	  0,
	  { { SYS, "/bin/unlink", "/bin/bash", "/home/dummy", "/bin/unlink /home/dummy",
	      .result = 0, .sysnr = 87, .kind = ALERT,
	      .policy = "audit-unlink-dir-recursive-fromsource-dir", .action = A_AUDIT } } },
	/* ---- legacy scenarios (spec A.2, §7.2: "default" = decided by the posture) ---- */
	{ "k8s_env/scenarios/github_test_01/ksp-ubuntu-1-proc-path-block-from-source.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  0,
	  { { PROC, "/usr/bin/uname", "/bin/dash", "/usr/bin/uname", .result = PEND, .kind = LOG },
	    { PROC, "/bin/ls", "/bin/dash", "/bin/ls", .result = PEND, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-proc-path-block-from-source", .action = A_BLOCK,
	      .deny = 1 } } },
	{ "k8s_env/scenarios/github_test_04/ksp-ubuntu-1-file-path-block-from-source.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/secret.txt", .result = PEND, .kind = ALERT,
	      .policy = "ksp-ubutnu-1-file-path-block-from-source", .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = PEND, .kind = LOG } } },
	{ "k8s_env/scenarios/github_test_05/ksp-ubuntu-1-file-path-allow-from-source.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/bash", "/secret.txt", .result = PEND, .kind = DROP },
	    { FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", .result = PEND, .kind = ALERT,
	      .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/scenarios/github_test_05/ksp-ubuntu-1-file-path-allow-from-source.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  POLICY_POSTURE_AUDIT,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/hosts", .result = PEND, .kind = ALERT,
	      .policy = "DefaultPosture", .action = A_AUDIT } } },
	{ "k8s_env/scenarios/github_test_06/ksp-ubuntu-1-file-path-owner-readonly-allow.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  POLICY_POSTURE_BLOCK,
	  { { FILE_, "/bin/cat", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = DROP },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/bash", "/bin/bash", "/home/user1/secret_data1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .write = 1, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/scenarios/github_test_07/ksp-ubuntu-1-file-dir-recursive-owner-readonly-block.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/home/user1/dir1/key1.txt", .result = PEND, .uid = 0,
	      .owner = 1000, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-file-dir-recursive-owner-readonly-block", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/cat", "/bin/su", "/home/user1/dir1/key1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .kind = LOG },
	    { FILE_, "/bin/bash", "/bin/bash", "/home/user1/dir1/key1.txt", .result = PEND,
	      .uid = 0, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-file-dir-recursive-owner-readonly-block", .action = A_BLOCK,
	      .deny = 1 },
	    { FILE_, "/bin/bash", "/bin/su", "/home/user1/dir1/key1.txt", .result = PEND,
	      .uid = 1000, .owner = 1000, .write = 1, .kind = ALERT,
	      .policy = "ksp-ubuntu-1-file-dir-recursive-owner-readonly-block", .action = A_BLOCK,
	      .deny = 1 } } },
	{ "k8s_env/scenarios/github_test_12/ksp-ubuntu-1-net-tcp-from-source-allow.yaml",
	  0,
	  "github",
	  "c",
	  UB1,
	  POLICY_POSTURE_BLOCK,
	  { { NET, "/usr/bin/curl", "/bin/bash", .source = "/usr/bin/curl 142.250.193.46",
	      .result = PEND, .sock = { 2, 1, 0 }, .kind = DROP },
	    { NET, "/usr/bin/curl", "/bin/bash", .source = "/usr/bin/curl google.com",
	      .result = PEND, .sock = { 2, 2, 0 }, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 },
	    { NET, "/usr/bin/wget", "/bin/bash", .source = "/usr/bin/wget --tries=1 142.250.193.46",
	      .result = PEND, .sock = { 2, 1, 0 }, .kind = ALERT, .policy = "DefaultPosture",
	      .action = A_BLOCK, .deny = 1 } } },
	/* ---- nonk8s_env/ksp ---- */
	{ "nonk8s_env/ksp/res/ksp-audit-file-access.yaml",
	  0,
	  "container_namespace",
	  "wordpress-mysql",
	  { NULL },
	  0,
	  { { FILE_, "/bin/cat", "/bin/bash", "/etc/shadow", .result = 0, .kind = ALERT,
	      .policy = "ksp-audit-file-access", .action = A_AUDIT } } },
	{ "nonk8s_env/ksp/res/ksp-audit-exec-dir.yaml",
	  0,
	  "container_namespace",
	  "wordpress-mysql",
	  { NULL },
	  0,
	  { { PROC, "/usr/bin/ls", "/bin/bash", "/usr/bin/ls", .result = 0, .kind = ALERT,
	      .policy = "ksp-block-exec-dir", .action = A_AUDIT } } },
	{ "nonk8s_env/ksp/res/ksp-audit-protocol-tcp.yaml",
	  0,
	  "container_namespace",
	  "wordpress-mysql",
	  { NULL },
	  0,
	  { { NET, "/usr/bin/curl", "/bin/bash", .source = "/usr/bin/curl --help", .result = 0,
	      .sock = { 2, 1, 0 }, .kind = ALERT, .policy = "ksp-audit-protocol-tcp",
	      .action = A_AUDIT } } },
	{ "nonk8s_env/ksp/res/ksp-audit-file-pattern.yaml",
	  0,
	  "container_namespace",
	  "wordpress-mysql",
	  { NULL },
	  0,
	  { { FILE_, "/bin/bash", "/bin/bash", "/tmp/karmor_test_file", .result = 0, .write = 1,
	      .kind = ALERT, .policy = "ksp-audit-file-pattern", .action = A_AUDIT } } },
	{ "nonk8s_env/ksp/res/ksp-audit-process-apt-pattern.yaml",
	  0,
	  "container_namespace",
	  "wordpress-mysql",
	  { NULL },
	  0,
	  { { PROC, "/usr/bin/apt", "/bin/bash", "/usr/bin/apt", .result = 0, .kind = ALERT,
	      .policy = "ksp-audit-process-apt-pattern", .action = A_AUDIT } } },
	/* ---- nonk8s_env/host_policy ---- */
	{ "nonk8s_env/host_policy/res/hsp-block-process-ls.yaml", 1,
	  .ev = { { PROC, "/usr/bin/ls", "/bin/bash", "/usr/bin/ls", .result = PEND, .kind = ALERT,
		    .policy = "hsp-proc-path-block", .action = A_BLOCK, .deny = 1 } } },
	{ "nonk8s_env/host_policy/res/hsp-block-file-pattern.yaml", 1,
	  .ev = { { FILE_, "/bin/bash", "/bin/bash", "/tmp/something.txt", .result = PEND,
		    .write = 1, .kind = ALERT, .policy = "hsp-block-file-pattern",
		    .action = A_BLOCK, .deny = 1 } } },
	{ "nonk8s_env/host_policy/res/hsp-audit-syscall.yaml", 1,
	  .ev = { { SYS, "/usr/bin/unlink", "/bin/bash", "/home/dummy",
		    "/usr/bin/unlink /home/dummy", .result = 0, .sysnr = 87, .kind = ALERT,
		    .policy = "hsp-audit-syscall", .action = A_AUDIT } } },
	{ "nonk8s_env/host_policy/res/hsp-audit-hosts-fromsource.yaml", 1,
	  .ev = { { FILE_, "/usr/bin/cat", "/bin/bash", "/etc/hosts", .result = 0, .kind = ALERT,
		    .policy = "hsp-audit-hosts-fromsource", .action = A_AUDIT },
		  { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hosts", .result = 0,
		    .kind = LOG } } },
	/* hsp-audit-network-protocol.yaml has no fromSource on an HSP protocol rule, which the
	 * CRD requires (spec §1.13): the loader refuses it. test_policy_host covers host network
	 * audit with a fromSource. */
	{ "nonk8s_env/host_policy/res/hsp-block-file-etc-passwd.yaml", 1,
	  .ev = { { FILE_, "/usr/bin/cat", "/bin/bash", "/etc/passwd", .result = PEND,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-file-path-block", .action = A_BLOCK,
		    .deny = 1 } } },
	{ "nonk8s_env/host_policy/res/hsp-block-process-curl.yaml", 1,
	  .ev = { { PROC, "/usr/bin/curl", "/bin/bash", "/usr/bin/curl", .result = PEND,
		    .kind = ALERT, .policy = "hsp-block-curl-exec", .action = A_BLOCK,
		    .deny = 1 } } },
	{ "nonk8s_env/host_policy/res/hsp-block-file-dir-etc.yaml", 1,
	  .ev = { { FILE_, "/usr/bin/cat", "/bin/bash", "/etc/hosts", .result = PEND, .kind = ALERT,
		    .policy = "hsp-block-file-dir", .action = A_BLOCK, .deny = 1 } } },
	{ "nonk8s_env/host_policy/res/hsp-block-process-apt-pattern.yaml", 1,
	  .ev = { { PROC, "/usr/bin/apt-get", "/bin/bash", "/usr/bin/apt-get", .result = PEND,
		    .kind = ALERT, .policy = "hsp-block-apt-commands", .action = A_BLOCK,
		    .deny = 1 } } },
	/* ---- host_scenarios/kubearmor-dev_test_01..09 (node label kubernetes.io/hostname) ---- */
	{ "k8s_env/host_scenarios/kubearmor-dev_test_01/hsp-kubearmor-dev-proc-path-block.yaml", 1,
	  .ev = { { PROC, "/usr/bin/diff", "/bin/bash", "/usr/bin/diff", .result = -EACCES,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-proc-path-block", .action = A_BLOCK,
		    .deny = 1 } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_02/hsp-kubearmor-dev-file-path-audit.yaml", 1,
	  .ev = { { FILE_, "/usr/bin/head", "/bin/bash", "/etc/passwd", .result = 0, .kind = ALERT,
		    .policy = "hsp-kubearmor-dev-file-path-audit", .action = A_AUDIT } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_03/hsp-kubearmor-dev-file-path-block.yaml", 1,
	  .ev = { { FILE_, "/bin/cat", "/bin/bash", "/etc/hostname", .result = -EACCES,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-file-path-block", .action = A_BLOCK,
		    .deny = 1 } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_04/hsp-kubearmor-dev-proc-path-block-fromSource.yaml",
	  1,
	  .ev = { { PROC, "/usr/bin/date", "/usr/bin/bash", "/usr/bin/date", .result = PEND,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-proc-path-block-fromsource",
		    .action = A_BLOCK, .deny = 1 },
		  { PROC, "/usr/bin/ls", "/usr/bin/bash", "/usr/bin/ls", .result = PEND,
		    .kind = LOG } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_05/hsp-kubearmor-dev-proc-path-allow-fromSource.yaml",
	  1, .posture = POLICY_POSTURE_BLOCK,
	  .ev = { { PROC, "/usr/bin/date", "/usr/bin/bash", "/usr/bin/date", .result = PEND,
		    .kind = DROP },
		  { PROC, "/usr/bin/ls", "/usr/bin/bash", "/usr/bin/ls", .result = PEND,
		    .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_06/hsp-kubearmor-dev-file-path-block-fromSource.yaml",
	  1,
	  .ev = { { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hostname", .result = -EACCES,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-file-path-block-fromsource",
		    .action = A_BLOCK, .deny = 1 },
		  { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hosts", .result = 0,
		    .kind = LOG } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_07/hsp-kubearmor-dev-file-path-allow-fromSource.yaml",
	  1, .posture = POLICY_POSTURE_AUDIT,
	  .ev = { { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hostname", .result = 0,
		    .kind = DROP },
		  { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hosts", .result = 0, .kind = ALERT,
		    .policy = "DefaultPosture", .action = A_AUDIT } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_08/hsp-kubearmor-dev-file-dir-allow-fromSource.yaml",
	  1, .posture = POLICY_POSTURE_BLOCK,
	  .ev = { { FILE_, "/usr/bin/head", "/bin/bash", "/etc/default/useradd", .result = PEND,
		    .kind = DROP },
		  { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hostname", .result = PEND,
		    .kind = ALERT, .policy = "DefaultPosture", .action = A_BLOCK, .deny = 1 } } },
	{ "k8s_env/host_scenarios/kubearmor-dev_test_09/hsp-kubearmor-dev-file-dir-block-fromSource.yaml",
	  1,
	  .ev = { { FILE_, "/usr/bin/head", "/bin/bash", "/etc/default/useradd", .result = PEND,
		    .kind = ALERT, .policy = "hsp-kubearmor-dev-file-dir-block-fromsource",
		    .action = A_BLOCK, .deny = 1 },
		  { FILE_, "/usr/bin/head", "/bin/bash", "/etc/hostname", .result = PEND,
		    .kind = LOG } } },
};

static void run_case(const struct ccase *c)
{
	char path[1024];
	const char *p = path;
	struct policy_doc_list *docs = NULL;
	struct policy_compile_opts o;
	struct policy_set *set = NULL;
	struct policy_scope *owned = NULL;
	const struct policy_scope *sc;
	struct diag dg;
	static const char *const node_labels[] = { "kubernetes.io/hostname=kubearmor-dev", NULL };

	snprintf(path, sizeof(path), "%s/kubearmor-tests/tests/%s", ward_test_corpus(), c->file);
	diag_init(&dg);
	if (policy_load_paths(&p, 1, &docs, &dg) != 0 || !docs || !policy_doc_list_count(docs))
		fail_msg("%s: did not load (%zu diagnostics)", c->file, dg.n);
	policy_compile_opts_init(&o);
	o.host.hostname = "kubearmor-dev";
	o.host.labels = node_labels;
	for (int k = 0; k < POLICY_CLASS_COUNT; k++)
		o.host_posture[k] = o.container_posture[k] = c->posture;
	assert_int_equal(policy_set_compile(docs, &o, &set, &dg), 0);
	if (c->host) {
		sc = policy_set_host_scope(set);
	} else {
		struct policy_container ct = { c->ns, c->cname, c->labels };
		assert_int_equal(policy_set_container_scope(set, &ct, &owned), 0);
		sc = owned;
	}
	for (size_t i = 0; i < sizeof(c->ev) / sizeof(c->ev[0]) && c->ev[i].proc; i++) {
		const struct cev *x = &c->ev[i];
		struct policy_event e;
		char where[1200];

		memset(&e, 0, sizeof(e));
		e.op = x->op;
		e.process = x->proc;
		e.parent = x->parent;
		e.path = x->path;
		e.source = x->source ? x->source : x->proc;
		e.domain = x->domain;
		e.result = x->result;
		e.uid = x->uid;
		e.owner_uid = x->owner;
		e.has_owner = x->owner != 0;
		e.is_write = x->write;
		e.has_tty = x->tty;
		e.protos = x->op == POLICY_OP_NETWORK
				   ? policy_proto_classify(x->sock[0], x->sock[1], x->sock[2])
				   : 0;
		e.capability = x->op == POLICY_OP_CAPABILITIES ? x->cap : -1;
		e.syscall_nr = x->op == POLICY_OP_SYSCALL ? x->sysnr : -1;
		snprintf(where, sizeof(where), "%s event %zu", c->file, i);
		fx_expect_(sc, &e, x->kind, x->policy, x->action, x->deny, where);
	}
	policy_scope_free(owned);
	policy_set_free(set);
	policy_doc_list_free(docs);
	diag_done(&dg);
}

static void run_suite(const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strncmp(cases[i].file, prefix, strlen(prefix))) {
			run_case(&cases[i]);
			n++;
		}
	assert_true(n > 0);
}

static void ksp_suite_process_file_owner_readonly_and_posture_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/ksp/");
}

static void smoke_suite_wordpress_mysql_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/smoke/");
}

static void network_suite_protocol_capability_and_posture_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/networktests/");
}

static void csp_suite_namespace_and_label_in_not_in_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/csp/");
}

static void multicontainer_suite_container_name_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/multicontainer/");
}

static void syscalls_suite_match_syscalls_and_match_paths_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/syscalls/");
}

static void nonk8s_container_policy_cases(void **state)
{
	(void)state;
	run_suite("nonk8s_env/ksp/");
}

static void nonk8s_host_policy_cases(void **state)
{
	(void)state;
	run_suite("nonk8s_env/host_policy/");
}

static void legacy_scenarios_github_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/scenarios/");
}

static void host_scenarios_kubearmor_dev_cases(void **state)
{
	(void)state;
	run_suite("k8s_env/host_scenarios/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ksp_suite_process_file_owner_readonly_and_posture_cases),
		cmocka_unit_test(smoke_suite_wordpress_mysql_cases),
		cmocka_unit_test(network_suite_protocol_capability_and_posture_cases),
		cmocka_unit_test(csp_suite_namespace_and_label_in_not_in_cases),
		cmocka_unit_test(multicontainer_suite_container_name_cases),
		cmocka_unit_test(syscalls_suite_match_syscalls_and_match_paths_cases),
		cmocka_unit_test(nonk8s_container_policy_cases),
		cmocka_unit_test(nonk8s_host_policy_cases),
		cmocka_unit_test(host_scenarios_kubearmor_dev_cases),
		cmocka_unit_test(legacy_scenarios_github_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
