/**
 * @file json.h  One JSON string writer for every report, queue line and
 * CLI output (the robot's report, the simulator's results, the commands'
 * lines), so outside text (a peer's Call-ID or URI, a transcript) can
 * never make a line that is not JSON.
 *
 * Include <re.h> first.
 */

/**
 * Print the string arg (const char *) as a JSON string, for %H:
 * re_fprintf(f, "%H", json_str_pf, s) or mbuf_printf(mb, "%H", ...).
 * Quote and backslash escaped, \n \r \t and the other controls (below
 * U+0020, and U+007F) as escapes, UTF-8 kept as it is, a bad byte written
 * as U+FFFD. NULL prints null.
 */
int json_str_pf(struct re_printf *pf, void *arg);
