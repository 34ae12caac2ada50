/*
 * act_emergency: the emergency classifier. Decides from one caller utterance,
 * as speech-to-text wrote it (English, Spanish or a mix), whether the call
 * needs same-day emergency dispatch and which of the ten policy categories it
 * is (../shared/data/EMERGENCY-POLICY.md), and names the cues that decided it
 * so a contractor can see why the call was flagged.
 *
 * Pure and reentrant: no I/O, no allocation, no mutable state; the only
 * tables are const. Any thread; the call actor runs it on every final user
 * transcript, so it is built to cost microseconds (bench/bench_classifier.c).
 *
 * How it decides (details in act_emergency.c): the text is normalised
 * (lower case, accents stripped, punctuation kept only as clause and sentence
 * boundaries), words are mapped through an English+Spanish lexicon to
 * concepts, cue detectors look for hazards (a gas smell, sparks, water
 * pouring through a ceiling, no heat + a freezing night, ...) and every cue
 * is then checked against its clause: negated ("no gas smell"), past or
 * resolved ("last winter", "it's fixed"), stopped by the caller ("I shut the
 * valve and it stopped"), hypothetical ("what if"), someone else's problem
 * that does not reach the caller, a false alarm (test button, cooking). Any
 * live cue wins, so "no sparks, but I get zapped" is an emergency. The
 * category follows the policy's priority rules.
 *
 * The rules are then weighed against a learned scorer (act_emg_model.h), a
 * logistic regression over the words that has read a few thousand labelled
 * calls: it raises emergencies worded in ways no rule anticipated ("learned:"
 * cues name the caller's words that decided it) and overrules a rules finding
 * only when it is very sure there is none. docs/emergency.md has how, why and
 * the blind scores.
 */
#ifndef ACT_EMERGENCY_H
#define ACT_EMERGENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    ACT_EMG_NONE = 0,
    ACT_EMG_GAS_LEAK,
    ACT_EMG_CARBON_MONOXIDE,
    ACT_EMG_FIRE_SMOKE,
    ACT_EMG_ELECTRICAL_HAZARD,
    ACT_EMG_FLOODING,
    ACT_EMG_SEWAGE_BACKUP,
    ACT_EMG_NO_HEAT_DANGER,
    ACT_EMG_NO_COOLING_DANGER,
    ACT_EMG_NO_WATER,
    ACT_EMG_WATER_HEATER_FAILURE,
    ACT_EMG__COUNT
} act_emg_category_t;

typedef enum { ACT_EMG_LANG_AUTO = 0, ACT_EMG_LANG_EN, ACT_EMG_LANG_ES } act_emg_lang_t;

typedef enum {
    ACT_EMG_IND_UNKNOWN = 0,
    ACT_EMG_IND_HVAC,
    ACT_EMG_IND_PLUMBING,
    ACT_EMG_IND_ELECTRICAL
} act_emg_industry_t;

#define ACT_EMG_MAX_CUES 8
#define ACT_EMG_CUE_SZ 64

typedef struct {
    bool emergency;
    act_emg_category_t category; /* ACT_EMG_NONE exactly when !emergency */
    double score;                /* 0..1; >= 0.5 exactly when emergency */
    act_emg_lang_t lang_used;    /* the language given, or the one detected (never AUTO) */
    int ncues;                   /* entries used in cues */
    /*
     * Short readable reasons, deciding cues first: "gas smell", "sparks",
     * "freezing outside (-12F)". Cues that were seen but did not count carry
     * why: "negated: gas smell", "past: burst pipe", "neighbor: flooding".
     */
    char cues[ACT_EMG_MAX_CUES][ACT_EMG_CUE_SZ];
} act_emg_result_t;

/*
 * Classifies text[0..len) (UTF-8; invalid bytes are treated as separators; no
 * NUL needed). industry is the tenant's trade; it never limits the category,
 * it only resolves words such as Spanish "calentador" (water heater for a
 * plumber, heater otherwise). lang ACT_EMG_LANG_AUTO detects the language.
 * Input of any length is handled: long text is read in windows and the most
 * serious live finding wins. text is borrowed for the call; out is owned by
 * the caller and fully overwritten. text may be NULL when len is 0.
 */
void act_emg_classify(const char *text, size_t len, act_emg_industry_t industry,
                      act_emg_lang_t lang, act_emg_result_t *out);

/* "gas_leak", "carbon_monoxide", ..., "none" (also for out-of-range values). Static. */
const char *act_emg_category_name(act_emg_category_t category);
/* "en", "es", "auto". Static. */
const char *act_emg_lang_name(act_emg_lang_t lang);
/* "hvac", "plumbing", "electrical", "unknown". Static. */
const char *act_emg_industry_name(act_emg_industry_t industry);

/* Parses "en" / "es" / "auto" (ASCII case-insensitive). False if unknown; *out untouched. */
bool act_emg_lang_parse(const char *s, act_emg_lang_t *out);
/* Parses "hvac" / "plumbing" / "electrical" / "unknown". False if unknown; *out untouched. */
bool act_emg_industry_parse(const char *s, act_emg_industry_t *out);
/* Parses a category name as act_emg_category_name writes it ("none" included). False if
 * unknown; *out untouched. */
bool act_emg_category_parse(const char *s, act_emg_category_t *out);

/* Decodes one UTF-8 code point at s[0..n) (n >= 1) into *cp and returns the bytes used
 * (>= 1). An invalid or truncated sequence is one byte of U+FFFD, so callers that treat
 * non-letters as separators need no special case. Shared by both halves of the classifier. */
size_t act_emg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* True if the internal word table is in the order its binary search needs (for tests). */
bool act_emg_selfcheck(void);

#endif
