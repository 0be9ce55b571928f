/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the parser of wireguard-go's UAPI replies
 * (wgks_uapi_parse_reply), i.e. whatever a hostile or broken wireguard-go
 * writes to its socket. Properties beyond "no crash, no leak, no UB":
 * success and error are exclusive, errors are protocol errors, and a reply
 * is only accepted when wgks_uapi_reply_is_complete() says it is complete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "wgks-uapi.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
	return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (WgksUapiReply) reply = NULL;
	gboolean complete = wgks_uapi_reply_is_complete ((const char *) data, size);

	reply = wgks_uapi_parse_reply ((const char *) data, size, &error);
	FUZZ_ASSERT ((reply == NULL) == (error != NULL));
	if (reply) {
		FUZZ_ASSERT (complete);
		FUZZ_ASSERT (reply->peers != NULL);
		FUZZ_ASSERT (reply->errno_value >= 0);
	} else {
		FUZZ_ASSERT (g_error_matches (error, WGKS_DEVICE_ERROR, WGKS_DEVICE_ERROR_PROTOCOL));
	}
	return 0;
}
