/*
 * cli_classify: `serviceai classify`, the emergency classifier on JSON Lines
 * (actors/act_emergency.h). For contractors checking what the receptionist
 * would flag, for labelling runs and for scoring held-out sets.
 *
 * Main thread of a short-lived process; blocking stdio, never on the loop.
 *
 * Input: one JSON object per line on stdin:
 *   {"text": "...", "id": <any JSON value, optional>,
 *    "industry": "hvac"|"plumbing"|"electrical" (optional),
 *    "lang": "en"|"es"|"auto" (optional)}        other fields are ignored.
 * Output: one JSON line per non-blank input line, in input order, flushed per line:
 *   {"id": ..., "emergency": true|false, "category": "<category or none>",
 *    "score": 0.0-1.0, "cues": ["..."]}
 * or, for a line that is not a JSON object, has no string "text", or has an
 * unknown industry or lang: {"id": ..., "error": "..."} (id null when it
 * cannot be read). Blank lines are skipped. Lines may be of any length.
 */
#ifndef CLI_CLASSIFY_H
#define CLI_CLASSIFY_H

#include <stdio.h>

/*
 * `serviceai classify [--help]`: argv[0] is "classify" (the composition root
 * passes argc - 1, argv + 1). Reads stdin, writes stdout. argv is borrowed.
 * Returns the exit status: 0 at end of input, 1 on a read or write error,
 * 2 on bad usage.
 */
int cli_classify_main(int argc, char **argv);

/*
 * Classifies every line of in and writes the answers to out (format above).
 * Both streams are borrowed and left open. Returns 0 at EOF, 1 if reading or
 * writing failed.
 */
int cli_classify_stream(FILE *in, FILE *out);

#endif
