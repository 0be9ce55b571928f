/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dumpable-of PID: prints PR_GET_DUMPABLE as the process itself sees it.
 *
 * The kernel shows the flag nowhere in /proc, and whether a process without
 * CAP_SYS_PTRACE may read a non-dumpable process's /proc/PID/environ differs
 * between kernels. gdb's "call prctl(...)" fails on kernels whose xstate
 * regset it cannot write back. So this asks inside the process with plain
 * ptrace: stop the main thread, which an idle GLib program leaves right after
 * a syscall instruction, run that instruction once more as prctl(), and put
 * every general register back. Only general registers are touched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int
wait_stop (pid_t pid)
{
	int status;

	if (waitpid (pid, &status, __WALL) < 0 || !WIFSTOPPED (status)) {
		fprintf (stderr, "dumpable-of: %d did not stop\n", pid);
		return -1;
	}
	return 0;
}

/* -1: error, -2: not stopped right after a syscall instruction (try again) */
static long
ask_dumpable (pid_t pid)
{
	struct user_regs_struct saved, regs;
	long word, result = -1;

	if (ptrace (PTRACE_GETREGS, pid, NULL, &saved) < 0)
		return -1;
	errno = 0;
	word = ptrace (PTRACE_PEEKTEXT, pid, (void *) (saved.rip - 2), NULL);
	if (errno != 0 || (word & 0xffff) != 0x050f)
		return -2;
	regs = saved;
	regs.rip = saved.rip - 2;
	regs.orig_rax = (unsigned long long) -1; /* no syscall restart on resume */
	regs.rax = SYS_prctl;
	regs.rdi = PR_GET_DUMPABLE;
	regs.rsi = regs.rdx = regs.r10 = regs.r8 = 0;
	if (ptrace (PTRACE_SETREGS, pid, NULL, &regs) == 0
	    && ptrace (PTRACE_SINGLESTEP, pid, NULL, NULL) == 0
	    && wait_stop (pid) == 0
	    && ptrace (PTRACE_GETREGS, pid, NULL, &regs) == 0)
		result = (long) regs.rax;
	if (ptrace (PTRACE_SETREGS, pid, NULL, &saved) < 0) {
		fprintf (stderr, "dumpable-of: cannot restore the registers of %d: %s\n", pid, strerror (errno));
		return -1;
	}
	return result;
}

int
main (int argc, char **argv)
{
	pid_t pid;
	long dumpable = -2;
	int tries;

	if (argc != 2 || (pid = (pid_t) strtol (argv[1], NULL, 10)) <= 0) {
		fprintf (stderr, "usage: dumpable-of PID\n");
		return 2;
	}
	/* Busy in user space at the stop: let it go and stop it again later. */
	for (tries = 0; tries < 100 && dumpable == -2; tries++) {
		if (tries)
			usleep (10000);
		if (ptrace (PTRACE_SEIZE, pid, NULL, NULL) < 0 || ptrace (PTRACE_INTERRUPT, pid, NULL, NULL) < 0) {
			fprintf (stderr, "dumpable-of: cannot trace %d: %s\n", pid, strerror (errno));
			return 1;
		}
		if (wait_stop (pid) < 0)
			return 1;
		dumpable = ask_dumpable (pid);
		ptrace (PTRACE_DETACH, pid, NULL, NULL);
	}
	if (dumpable < 0) {
		if (dumpable == -2)
			fprintf (stderr, "dumpable-of: %d never stopped after a syscall instruction\n", pid);
		return 1;
	}
	printf ("%ld\n", dumpable);
	return 0;
}
