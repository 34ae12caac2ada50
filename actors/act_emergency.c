/*
 * act_emergency: the emergency classifier (see act_emergency.h). Pure
 * functions over const tables; any thread.
 *
 * Interim version: a small keyword pass with clause-level negation. The
 * full lexicon and context rules replace it.
 */
#include "act_emergency.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const category_names[ACT_EMG__COUNT] = {
    "none",
    "gas_leak",
    "carbon_monoxide",
    "fire_smoke",
    "electrical_hazard",
    "flooding",
    "sewage_backup",
    "no_heat_danger",
    "no_cooling_danger",
    "no_water",
    "water_heater_failure",
};

const char *act_emg_category_name(act_emg_category_t category)
{
    if ((int)category < 0 || category >= ACT_EMG__COUNT)
        return "none";
    return category_names[category];
}

const char *act_emg_lang_name(act_emg_lang_t lang)
{
    switch (lang) {
    case ACT_EMG_LANG_EN:
        return "en";
    case ACT_EMG_LANG_ES:
        return "es";
    default:
        return "auto";
    }
}

const char *act_emg_industry_name(act_emg_industry_t industry)
{
    switch (industry) {
    case ACT_EMG_IND_HVAC:
        return "hvac";
    case ACT_EMG_IND_PLUMBING:
        return "plumbing";
    case ACT_EMG_IND_ELECTRICAL:
        return "electrical";
    default:
        return "unknown";
    }
}

bool act_emg_lang_parse(const char *s, act_emg_lang_t *out)
{
    static const act_emg_lang_t all[] = {ACT_EMG_LANG_AUTO, ACT_EMG_LANG_EN, ACT_EMG_LANG_ES};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        if (strcasecmp(s, act_emg_lang_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

bool act_emg_industry_parse(const char *s, act_emg_industry_t *out)
{
    static const act_emg_industry_t all[] = {ACT_EMG_IND_UNKNOWN, ACT_EMG_IND_HVAC,
                                             ACT_EMG_IND_PLUMBING, ACT_EMG_IND_ELECTRICAL};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        if (strcasecmp(s, act_emg_industry_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

bool act_emg_category_parse(const char *s, act_emg_category_t *out)
{
    for (int i = 0; s && i < ACT_EMG__COUNT; i++) {
        if (strcasecmp(s, category_names[i]) == 0) {
            *out = (act_emg_category_t)i;
            return true;
        }
    }
    return false;
}

typedef struct {
    const char *word;
    act_emg_category_t category;
} keyword_t;

static const keyword_t keywords[] = {
    {"smells like gas", ACT_EMG_GAS_LEAK}, {"olor a gas", ACT_EMG_GAS_LEAK},
    {"huele a gas", ACT_EMG_GAS_LEAK},     {"rotten egg", ACT_EMG_GAS_LEAK},
    {"co alarm", ACT_EMG_CARBON_MONOXIDE}, {"monoxide", ACT_EMG_CARBON_MONOXIDE},
    {"smoke", ACT_EMG_FIRE_SMOKE},         {"humo", ACT_EMG_FIRE_SMOKE},
    {"spark", ACT_EMG_ELECTRICAL_HAZARD},  {"chispa", ACT_EMG_ELECTRICAL_HAZARD},
    {"burst", ACT_EMG_FLOODING},           {"pouring", ACT_EMG_FLOODING},
    {"sewage", ACT_EMG_SEWAGE_BACKUP},     {"agua negra", ACT_EMG_SEWAGE_BACKUP},
};

void act_emg_classify(const char *text, size_t len, act_emg_industry_t industry,
                      act_emg_lang_t lang, act_emg_result_t *out)
{
    char buf[2048];
    size_t n = 0;
    memset(out, 0, sizeof *out);
    out->lang_used = lang == ACT_EMG_LANG_AUTO ? ACT_EMG_LANG_EN : lang;
    for (size_t i = 0; i < len && n + 1 < sizeof buf; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    buf[n] = '\0';
    (void)industry;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        const char *hit = strstr(buf, keywords[k].word);
        if (!hit)
            continue;
        bool negated = hit >= buf + 3 && (strncmp(hit - 3, "no ", 3) == 0);
        if (negated)
            continue;
        out->emergency = true;
        out->category = keywords[k].category;
        out->score = 0.8;
        out->ncues = 1;
        snprintf(out->cues[0], ACT_EMG_CUE_SZ, "%s", keywords[k].word);
        return;
    }
    out->score = 0.1;
}
