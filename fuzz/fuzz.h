/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer entry points of the fuzz targets. The same sources build two
 * ways: with clang -fsanitize=fuzzer (tests/hardening/fuzz-short.sh) and,
 * with fuzz/replay.c as main(), as unit tests that replay the checked-in
 * corpus (fuzz/corpus/<target>/, crash regressions included) in
 * `make check` and in the sanitizer build. */
#ifndef WGKS_FUZZ_H
#define WGKS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A property the target checks failed: abort so that the fuzzer (or the
 * replay test) reports the input. */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                               \
		if (!(cond)) {                                                                 \
			fprintf (stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, \
			         #cond);                                                           \
			abort ();                                                                  \
		}                                                                              \
	} while (0)

#endif
