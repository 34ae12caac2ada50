/*
 * cli_classify: `serviceai classify` (see cli_classify.h). Main thread of a
 * short-lived process.
 *
 * One bad line never stops the run: a labelling job over thousands of
 * transcripts should come back with one answer per line, errors included, in
 * the same order, so the output can be zipped with the input.
 */
#include "cli_classify.h"

#include "act_emergency.h"

#include <jansson.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: serviceai classify [--help]\n"
    "\n"
    "Reads JSON Lines on stdin and writes one JSON line per input line to stdout,\n"
    "in the same order, saying whether the caller's words describe an emergency.\n"
    "\n"
    "Input, one object per line (other fields are ignored, blank lines skipped):\n"
    "  text      string, required: the caller's words as speech-to-text wrote them\n"
    "  id        any JSON value, optional: echoed back as is (null when absent)\n"
    "  industry  optional: hvac | plumbing | electrical | unknown\n"
    "  lang      optional: en | es | auto (default auto: detected)\n"
    "\n"
    "Output, one object per line:\n"
    "  {\"id\": ..., \"emergency\": true|false, \"category\": \"<category>\",\n"
    "   \"score\": 0.0-1.0, \"cues\": [\"...\"]}\n"
    "  category is one of gas_leak, carbon_monoxide, fire_smoke, electrical_hazard,\n"
    "  flooding, sewage_backup, no_heat_danger, no_cooling_danger, no_water,\n"
    "  water_heater_failure, or none when emergency is false. score >= 0.5 exactly\n"
    "  when emergency is true. cues are the reasons, deciding ones first; cues that\n"
    "  did not count say why (\"negated: gas smell\", \"past: burst pipe\").\n"
    "\n"
    "A line that is not a JSON object, has no string text, or has an unknown\n"
    "industry or lang gives {\"id\": ..., \"error\": \"...\"} and processing continues.\n"
    "\n"
    "Exit status: 0 at end of input, 1 on a read or write error, 2 on bad usage.\n"
    "\n"
    "example:\n"
    "  echo '{\"id\":1,\"text\":\"huele a gas en la cocina\"}' | serviceai classify\n";

/* Writes root as one compact line and flushes, so a pipe sees each answer at once. */
static bool write_line(FILE *out, json_t *root)
{
    /* Three significant digits: a score is a ranking aid, not a measurement. */
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(3) |
                                   JSON_ENCODE_ANY);
    bool ok = s && fputs(s, out) != EOF && fputc('\n', out) != EOF && fflush(out) == 0;
    free(s);
    return ok;
}

static json_t *error_line(json_t *id, const char *msg)
{
    json_t *root = json_object();
    json_object_set(root, "id", id ? id : json_null());
    json_object_set_new(root, "error", json_string(msg));
    return root;
}

/* "unknown lang \"fr\": expected en, es or auto" or "lang must be a string: ...". */
static void describe_bad(char *msg, size_t sz, const char *field, json_t *v, const char *expected)
{
    if (json_is_string(v))
        snprintf(msg, sz, "unknown %s \"%.80s\": expected %s", field, json_string_value(v),
                 expected);
    else
        snprintf(msg, sz, "%s must be a string: expected %s", field, expected);
}

/* The answer for one non-blank input line (owned by the caller). */
static json_t *classify_line(const char *line, size_t len)
{
    json_error_t jerr;
    char msg[256];
    json_t *in = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *answer = NULL;
    if (!in) {
        snprintf(msg, sizeof msg, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        return error_line(NULL, msg);
    }
    if (!json_is_object(in)) {
        answer = error_line(NULL, "each line must be a JSON object with a \"text\" string");
        goto out;
    }
    json_t *id = json_object_get(in, "id");
    json_t *text = json_object_get(in, "text");
    json_t *industry_v = json_object_get(in, "industry");
    json_t *lang_v = json_object_get(in, "lang");
    act_emg_industry_t industry = ACT_EMG_IND_UNKNOWN;
    act_emg_lang_t lang = ACT_EMG_LANG_AUTO;
    if (!json_is_string(text)) {
        answer = error_line(id, text ? "\"text\" must be a string" : "missing \"text\"");
        goto out;
    }
    if (industry_v && !json_is_null(industry_v) &&
        (!json_is_string(industry_v) ||
         !act_emg_industry_parse(json_string_value(industry_v), &industry))) {
        describe_bad(msg, sizeof msg, "industry", industry_v, "hvac, plumbing or electrical");
        answer = error_line(id, msg);
        goto out;
    }
    if (lang_v && !json_is_null(lang_v) &&
        (!json_is_string(lang_v) || !act_emg_lang_parse(json_string_value(lang_v), &lang))) {
        describe_bad(msg, sizeof msg, "lang", lang_v, "en, es or auto");
        answer = error_line(id, msg);
        goto out;
    }

    act_emg_result_t r;
    act_emg_classify(json_string_value(text), json_string_length(text), industry, lang, &r);
    answer = json_object();
    json_object_set(answer, "id", id ? id : json_null());
    json_object_set_new(answer, "emergency", json_boolean(r.emergency));
    json_object_set_new(answer, "category", json_string(act_emg_category_name(r.category)));
    json_object_set_new(answer, "score", json_real(r.score));
    json_t *cues = json_array();
    for (int i = 0; i < r.ncues; i++)
        json_array_append_new(cues, json_string(r.cues[i]));
    json_object_set_new(answer, "cues", cues);
out:
    json_decref(in);
    return answer;
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    }
    return true;
}

int cli_classify_stream(FILE *in, FILE *out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        if (is_blank(line, (size_t)n))
            continue;
        json_t *answer = classify_line(line, (size_t)n);
        bool ok = write_line(out, answer);
        json_decref(answer);
        if (!ok) {
            status = 1;
            goto out;
        }
    }
    if (ferror(in))
        status = 1;
out:
    free(line);
    return status;
}

int cli_classify_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        fprintf(stderr, "serviceai classify: unknown argument \"%s\" (try --help)\n", argv[i]);
        return 2;
    }
    return cli_classify_stream(stdin, stdout);
}
