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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

/* Where no helper process can be made (wgks_nft_run_each), the commands
 * run here, in one context for the burst: freeing a context closes its
 * netlink socket, and the kernel waits for an RCU grace period there
 * (about 10 ms on the benchmark machine, ten times the transaction). */
static struct nft_ctx *kept_ctx;

static void helper_stop (void);

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

/* Between bursts of table writes the helper and the context are only
 * memory: give them back, with libnftables itself and what the allocator
 * kept. The next command loads and starts them again. */
void
wgks_nft_release (void)
{
	helper_stop ();
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

/* ---------------------------------------------------------------------------
 * The helper process of a burst
 *
 * A burst's allocations (the ruleset cache, the parser, netlink buffers:
 * about 3.5 MiB for a listing) would leave the service's heap with pages
 * that a few small blocks of the same moment keep for the life of the
 * process. The commands run in a child process instead, forked at the
 * burst's first command and ended by wgks_nft_release(): it takes all of
 * that with it, and one fork serves the whole burst.
 *
 * Over a stream socket, a request is the dry-run flag and the number of
 * scripts (one byte each), then each script as a 32-bit length and its
 * bytes. The answer is the number that succeeded (one byte), then the
 * error buffer and the output buffer, each as a 32-bit length and bytes.
 * ------------------------------------------------------------------------- */

/* GCC 12's AddressSanitizer does not hold its allocator's lock across
 * fork(): a child of a multithreaded process (GDBus has a worker thread)
 * can deadlock on its first malloc, and the service would wait for it for
 * ever. glibc's own malloc is safe across fork(). Built with ASan, the
 * commands run in the calling process. */
#if defined(__SANITIZE_ADDRESS__)
#define HELPER_FORKS FALSE
#else
#define HELPER_FORKS TRUE
#endif

/* Far more than any ruleset or listing of the kill switch's table. */
#define HELPER_MAX_BLOB (64u * 1024 * 1024)

static struct {
	pid_t pid;
	int   fd;
} helper = { -1, -1 };

/* The service's side gives the helper this long for a whole request and
 * its answer (a table of 10,000 prefixes takes ~80 ms natively, a few
 * seconds under emulation or valgrind). A helper that takes longer is
 * stuck: it is killed, and the call fails. */
#define HELPER_ANSWER_TIMEOUT_S 15

/* CLOCK_MONOTONIC microseconds; 0: wait as long as it takes (the helper). */
static gint64 io_deadline;

static gboolean
io_wait (int fd, gboolean writing)
{
	struct pollfd p = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
	gint64 left_ms;
	int n;

	if (!io_deadline)
		return TRUE;
	do {
		left_ms = (io_deadline - g_get_monotonic_time ()) / 1000;
		n = left_ms > 0 ? poll (&p, 1, (int) left_ms) : 0;
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0;
}

static gboolean
io_exact (int fd, void *buf, size_t len, gboolean writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n;

		if (!io_wait (fd, writing))
			return FALSE;
		n = writing ? send (fd, p, len, MSG_NOSIGNAL) : read (fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (size_t) n;
	}
	return TRUE;
}

static gboolean
send_blob (int fd, const char *data, guint32 len)
{
	return io_exact (fd, &len, sizeof len, TRUE) && io_exact (fd, (char *) data, len, TRUE);
}

/* NULL at the end of the stream, or on a length beyond any answer's. */
static char *
receive_blob (int fd, void *(*alloc) (size_t))
{
	guint32 len;
	char *data;

	if (!io_exact (fd, &len, sizeof len, FALSE) || len > HELPER_MAX_BLOB)
		return NULL;
	data = alloc ((size_t) len + 1);
	if (data && io_exact (fd, data, len, FALSE)) {
		data[len] = '\0';
		return data;
	}
	free (data);
	return NULL;
}

/* Holds nothing of the service but its socket: a lock or an owner file
 * it inherited would outlive the service's own close (and the guardian
 * takes a closed owner file for a service that let go). */
static void
helper_close_other_fds (int keep)
{
	if (keep > 3 && close_range (3, (unsigned) keep - 1, 0) < 0)
		_exit (EXIT_FAILURE);
	if (close_range ((unsigned) keep + 1, ~0u, 0) < 0)
		_exit (EXIT_FAILURE);
}

static void
helper_free_scripts (char **scripts)
{
	for (char **s = scripts; *s; s++)
		free (*s);
}

/* In the child: only libnftables and libc (the parent's other threads may
 * have held GLib's locks when it was forked). Its own context, opened
 * after the others are closed. */
static G_NORETURN void
helper_main (int fd, pid_t parent)
{
	struct nft_ctx *ctx;
	unsigned char head[2];

	io_deadline = 0;
	signal (SIGTERM, SIG_DFL);
	signal (SIGINT, SIG_DFL);
	signal (SIGHUP, SIG_DFL);
	/* Told apart from the service it was forked from (same program and
	 * command line) by its name: ps -o comm, /proc/PID/comm. */
	prctl (PR_SET_NAME, "wgks-nft");
	prctl (PR_SET_PDEATHSIG, SIGKILL);
	if (getppid () != parent)
		_exit (EXIT_FAILURE);
	helper_close_other_fds (fd);
	ctx = nft.ctx_new (NFT_CTX_DEFAULT);
	if (!ctx)
		_exit (EXIT_FAILURE);
	nft.buffer_output (ctx);
	nft.buffer_error (ctx);
	while (io_exact (fd, head, sizeof head, FALSE)) {
		char *scripts[256] = { NULL };
		const char *errors, *out;
		unsigned char n_done;
		guint i;

		for (i = 0; i < head[1]; i++) {
			scripts[i] = receive_blob (fd, malloc);
			if (!scripts[i])
				_exit (EXIT_FAILURE);
		}
		n_done = (unsigned char) run_commands (ctx, (const char *const *) scripts, head[0], &errors, &out);
		helper_free_scripts (scripts);
		if (!io_exact (fd, &n_done, 1, TRUE) || !send_blob (fd, errors, (guint32) strlen (errors))
		    || !send_blob (fd, out, (guint32) strlen (out)))
			_exit (EXIT_FAILURE);
	}
	/* The service closed its end: the kernel frees the rest. */
	_exit (EXIT_SUCCESS);
}

/* Closing the socket ends the helper; it is reaped here. One that broke
 * the protocol may be alive still, and is killed first. */
static void
helper_end (gboolean kill_it)
{
	if (helper.fd >= 0)
		close (helper.fd);
	if (helper.pid > 0) {
		if (kill_it)
			kill (helper.pid, SIGKILL);
		while (waitpid (helper.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	helper.fd = helper.pid = -1;
}

static void
helper_stop (void)
{
	helper_end (FALSE);
}

static gboolean
helper_start (void)
{
	static gboolean stop_at_exit;
	pid_t parent = getpid ();
	int fds[2];

	if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return FALSE;
	helper.pid = fork ();
	if (helper.pid < 0) {
		close (fds[0]);
		close (fds[1]);
		return FALSE;
	}
	if (helper.pid == 0) {
		close (fds[0]);
		helper_main (fds[1], parent);
	}
	close (fds[1]);
	helper.fd = fds[0];
	/* Programs that never call wgks_nft_release() still reap it. */
	if (!stop_at_exit)
		stop_at_exit = atexit (helper_stop) == 0;
	return TRUE;
}

static gboolean
helper_exchange (const char *const *scripts, gboolean dry_run, NftAnswer *a)
{
	unsigned char head[2] = { dry_run ? 1 : 0, (unsigned char) g_strv_length ((char **) scripts) };
	unsigned char n_done;
	guint i;

	if (!io_exact (helper.fd, head, sizeof head, TRUE))
		return FALSE;
	for (i = 0; scripts[i]; i++) {
		if (!send_blob (helper.fd, scripts[i], (guint32) strlen (scripts[i])))
			return FALSE;
	}
	if (!io_exact (helper.fd, &n_done, 1, FALSE) || n_done > head[1])
		return FALSE;
	a->n_done = n_done;
	a->errors = receive_blob (helper.fd, g_try_malloc);
	a->output = a->errors ? receive_blob (helper.fd, g_try_malloc) : NULL;
	return a->output != NULL;
}

static gboolean
helper_request (const char *const *scripts, gboolean dry_run, NftAnswer *a)
{
	gboolean ok;

	io_deadline = g_get_monotonic_time () + HELPER_ANSWER_TIMEOUT_S * G_USEC_PER_SEC;
	ok = helper_exchange (scripts, dry_run, a);
	io_deadline = 0;
	return ok;
}

/* If no child can be made, the commands run here, in a context kept for
 * the burst. */
static gboolean
run_here (const char *const *scripts, gboolean dry_run, NftAnswer *a, GError **error)
{
	struct nft_ctx *ctx = shared_context (error);
	const char *errors, *out;

	if (!ctx)
		return FALSE;
	a->n_done = run_commands (ctx, scripts, dry_run, &errors, &out);
	a->errors = g_strdup (errors);
	a->output = g_strdup (out);
	return TRUE;
}

static gboolean
run_commands_anywhere (const char *const *scripts, gboolean dry_run, NftAnswer *a, GError **error)
{
	gboolean timed_out;
	pid_t pid;

	if (!load_libnftables (error))
		return FALSE;
	if (!HELPER_FORKS)
		return run_here (scripts, dry_run, a, error);
	if (helper.pid < 0 && !helper_start ()) {
		g_debug ("nftables: no helper process (%s), running here", g_strerror (errno));
		return run_here (scripts, dry_run, a, error);
	}
	if (helper_request (scripts, dry_run, a))
		return TRUE;
	timed_out = errno == ETIMEDOUT;
	answer_clear (a);
	/* Whether its last commands ran is unknown: the caller checks the
	 * kernel's table again, and the next command gets a new helper. */
	pid = helper.pid;
	helper_end (TRUE);
	if (timed_out)
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
		             "libnftables' helper process %d did not answer within %d s", (int) pid,
		             HELPER_ANSWER_TIMEOUT_S);
	else
		g_set_error (error, WGKS_FIREWALL_ERROR, WGKS_FIREWALL_ERROR_INTERNAL,
		             "libnftables' helper process %d ended without an answer", (int) pid);
	return FALSE;
}

gboolean
wgks_nft_is_own_pid (pid_t pid)
{
	return pid > 0 && (pid == getpid () || pid == helper.pid);
}

void
wgks_nft_prepare (void)
{
	if (load_libnftables (NULL) && HELPER_FORKS && helper.pid < 0)
		helper_start ();
}

gboolean
wgks_nft_run_each (const char *const *scripts, gboolean dry_run, guint *n_done, char **output, GError **error)
{
	NftAnswer a = { 0 };
	gboolean ok;

	g_return_val_if_fail (scripts && scripts[0] && g_strv_length ((char **) scripts) < 256, FALSE);
	if (n_done)
		*n_done = 0;
	if (!run_commands_anywhere (scripts, dry_run, &a, error))
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
