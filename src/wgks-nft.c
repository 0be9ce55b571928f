/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "wgks-nft.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <nftables/libnftables.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wgks-firewall.h"

/* libnftables is loaded for a burst of table writes and unloaded with its
 * context: the relocated data of it and its libraries (libnftnl,
 * libxtables, libjansson: about 110 KiB) is private memory that an idle
 * service need not keep. If it cannot be loaded, every command fails and
 * the table in the kernel stays as it is. */
#define LIBNFTABLES_SONAME "libnftables.so.1"

static struct {
	void *handle;
	__typeof__ (nft_ctx_new) *ctx_new;
	__typeof__ (nft_ctx_free) *ctx_free;
	__typeof__ (nft_ctx_buffer_output) *buffer_output;
	__typeof__ (nft_ctx_buffer_error) *buffer_error;
	__typeof__ (nft_ctx_set_dry_run) *set_dry_run;
	__typeof__ (nft_run_cmd_from_buffer) *run_cmd_from_buffer;
	__typeof__ (nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__ (nft_ctx_get_output_buffer) *get_output_buffer;
} nft;

/* libnftables gives GMP allocation functions of its own (nft_ctx_new).
 * GMP stays loaded (GnuTLS' nettle uses it): it gets its defaults back
 * before the code they point to is unmapped. */
typedef void (*GmpSetMemoryFunctions) (void *(*) (size_t), void *(*) (void *, size_t, size_t),
                                       void (*) (void *, size_t));

static void
unload_libnftables (void)
{
	if (nft.handle) {
		GmpSetMemoryFunctions gmp_set = (GmpSetMemoryFunctions) dlsym (nft.handle, "__gmp_set_memory_functions");

		if (gmp_set)
			gmp_set (NULL, NULL, NULL);
		dlclose (nft.handle);
	}
	memset (&nft, 0, sizeof nft);
}

static gboolean
load_libnftables (GError **error)
{
	const struct {
		const char *name;
		void      **fn;
	} symbols[] = {
		{ "nft_ctx_new", (void **) &nft.ctx_new },
		{ "nft_ctx_free", (void **) &nft.ctx_free },
		{ "nft_ctx_buffer_output", (void **) &nft.buffer_output },
		{ "nft_ctx_buffer_error", (void **) &nft.buffer_error },
		{ "nft_ctx_set_dry_run", (void **) &nft.set_dry_run },
		{ "nft_run_cmd_from_buffer", (void **) &nft.run_cmd_from_buffer },
		{ "nft_ctx_get_error_buffer", (void **) &nft.get_error_buffer },
		{ "nft_ctx_get_output_buffer", (void **) &nft.get_output_buffer },
	};
	guint i;

	if (nft.handle)
		return TRUE;
	nft.handle = dlopen (LIBNFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!nft.handle) {
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "cannot load %s: %s",
		             LIBNFTABLES_SONAME, dlerror ());
		return FALSE;
	}
	for (i = 0; i < G_N_ELEMENTS (symbols); i++) {
		*symbols[i].fn = dlsym (nft.handle, symbols[i].name);
		if (!*symbols[i].fn) {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "%s has no %s",
			             LIBNFTABLES_SONAME, symbols[i].name);
			unload_libnftables ();
			return FALSE;
		}
	}
	return TRUE;
}

/* One libnftables context for all the commands of a burst (the writes and
 * checks of a state change): freeing a context closes its netlink socket,
 * and the kernel waits for an RCU grace period there (about 10 ms on the
 * benchmark machine, ten times the transaction). */
static struct nft_ctx *kept_ctx;

static struct nft_ctx *
shared_context (GError **error)
{
	if (!kept_ctx && load_libnftables (error)) {
		kept_ctx = nft.ctx_new (NFT_CTX_DEFAULT);
		if (kept_ctx) {
			nft.buffer_output (kept_ctx);
			nft.buffer_error (kept_ctx);
		} else {
			g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL, "libnftables: no context");
		}
	}
	return kept_ctx;
}

/* What the calling thread's stack keeps below this frame, and the pages
 * below that are not in use. */
#define STACK_KEEP_BYTES (4 * 1024)

/* The deepest calls of a connect (netlink dumps' buffers; libnftables'
 * parser, ~30 KiB, when it ran here) leave the pages of the main thread's
 * stack dirty for the life of the process. Nothing below the current frame is live: those
 * pages are given back, and read as zeros when the stack grows again. */
static void
trim_stack (void)
{
	pthread_attr_t attr;
	void *lowest = NULL;
	size_t size = 0;
	uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
	uintptr_t here = (uintptr_t) __builtin_frame_address (0);
	uintptr_t start, end;
	gboolean known;

	if (pthread_getattr_np (pthread_self (), &attr) != 0)
		return;
	known = pthread_attr_getstack (&attr, &lowest, &size) == 0;
	pthread_attr_destroy (&attr);
	if (!known || here < STACK_KEEP_BYTES)
		return;
	start = ((uintptr_t) lowest + page - 1) & ~(page - 1);
	end = (here - STACK_KEEP_BYTES) & ~(page - 1);
	/* The range may start below the stack's mapping (the main thread's
	 * lowest address is where it may grow to): madvise() still gives
	 * back the mapped part, and reports ENOMEM for the rest. */
	if (end > start)
		(void) madvise ((void *) start, end - start, MADV_DONTNEED);
}

/* Between bursts of table writes the context is only memory: give it
 * back, with libnftables itself and what the allocator kept. The next
 * command loads and opens them again. */
void
wgks_nft_release (void)
{
	if (kept_ctx)
		nft.ctx_free (kept_ctx);
	kept_ctx = NULL;
	unload_libnftables ();
#ifdef __GLIBC__
	malloc_trim (0);
#endif
	trim_stack ();
}

/* The commands of one call: how many succeeded, and what the last one run
 * left in the context's buffers (reading one rewinds it). */
typedef struct {
	guint n_done;
	char *errors;
	char *output;
} NftAnswer;

static void
answer_clear (NftAnswer *a)
{
	g_free (a->errors);
	g_free (a->output);
}

/* Runs the commands until one fails; returns the buffers of the last one. */
static guint
run_commands (struct nft_ctx *ctx, const char *const *scripts, gboolean dry_run, const char **errors,
              const char **output)
{
	guint n = 0;

	*errors = *output = NULL;
	nft.set_dry_run (ctx, dry_run);
	for (; scripts[n]; n++) {
		gboolean ok = nft.run_cmd_from_buffer (ctx, scripts[n]) == 0;

		*errors = nft.get_error_buffer (ctx);
		*output = nft.get_output_buffer (ctx);
		if (!ok)
			break;
	}
	*errors = *errors ? *errors : "";
	*output = *output ? *output : "";
	return n;
}

static void
child_write (int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write (fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit (EXIT_FAILURE);
		buf += n;
		len -= (size_t) n;
	}
}

/* In the child: only libnftables and libc (the parent's other threads may
 * hold GLib's locks). The answer: the number of commands that succeeded
 * (one byte), the error buffer and a NUL, the output buffer's length (32
 * bits) and the output buffer. */
static G_NORETURN void
child_run (struct nft_ctx *ctx, const char *const *scripts, gboolean dry_run, int fd)
{
	const char *errors = "", *out = "";
	unsigned char n_done;
	guint32 out_len;

	signal (SIGTERM, SIG_DFL);
	signal (SIGINT, SIG_DFL);
	signal (SIGHUP, SIG_DFL);
	/* Told apart from the service it was forked from (same program and
	 * command line) by its name: ps -o comm, /proc/PID/comm. */
	prctl (PR_SET_NAME, "wgks-nft");
	n_done = (unsigned char) run_commands (ctx, scripts, dry_run, &errors, &out);
	child_write (fd, (const char *) &n_done, 1);
	out_len = (guint32) strlen (out);
	child_write (fd, errors, strlen (errors) + 1);
	child_write (fd, (const char *) &out_len, sizeof out_len);
	child_write (fd, out, out_len);
	_exit (EXIT_SUCCESS);
}

static gboolean
read_all (int fd, GByteArray *into)
{
	guint8 buf[4096];

	for (;;) {
		ssize_t n = read (fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0;
		g_byte_array_append (into, buf, (guint) n);
	}
}

/* Complete, or not at all: the output's length tells a child that died
 * while writing from one that finished. */
static gboolean
parse_answer (GByteArray *raw, guint n_scripts, NftAnswer *a)
{
	const char *data = (const char *) raw->data;
	const char *nul, *out;
	guint32 out_len;

	if (raw->len < 2 || raw->data[0] > n_scripts)
		return FALSE;
	nul = memchr (data + 1, '\0', raw->len - 1);
	if (!nul || (gsize) (nul + 1 - data) + sizeof out_len > raw->len)
		return FALSE;
	memcpy (&out_len, nul + 1, sizeof out_len);
	out = nul + 1 + sizeof out_len;
	if ((gsize) (out - data) + out_len != raw->len)
		return FALSE;
	a->n_done = raw->data[0];
	a->errors = g_strdup (data + 1);
	a->output = g_strndup (out, out_len);
	return TRUE;
}

/* A burst's allocations (the ruleset cache, the parser, netlink buffers:
 * about 3.5 MiB for a listing) would leave the service's heap with pages
 * that a few small blocks of the same moment keep for the life of the
 * process. A child process inherits the context (and its netlink socket),
 * runs the commands and takes all of that with it when it exits. If no
 * child can be made, the commands run here. */
static gboolean
run_in_child (struct nft_ctx *ctx, const char *const *scripts, gboolean dry_run, NftAnswer *a, GError **error)
{
	g_autoptr (GByteArray) raw = g_byte_array_new ();
	gboolean complete;
	int fds[2], status = 0;
	pid_t pid;

	if (pipe2 (fds, O_CLOEXEC) < 0) {
		fds[0] = fds[1] = -1;
		pid = -1;
	} else {
		pid = fork ();
	}
	if (pid < 0) {
		const char *errors, *out;

		g_debug ("nftables: no child process (%s), running here", g_strerror (errno));
		if (fds[0] >= 0) {
			close (fds[0]);
			close (fds[1]);
		}
		a->n_done = run_commands (ctx, scripts, dry_run, &errors, &out);
		a->errors = g_strdup (errors);
		a->output = g_strdup (out);
		return TRUE;
	}
	if (pid == 0) {
		close (fds[0]);
		child_run (ctx, scripts, dry_run, fds[1]);
	}
	close (fds[1]);
	complete = read_all (fds[0], raw);
	close (fds[0]);
	while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
		;
	/* A complete answer is what counts, not how the child ended: a
	 * checker (valgrind's error exit code) may change its exit status. */
	if (complete && parse_answer (raw, g_strv_length ((char **) scripts), a))
		return TRUE;
	/* Its replies may still wait in the shared socket: a fresh one next time. */
	nft.ctx_free (kept_ctx);
	kept_ctx = NULL;
	g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
	             "libnftables' process %d ended without an answer (%s %d)", (int) pid,
	             WIFSIGNALED (status) ? "signal" : "status",
	             WIFSIGNALED (status) ? WTERMSIG (status) : WEXITSTATUS (status));
	return FALSE;
}

gboolean
wgks_nft_run_each (const char *const *scripts, gboolean dry_run, guint *n_done, char **output, GError **error)
{
	struct nft_ctx *ctx = shared_context (error);
	NftAnswer a = { 0 };
	gboolean ok;

	g_return_val_if_fail (scripts && scripts[0] && g_strv_length ((char **) scripts) < 256, FALSE);
	if (n_done)
		*n_done = 0;
	if (!ctx || !run_in_child (ctx, scripts, dry_run, &a, error))
		return FALSE;
	ok = !scripts[a.n_done];
	if (!ok)
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_APPLY, "nftables refused the ruleset: %s",
		             g_strstrip (a.errors));
	else if (output)
		*output = g_steal_pointer (&a.output);
	if (n_done)
		*n_done = a.n_done;
	answer_clear (&a);
	return ok;
}

gboolean
wgks_nft_run (const char *script, gboolean dry_run, char **output, GError **error)
{
	const char *const scripts[] = { script, NULL };

	return wgks_nft_run_each (scripts, dry_run, NULL, output, error);
}
