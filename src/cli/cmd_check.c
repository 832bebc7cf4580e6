/**
 * @file cmd_check.c  `callbot check SCRIPT...`
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "dialog/dialog.h"
#include "cli/cli.h"

int cmd_check(int argc, char *argv[])
{
	bool quiet = false;
	int i, nfiles = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		}
		else if (argv[i][0] == '-') {
			fprintf(stderr, "callbot check: unknown option '%s'\n",
				argv[i]);
			cli_usage(stderr, "check");
			return 2;
		}
	}
	for (i = 1; i < argc; i++) {
		struct dialog_script *s = NULL;
		struct dialog_diags d;
		unsigned k;
		int err;

		if (argv[i][0] == '-')
			continue;
		++nfiles;
		memset(&d, 0, sizeof(d));
		err = dialog_script_load(&s, argv[i], &d);
		if (err && !d.n) {
			fprintf(stderr, "%s: cannot read: %s\n", argv[i],
				strerror(err));
			++bad;
			continue;
		}
		if (!err)
			dialog_script_check(s, &d);
		if (quiet) {
			for (k = 0; k < d.n; k++) {
				if (d.v[k].sev != DIALOG_ERROR)
					d.v[k].msg[0] = '\0';
			}
		}
		/* print errors and warnings in file order */
		{
			struct dialog_diags shown = d;
			size_t n = 0;

			for (k = 0; k < d.n; k++) {
				if (d.v[k].msg[0])
					d.v[n++] = d.v[k];
			}
			shown.n = n;
			dialog_diags_print(&shown, argv[i], stdout);
		}
		if (d.errors) {
			printf("%s: %u error(s), %u warning(s)\n", argv[i],
			       d.errors, d.warnings);
			++bad;
		}
		else {
			printf("%s: ok (%u warning(s))\n", argv[i],
			       d.warnings);
		}
		dialog_diags_reset(&d);
		mem_deref(s);
	}
	if (!nfiles) {
		cli_usage(stderr, "check");
		return 2;
	}
	return bad ? 1 : 0;
}
