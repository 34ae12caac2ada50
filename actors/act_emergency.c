/*
 * act_emergency: the emergency classifier (see act_emergency.h for the
 * contract, ../shared/data/EMERGENCY-POLICY.md for the rules it implements).
 * Pure functions over const tables; any thread, reentrant, no allocation.
 *
 * The pipeline, per window of text:
 *
 *  1. normalise into a stack buffer: ASCII lower case, Latin-1 accents
 *     stripped (a Spanish caller's "monóxido" and an STT engine's "monoxido"
 *     are the same word), apostrophes dropped ("it's" -> "its"), punctuation
 *     kept only as clause and sentence boundaries, '°' read as "deg";
 *  2. tokenise and look every word up in one sorted English+Spanish lexicon
 *     (binary search; entries marked as stems match any longer word, the
 *     longest entry wins, so "burner" beats the stem "burn"). A word maps to
 *     hazard concepts (K_*: gas, smell, sparks, water, pouring, ...) and
 *     context markers (M_*: negation, past, if, neighbour, test, ...);
 *  3. fix up the words whose meaning depends on a neighbour ("smoke
 *     detector" is not smoke, "fire pit" is not fire, "water heater" is not
 *     loose water, "calentador" is a water heater for a plumber) and read
 *     numbers written as digits or words ("a hundred and eight", "cuarenta y
 *     cinco") as temperatures or ages;
 *  4. detectors look for hazards, each a small pattern over concepts within
 *     a clause or sentence, and record a cue with the token that carries the
 *     hazard (the key: "smells", "sparking", "pouring");
 *  5. every cue is judged in its own clause: negated, past, resolved later
 *     in the call, hypothetical or a question, a neighbour's problem that
 *     does not reach the caller, a test or false alarm, minor. Any cue that
 *     survives is live, and any live cue makes the call an emergency, so "no
 *     sparks, but I get zapped" is one;
 *  6. the category is the live cue that ranks first under the policy's
 *     priority rules (gas, CO, visible smoke or flame, electrical, burning
 *     smell, water heater, sewage, flooding, ...).
 *
 * Why rules and not a trained model: the policy is a short list of rules
 * about tense, negation and who is affected, the labelled data is tiny, and
 * a contractor must be able to read why a call was flagged. Every rule here
 * exists because the policy names the case; the tests in
 * tests/unit/test_act_emergency.c hold one utterance per hard-case kind in
 * each language.
 */
#include "act_emergency.h"
#include "act_emg_model.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ names */

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

/* ---------------------------------------------------------------- lexicon */

/* Hazard concepts. */
enum {
    KB_GAS,
    KB_SMELL,
    KB_GASODOR,
    KB_HISS,
    KB_FUEL,
    KB_CO,
    KB_ALARM,
    KB_SOUND,
    KB_CHIRP,
    KB_SYMPT,
    KB_HEAD,
    KB_SMOKE,
    KB_FLAME,
    KB_FIRE,
    KB_BURN,
    KB_MELT,
    KB_SPARK,
    KB_FLASH,
    KB_SHOCK,
    KB_WIRE,
    KB_EXPOSED,
    KB_PANEL,
    KB_HOT,
    KB_BUZZ,
    KB_POP,
    KB_OUTLET,
    KB_ELEC,
    KB_WATER,
    KB_BURST,
    KB_PIPE,
    KB_GUSH,
    KB_FLOODW,
    KB_RUN,
    KB_DRIP,
    KB_LEAK,
    KB_CEILING,
    KB_SPREAD,
    KB_SEWAGE,
    KB_DIRTY,
    KB_BACKUP,
    KB_DRAINFIX,
    KB_HEATAPP,
    KB_COOLAPP,
    KB_FAIL,
    KB_WORK,
    KB_COLD,
    KB_HEATWX,
    KB_CALOR,
    KB_VULN,
    KB_HEATILL,
    KB_WH,
    KB_HEATER,
    KB_RELIEF,
    KB_STEAM,
    KB_SCOPE,
    KB_METER,
    KB_SOOT,
    KB_BUBBLE,
    KB_STOVE,
    KB_RAINV,
    KB_IGNITER,
    KB_DEPTH,
    KB__COUNT

};

/* Context markers. */
enum {
    MB_NEG,
    MB_CANT,
    MB_PASTT,
    MB_PASTX,
    MB_AGO,
    MB_LONGU,
    MB_AGEU,
    MB_USED,
    MB_PASTV,
    MB_RESOLV,
    MB_GONE,
    MB_DRY,
    MB_FINE,
    MB_STILL,
    MB_NOW,
    MB_HYPO,
    MB_WHY,
    MB_NEIGH,
    MB_PLACE,
    MB_OWN,
    MB_HOMEPART,
    MB_TEST,
    MB_FALSEAL,
    MB_ROUTINE,
    MB_CONJ,
    MB_AND,
    MB_STOP,
    MB_SHUT,
    MB_UNPLUG,
    MB_MINOR,
    MB_NUM,
    MB_DEGREE,
    MB_TF,
    MB_TC,
    MB_OUT,
    MB_OUTSIDE,
    MB_INSIDE,
    MB_OLD,
    MB_LIKE,
    MB_UP,
    MB_OFF,
    MB_GOV,
    MB_BETTER,
    MB_EN,
    MB_ES,
    MB_IT,
    MB_DE,
    MB_YA,
    MB_TEMPPREP,
    MB_BELOW,
    MB_MINUS,
    MB_TRIP,
    MB_RELPOS,
    MB_DURING,
    MB_SEE,
    MB_WEIRD,
    MB_PAIN,
    MB_DRINK,
    MB_BODY,
    MB_STATIC,
    MB_FEAR,
    MB_FEEL,
    MB__COUNT
};

_Static_assert(KB__COUNT <= 64, "hazard concepts must fit a uint64_t");
_Static_assert(MB__COUNT <= 64, "context markers must fit a uint64_t");

#define K(x) (UINT64_C(1) << KB_##x)
#define M(x) (UINT64_C(1) << MB_##x)

typedef struct {
    const char *word; /* normalised: a-z 0-9 only */
    uint64_t k;
    uint64_t m;
    int16_t value; /* numbers: the value; 100 multiplies ("two hundred") */
    uint8_t stem;  /* 1: also matches any longer word starting with word */
} lex_entry_t;

#define W(w, k, m)                                                                                 \
    {                                                                                              \
        w, k, m, 0, 0                                                                              \
    }
#define S(w, k, m)                                                                                 \
    {                                                                                              \
        w, k, m, 0, 1                                                                              \
    }
#define N(w, v)                                                                                    \
    {                                                                                              \
        w, 0, M(NUM), v, 0                                                                         \
    }

/*
 * Sorted by strcmp on the word (binary search; the unit test checks the
 * order). One table for both languages: Spanish calls borrow English words
 * ("el breaker", "backed up") and English calls name Spanish ones rarely
 * enough that sharing costs nothing. Entries with no concept block a
 * shorter stem ("sparkling" is not "spark*", "freezer" is not "freez*").
 */
static const lex_entry_t lexicon[] = {
    W("abajo", 0, M(RELPOS)),
    W("ablaze", K(FLAME), 0),
    W("about", 0, M(TEMPPREP)),
    W("above", 0, M(RELPOS)),
    W("abril", 0, M(LONGU)),
    W("abrio", K(BURST), 0),
    S("abuel", K(VULN), 0),
    W("ac", K(COOLAPP), 0),
    S("ach", 0, M(PAIN)),
    W("acrid", K(BURN), 0),
    W("across", K(SPREAD), M(RELPOS)),
    W("activo", K(SOUND), 0),
    W("adentro", 0, M(INSIDE)),
    S("adormil", K(SYMPT), 0),
    W("afraid", 0, M(FEAR)),
    W("afuera", 0, M(OUTSIDE)),
    W("again", 0, M(STILL)),
    W("ago", 0, M(AGO)),
    W("agosto", 0, M(LONGU)),
    S("agua", K(WATER), 0),
    W("aguacate", 0, 0),
    W("ahora", 0, M(NOW)),
    W("ahorita", 0, M(NOW)),
    W("aint", 0, M(NEG)),
    W("air", K(COOLAPP), 0),
    S("aire", K(COOLAPP), 0),
    S("alambr", K(WIRE), 0),
    S("alarm", K(ALARM), 0),
    W("alarming", K(SOUND), 0),
    S("albanal", K(SEWAGE), 0),
    S("alcantarill", K(SEWAGE), 0),
    S("alfombr", K(SPREAD), 0),
    S("alivi", K(RELIEF), 0),
    W("all", 0, M(EN) | M(IT)),
    W("although", 0, M(CONJ)),
    S("alzheim", K(VULN), 0),
    S("amodorr", K(SYMPT), 0),
    S("ancian", K(VULN), 0),
    W("and", 0, M(AND)),
    S("anegad", K(FLOODW), 0),
    S("ankle", K(SPREAD) | K(DEPTH), 0),
    W("ano", 0, M(LONGU) | M(AGEU)),
    W("anoche", 0, M(PASTX)),
    W("anos", 0, M(LONGU) | M(AGEU)),
    W("antepasada", 0, M(PASTT)),
    W("antepasado", 0, M(PASTT)),
    W("anywhere", 0, 0),
    S("apagador", K(OUTLET), 0),
    W("apagamos", 0, M(SHUT)),
    W("apago", K(FAIL), M(SHUT)),
    W("apague", 0, M(SHUT)),
    W("apartamento", 0, M(HOMEPART)),
    W("apartment", 0, M(HOMEPART)),
    S("apest", K(SMELL), 0),
    W("april", 0, M(LONGU)),
    W("aqui", 0, M(INSIDE)),
    W("arc", K(SPARK), 0),
    W("arced", K(SPARK), 0),
    S("arcing", K(SPARK), 0),
    W("arcs", K(SPARK), 0),
    W("arent", 0, M(NEG)),
    W("arm", 0, M(BODY)),
    W("around", 0, M(TEMPPREP)),
    W("arranca", K(WORK), 0),
    W("arreglada", 0, M(RESOLV)),
    W("arreglado", 0, M(RESOLV)),
    W("arreglaron", 0, M(RESOLV)),
    W("arreglo", 0, M(RESOLV)),
    W("arriba", 0, M(RELPOS)),
    W("asma", K(VULN), 0),
    S("asthm", K(VULN), 0),
    W("asustada", 0, M(FEAR)),
    W("asustado", 0, M(FEAR)),
    S("atontad", K(SYMPT), 0),
    W("atras", 0, M(RELPOS)),
    S("aturdid", K(SYMPT) | K(HEATILL), 0),
    W("august", 0, M(LONGU)),
    W("aun", 0, M(STILL)),
    W("aunque", 0, M(CONJ)),
    W("autumn", 0, M(LONGU)),
    W("ayer", 0, M(PASTX)),
    W("azufre", K(GASODOR), 0),
    S("bab", K(VULN), 0),
    W("backed", K(BACKUP), 0),
    S("backin", K(BACKUP), 0),
    S("backup", K(BACKUP), 0),
    W("bacon", 0, M(FALSEAL)),
    W("bajando", K(RUN), 0),
    W("bajo", 0, M(BELOW)),
    W("banera", K(DRAINFIX), 0),
    S("bang", K(POP), 0),
    W("bano", K(DRAINFIX), 0),
    W("banos", K(DRAINFIX), 0),
    W("bare", K(EXPOSED), 0),
    S("baseboard", K(HEATAPP), 0),
    W("basement", 0, M(HOMEPART)),
    S("bateria", 0, M(FALSEAL)),
    W("bathroom", 0, M(HOMEPART)),
    S("bathtub", K(DRAINFIX), 0),
    S("batter", 0, M(FALSEAL)),
    W("bebe", K(VULN), 0),
    W("beber", 0, M(DRINK)),
    W("bebes", K(VULN), 0),
    W("bebita", K(VULN), 0),
    W("bebito", K(VULN), 0),
    W("because", 0, M(AND)),
    S("bedrid", K(VULN), 0),
    W("bedroom", 0, M(HOMEPART)),
    W("been", 0, M(EN) | M(IT)),
    S("beep", K(SOUND), 0),
    W("behind", 0, M(RELPOS)),
    W("below", 0, M(BELOW) | M(RELPOS)),
    W("better", 0, M(BETTER)),
    W("bien", 0, M(FINE)),
    W("bill", 0, M(ROUTINE)),
    S("bipe", K(SOUND), 0),
    S("bipi", K(SOUND), 0),
    W("black", K(DIRTY), 0),
    S("blar", K(SOUND), 0),
    W("blaze", K(FLAME), 0),
    W("blew", K(BURST), 0),
    S("blizz", K(COLD), 0),
    W("block", 0, M(PLACE)),
    S("blowing", K(WORK), 0),
    W("blown", K(BURST), 0),
    S("boila", K(FUEL) | K(HEATAPP), 0),
    S("boiler", K(FUEL) | K(HEATAPP), 0),
    W("boiling", K(HOT) | K(STEAM), 0),
    W("bombona", K(GAS), 0),
    S("boom", K(POP), 0),
    S("borboton", K(GUSH), 0),
    W("bota", K(RUN), M(TRIP)),
    W("botado", 0, M(TRIP)),
    W("botando", K(GUSH) | K(RUN), 0),
    W("boto", 0, M(TRIP)),
    W("boyler", K(FUEL) | K(HEATAPP), 0),
    S("braker", K(PANEL), 0),
    W("brazo", 0, M(BODY)),
    S("breaker", K(PANEL), 0),
    S("breiker", K(PANEL), 0),
    S("brequer", K(PANEL), 0),
    W("broke", K(BURST) | K(FAIL), 0),
    W("broken", K(BURST) | K(FAIL), 0),
    W("brota", K(GUSH) | K(BACKUP), 0),
    S("brotand", K(GUSH) | K(BACKUP), 0),
    W("brown", K(DIRTY), 0),
    S("bubbl", K(BUBBLE), 0),
    W("building", 0, M(HOMEPART)),
    S("bulb", K(OUTLET), 0),
    S("burbuj", K(BUBBLE), 0),
    S("burn", K(BURN), 0),
    S("burner", K(FUEL) | K(STOVE), 0),
    S("burst", K(BURST), 0),
    S("bust", K(BURST) | K(FAIL), 0),
    W("but", 0, M(CONJ)),
    W("butano", K(GAS), 0),
    S("buzz", K(BUZZ), 0),
    W("buzzy", K(BUZZ), M(FEEL)),
    W("c", 0, M(TC)),
    W("cabeza", K(HEAD), 0),
    S("cable", K(WIRE), 0),
    W("caca", K(SEWAGE), 0),
    W("caducado", 0, M(FALSEAL)),
    W("caduco", 0, M(FALSEAL)),
    W("cafe", K(DIRTY), 0),
    S("caid", K(EXPOSED), 0),
    S("calambr", K(SHOCK), 0),
    S("caldera", K(FUEL) | K(HEATAPP), 0),
    S("calefacc", K(HEATAPP), 0),
    S("calefact", K(HEATAPP), 0),
    S("calefon", K(FUEL) | K(HEATER), 0),
    S("calentador", K(FUEL) | K(HEATER), 0),
    S("calentand", K(HOT), 0),
    W("calentar", K(HOT), 0),
    S("calentit", K(HOT), 0),
    S("calenton", K(FUEL) | K(HEATAPP) | K(HEATER), 0),
    W("calentura", K(VULN), 0),
    S("calient", K(HOT), 0),
    W("calla", K(SOUND), 0),
    W("calle", 0, M(PLACE)),
    W("calor", K(CALOR), 0),
    W("calorcito", K(CALOR), 0),
    W("came", K(RUN), 0),
    W("cancer", K(VULN), 0),
    S("caneri", K(PIPE), 0),
    S("canilla", K(PIPE) | K(SCOPE), 0),
    W("cannot", 0, M(NEG) | M(CANT)),
    W("cano", K(PIPE), 0),
    W("canos", K(PIPE), 0),
    W("cant", 0, M(NEG) | M(CANT)),
    W("car", K(FUEL), 0),
    S("carbon", K(CO), 0),
    S("cardiac", K(VULN), 0),
    S("carpet", K(SPREAD), 0),
    W("carro", K(FUEL), 0),
    W("casa", 0, M(HOMEPART)),
    S("cascad", K(GUSH), 0),
    W("case", 0, M(HYPO)),
    W("caso", 0, M(HYPO)),
    N("catorce", 14),
    W("cause", 0, M(AND)),
    W("cayendo", K(GUSH), 0),
    S("ceiling", K(CEILING), 0),
    W("celsius", 0, M(TC)),
    S("centigrad", 0, M(TC)),
    W("centimetros", K(DEPTH), 0),
    S("cerebral", K(VULN), 0),
    S("cerill", K(GASODOR), 0),
    N("cero", 0),
    W("cerramos", 0, M(SHUT)),
    W("cerre", 0, M(SHUT)),
    W("cerro", 0, M(SHUT)),
    S("chamusc", K(BURN), 0),
    S("chandelier", K(OUTLET), 0),
    S("charc", K(SPREAD), 0),
    W("charred", K(BURN), 0),
    S("chemo", K(VULN), 0),
    S("chicharr", K(BUZZ), 0),
    S("chifl", K(HISS), 0),
    W("chilla", K(SOUND), 0),
    S("chilland", K(SOUND), 0),
    S("chimenea", K(FUEL), 0),
    S("chirp", K(CHIRP), 0),
    S("chisp", K(SPARK), 0),
    S("chorr", K(GUSH), 0),
    W("chunks", K(SEWAGE), 0),
    S("cieling", K(CEILING), 0),
    N("cien", 100),
    N("ciento", 100),
    N("cinco", 5),
    N("cincuenta", 50),
    S("cirugia", K(VULN), 0),
    S("clavija", K(OUTLET), 0),
    S("cleanout", K(DRAINFIX), 0),
    S("clima", K(COOLAPP), 0),
    S("cloaca", K(SEWAGE), 0),
    W("closed", 0, M(SHUT)),
    W("co", K(CO), 0),
    W("cocina", 0, M(HOMEPART)),
    S("cocinand", 0, M(FALSEAL)),
    W("cocinar", 0, M(FALSEAL)),
    S("colader", K(DRAINFIX), 0),
    S("colgand", K(EXPOSED), 0),
    W("comes", K(RUN), 0),
    W("comin", K(RUN), 0),
    W("coming", K(RUN), 0),
    S("commode", K(DRAINFIX), 0),
    W("como", 0, M(LIKE)),
    S("compressor", K(COOLAPP), 0),
    W("compusieron", 0, M(RESOLV)),
    W("con", 0, M(ES)),
    S("condenser", K(COOLAPP), 0),
    S("conditioner", K(COOLAPP), 0),
    S("conditioning", K(COOLAPP), 0),
    W("condo", 0, M(HOMEPART)),
    S("conexi", K(PIPE), 0),
    S("confundid", K(HEATILL), 0),
    W("confused", K(HEATILL), 0),
    S("congel", K(COLD), 0),
    W("congelador", 0, 0),
    S("conk", K(FAIL), 0),
    S("connector", K(PIPE), 0),
    W("constant", K(SOUND), 0),
    W("constantly", K(SOUND), 0),
    S("contacto", K(OUTLET), 0),
    W("continue", 0, M(STILL)),
    W("continues", 0, M(STILL)),
    W("continuous", K(SOUND), 0),
    S("cook", 0, M(FALSEAL)),
    S("cooktop", K(FUEL) | K(STOVE), 0),
    W("cooler", K(COOLAPP), 0),
    S("cooling", K(COOLAPP) | K(WORK), 0),
    W("copd", K(VULN), 0),
    W("corazon", K(VULN), 0),
    S("cord", K(WIRE), 0),
    S("cordon", K(WIRE), 0),
    W("corriente", K(ELEC), 0),
    W("cosquillas", 0, M(FEEL)),
    W("cosquilleo", 0, M(FEEL)),
    W("cost", 0, M(ROUTINE)),
    S("cotiz", 0, M(ROUTINE)),
    W("couldnt", 0, M(NEG) | M(CANT)),
    S("crack", K(BURST), 0),
    S("crackl", K(BUZZ), 0),
    S("crapp", K(FAIL), 0),
    W("cuadra", 0, M(PLACE)),
    N("cuarenta", 40),
    W("cuarto", 0, M(HOMEPART)),
    N("cuatro", 4),
    W("currently", 0, M(NOW)),
    S("danad", K(FAIL), 0),
    S("dangl", K(EXPOSED), 0),
    W("dano", K(FAIL), 0),
    W("days", 0, M(LONGU) | M(AGEU)),
    W("dazed", K(SYMPT) | K(HEATILL), 0),
    W("de", 0, M(ES) | M(DE)),
    W("dead", K(FAIL), 0),
    W("debil", K(HEATILL), 0),
    W("december", 0, M(LONGU)),
    W("deep", K(SPREAD) | K(DEPTH), 0),
    W("deg", 0, M(DEGREE)),
    W("degree", 0, M(DEGREE)),
    W("degrees", 0, M(DEGREE)),
    S("dehydrat", K(HEATILL), 0),
    W("deja", 0, M(STOP)),
    W("dejo", 0, M(STOP)),
    W("del", 0, M(ES) | M(DE)),
    W("dementia", K(VULN), 0),
    W("dentro", 0, M(INSIDE)),
    W("departamento", 0, M(HOMEPART)),
    S("derram", K(BACKUP), 0),
    S("derret", K(MELT), 0),
    S("derriti", K(MELT), 0),
    S("desag", K(DRAINFIX), 0),
    S("desbord", K(BACKUP), 0),
    S("descarga", K(SHOCK), 0),
    S("descompu", K(FAIL), 0),
    S("desconect", 0, M(UNPLUG)),
    S("desenchuf", 0, M(UNPLUG)),
    S("deshidrat", K(HEATILL), 0),
    S("desmay", K(SYMPT) | K(HEATILL), 0),
    S("desorient", K(HEATILL), 0),
    S("detect", K(ALARM), 0),
    S("diabet", K(VULN), 0),
    W("dialisis", K(VULN), 0),
    S("dialys", K(VULN), 0),
    W("dias", 0, M(LONGU)),
    W("diciembre", 0, M(LONGU)),
    W("didnt", 0, M(NEG)),
    N("diecinueve", 19),
    N("dieciocho", 18),
    N("dieciseis", 16),
    N("diecisiete", 17),
    W("died", K(FAIL), 0),
    W("dies", K(FAIL), 0),
    N("diez", 10),
    W("diferencial", K(PANEL), 0),
    S("dioxid", K(CO), 0),
    S("dirt", K(DIRTY), 0),
    S("disab", K(VULN), 0),
    S("discapacit", K(VULN), 0),
    S("disorient", K(HEATILL), 0),
    W("disparo", 0, M(TRIP)),
    S("dizz", K(SYMPT) | K(HEATILL), 0),
    N("doce", 12),
    W("doesnt", 0, M(NEG)),
    W("dolor", 0, M(PAIN)),
    W("dont", 0, M(NEG)),
    W("door", 0, M(PLACE)),
    W("doors", 0, M(PLACE)),
    N("dos", 2),
    W("down", K(EXPOSED), 0),
    W("downed", K(EXPOSED), 0),
    W("downstairs", 0, M(RELPOS)),
    S("drain", K(DRAINFIX), 0),
    S("drenaj", K(SEWAGE) | K(DRAINFIX), 0),
    W("dried", 0, M(DRY)),
    W("drier", K(FUEL), 0),
    W("drill", 0, M(TEST)),
    W("drills", 0, M(TEST)),
    W("drink", 0, M(DRINK)),
    W("drinking", 0, M(DRINK)),
    S("drip", K(DRIP), 0),
    W("driveway", 0, M(HOMEPART)),
    S("drows", K(SYMPT), 0),
    W("dry", 0, M(DRY)),
    S("dryer", K(FUEL), 0),
    W("drywall", K(SPREAD), 0),
    W("ducha", K(DRAINFIX), 0),
    W("duele", 0, M(PAIN)),
    W("dumped", K(GUSH), 0),
    W("dumping", K(GUSH), 0),
    W("durante", 0, M(DURING)),
    W("during", 0, M(DURING)),
    W("dust", 0, M(FALSEAL)),
    W("e", 0, M(AND)),
    W("echa", K(RUN), 0),
    S("echand", K(RUN), 0),
    W("edificio", 0, M(HOMEPART)),
    S("egg", K(GASODOR), 0),
    N("eight", 8),
    N("eighteen", 18),
    N("eighty", 80),
    W("el", 0, M(ES)),
    W("elderly", K(VULN), 0),
    S("electr", K(ELEC), 0),
    S("electric", K(ELEC), 0),
    S("electrifi", K(SHOCK), 0),
    S("electrocut", K(SHOCK), 0),
    N("eleven", 11),
    S("embaraz", K(VULN), 0),
    W("embolia", K(VULN), 0),
    S("empap", K(SPREAD), 0),
    W("en", 0, M(ES)),
    W("encamada", K(VULN), 0),
    W("encamado", K(VULN), 0),
    S("encend", K(WORK), 0),
    W("encendedor", K(IGNITER), 0),
    S("encharc", K(SPREAD), 0),
    S("enchuf", K(OUTLET), 0),
    S("enciend", K(WORK), 0),
    W("enero", 0, M(LONGU)),
    S("enferm", K(VULN), 0),
    W("enfrente", 0, M(NEIGH)),
    S("enfri", K(WORK), 0),
    S("enfriador", K(COOLAPP), 0),
    W("entering", K(RUN), 0),
    W("entonces", 0, M(AND)),
    W("entra", K(RUN), 0),
    W("entrando", K(RUN), 0),
    S("epilep", K(VULN), 0),
    W("es", 0, M(ES)),
    S("escap", K(LEAK), 0),
    S("escarch", K(COLD), 0),
    S("escurr", K(GUSH), 0),
    S("escusad", K(DRAINFIX), 0),
    W("esta", 0, M(ES)),
    S("estall", K(BURST), 0),
    W("estamos", 0, M(TEMPPREP) | M(ES)),
    W("estan", 0, M(ES)),
    W("estatica", 0, M(STATIC)),
    W("estatico", 0, M(STATIC)),
    S("estimat", 0, M(ROUTINE)),
    W("estomago", K(SYMPT), 0),
    S("estufa", K(FUEL) | K(STOVE), 0),
    W("estuvo", 0, M(PASTV)),
    W("ever", 0, M(HYPO)),
    W("every", K(SCOPE), 0),
    W("everything", 0, M(EN) | M(IT)),
    W("everythings", 0, M(EN) | M(IT)),
    W("everywhere", K(SPREAD), 0),
    W("except", 0, M(CONJ)),
    S("excrement", K(SEWAGE), 0),
    S("excusad", K(DRAINFIX), 0),
    W("expired", 0, M(FALSEAL)),
    S("explo", K(POP), 0),
    W("exposed", K(EXPOSED), 0),
    S("expuest", K(EXPOSED), 0),
    S("extensi", K(WIRE) | K(OUTLET), 0),
    S("extran", 0, M(WEIRD)),
    W("f", 0, M(TF)),
    W("factura", 0, M(ROUTINE)),
    W("fahrenheit", 0, M(TF)),
    S("fail", K(FAIL), 0),
    W("faint", 0, 0),
    W("fainted", K(SYMPT) | K(HEATILL), 0),
    W("fainting", K(SYMPT) | K(HEATILL), 0),
    W("faints", K(SYMPT) | K(HEATILL), 0),
    W("fall", 0, M(LONGU)),
    W("falla", K(FAIL), 0),
    W("fallando", K(FAIL), 0),
    W("fallen", K(EXPOSED), 0),
    W("fallo", K(FAIL), 0),
    S("faucet", K(PIPE) | K(SCOPE), 0),
    W("fear", 0, M(FEAR)),
    W("febrero", 0, M(LONGU)),
    W("february", 0, M(LONGU)),
    W("fecal", K(SEWAGE), 0),
    S("fece", K(SEWAGE), 0),
    W("fee", 0, M(ROUTINE)),
    W("fees", 0, M(ROUTINE)),
    W("feet", K(DEPTH), 0),
    W("fell", K(EXPOSED), 0),
    S("fernac", K(FUEL) | K(HEATAPP), 0),
    W("fever", K(VULN), 0),
    W("feverish", K(VULN), 0),
    S("fibros", K(VULN), 0),
    W("fiebre", K(VULN), 0),
    N("fifteen", 15),
    N("fifty", 50),
    W("fill", K(WORK), 0),
    S("filth", K(DIRTY), 0),
    W("fine", 0, M(FINE)),
    W("fingers", 0, M(BODY)),
    W("fire", K(FIRE), 0),
    S("fireplac", K(FUEL), 0),
    W("fires", K(FIRE), 0),
    S("fitting", K(PIPE), 0),
    N("five", 5),
    W("fixed", 0, M(RESOLV)),
    S("fixture", K(OUTLET), 0),
    S("flama", K(FLAME), 0),
    S("flame", K(FLAME), 0),
    S("flash", K(FLASH), 0),
    W("flashlight", 0, 0),
    W("flip", 0, M(TRIP)),
    W("flipped", 0, M(TRIP)),
    W("flipping", 0, M(TRIP)),
    W("flips", 0, M(TRIP)),
    S("flood", K(GUSH) | K(FLOODW), 0),
    W("floor", 0, M(HOMEPART)),
    W("flushed", K(HEATILL), 0),
    W("foco", K(OUTLET), 0),
    W("focos", K(OUTLET), 0),
    S("fogonazo", K(FLASH), 0),
    W("foot", K(DEPTH), 0),
    N("forty", 40),
    S("fosfor", K(GASODOR), 0),
    S("fountain", K(GUSH), 0),
    N("four", 4),
    N("fourteen", 14),
    N("fourty", 40),
    W("fragile", K(VULN), 0),
    W("frail", K(VULN), 0),
    S("fray", K(EXPOSED), 0),
    S("freez", K(COLD), 0),
    W("freezer", 0, 0),
    S("fregader", K(DRAINFIX), 0),
    W("fregado", K(FAIL), 0),
    W("frego", K(FAIL), 0),
    W("friendose", K(BUZZ), 0),
    S("frigid", K(COLD), 0),
    W("fritz", K(FAIL), 0),
    S("frost", K(COLD), 0),
    S("froz", K(COLD), 0),
    S("frying", K(BUZZ), 0),
    W("fuego", K(FLAME), 0),
    W("fuera", 0, M(OUTSIDE)),
    S("fuga", K(LEAK), 0),
    W("fumes", K(SMELL), 0),
    S("funcion", K(WORK), 0),
    W("funny", 0, M(WEIRD)),
    S("furnac", K(FUEL) | K(HEATAPP), 0),
    S("furnanc", K(FUEL) | K(HEATAPP), 0),
    S("furnish", 0, 0),
    W("fuse", K(PANEL), 0),
    S("fusebox", K(PANEL), 0),
    W("fuses", K(PANEL), 0),
    S("fusibl", K(PANEL), 0),
    W("garage", 0, M(HOMEPART)),
    W("gas", K(GAS), 0),
    W("gases", K(GAS), 0),
    W("gasolina", 0, 0),
    W("gasoline", 0, 0),
    W("gass", K(GAS), 0),
    W("gassy", K(GAS), 0),
    W("gasy", K(GAS), 0),
    W("gaz", K(GAS), 0),
    S("generador", K(FUEL), 0),
    S("generat", K(FUEL), 0),
    S("geyser", K(GUSH), 0),
    S("gfci", K(OUTLET), 0),
    W("gfi", K(OUTLET), 0),
    W("glacial", K(COLD), 0),
    W("go", 0, M(GOV)),
    W("goes", 0, M(GOV)),
    W("going", 0, M(GOV)),
    S("gomit", K(SYMPT) | K(HEATILL), 0),
    W("gone", 0, M(GONE)),
    S("gote", K(DRIP), 0),
    W("gotita", 0, M(MINOR)),
    W("grado", 0, M(DEGREE)),
    W("grados", 0, M(DEGREE)),
    S("grandfather", K(VULN), 0),
    S("grandm", K(VULN), 0),
    S("grandmother", K(VULN), 0),
    S("grandp", K(VULN), 0),
    W("granny", K(VULN), 0),
    W("gray", K(DIRTY), 0),
    W("grey", K(DIRTY), 0),
    S("grifo", K(PIPE) | K(SCOPE), 0),
    S("grill", K(FUEL), 0),
    W("groggy", K(SYMPT), 0),
    W("ground", K(EXPOSED), 0),
    S("gush", K(GUSH), 0),
    W("hace", 0, M(AGO)),
    W("had", 0, M(PASTV)),
    W("hall", 0, M(PLACE)),
    W("hand", 0, M(BODY)),
    W("hands", 0, M(BODY)),
    W("hanging", K(EXPOSED), 0),
    W("hardwood", K(SPREAD), 0),
    W("hasnt", 0, M(NEG)),
    W("havent", 0, M(NEG)),
    W("hay", 0, M(ES)),
    W("haze", K(SMOKE), 0),
    W("hazy", K(SMOKE), 0),
    W("head", K(HEAD), 0),
    S("headach", K(SYMPT), 0),
    W("heart", K(VULN), 0),
    W("heat", K(HEATAPP), 0),
    S("heater", K(FUEL) | K(HEATER), 0),
    S("heather", K(FUEL) | K(HEATER), 0),
    S("heating", K(HEATAPP), 0),
    W("heatstroke", K(HEATILL), 0),
    S("heatwave", K(HEATWX), 0),
    W("heces", K(SEWAGE), 0),
    W("hedor", K(SMELL), 0),
    S("helad", K(COLD), 0),
    W("helado", 0, 0),
    S("heland", K(COLD), 0),
    W("here", 0, M(INSIDE)),
    W("hielo", K(COLD), 0),
    W("high", 0, M(TEMPPREP)),
    W("hirviendo", K(HOT) | K(STEAM), 0),
    S("hiss", K(HISS), 0),
    W("hit", 0, M(TEMPPREP)),
    S("hollin", K(SOOT), 0),
    W("home", 0, M(HOMEPART)),
    S("hormigue", K(SHOCK), 0),
    S("hornill", K(FUEL) | K(STOVE), 0),
    S("horno", K(FUEL) | K(STOVE), 0),
    S("hose", K(PIPE), 0),
    W("hospice", K(VULN), 0),
    W("hot", K(HOT), 0),
    W("house", 0, M(HOMEPART)),
    W("however", 0, M(CONJ)),
    W("hoy", 0, M(NOW)),
    W("hubo", 0, M(PASTV)),
    S("huel", K(SMELL), 0),
    S("huev", K(GASODOR), 0),
    W("hum", K(BUZZ), 0),
    W("humareda", K(SMOKE), 0),
    W("humea", K(SMOKE), 0),
    S("humeand", K(SMOKE), 0),
    W("humear", K(SMOKE), 0),
    W("humito", K(SMOKE), 0),
    S("humm", K(BUZZ), 0),
    W("humo", K(SMOKE), 0),
    W("humos", K(SMOKE), 0),
    N("hundred", 100),
    S("hurt", 0, M(PAIN)),
    W("hypothetically", 0, M(HYPO)),
    W("i", 0, M(EN)),
    W("ice", K(COLD), 0),
    W("icy", K(COLD), 0),
    W("if", 0, M(HYPO)),
    S("igni", K(IGNITER), 0),
    W("igniter", K(IGNITER), 0),
    W("ignitor", K(IGNITER), 0),
    W("ill", K(VULN), 0),
    S("illness", K(VULN), 0),
    W("im", 0, M(EN)),
    S("immuno", K(VULN), 0),
    W("in", 0, M(EN)),
    W("incase", 0, M(HYPO)),
    S("incendi", K(FLAME), 0),
    W("inch", K(SPREAD) | K(DEPTH), 0),
    W("inches", K(SPREAD) | K(DEPTH), 0),
    W("indoors", 0, M(INSIDE)),
    S("infant", K(VULN), 0),
    S("infante", K(VULN), 0),
    S("inmuno", K(VULN), 0),
    S("inodor", K(DRAINFIX), 0),
    W("inside", 0, M(INSIDE)),
    S("instal", 0, M(ROUTINE)),
    S("install", 0, M(ROUTINE)),
    S("interruptor", K(OUTLET), 0),
    S("inund", K(GUSH) | K(FLOODW), 0),
    W("invernal", K(COLD), 0),
    W("invierno", 0, M(LONGU)),
    W("is", 0, M(EN)),
    W("isnt", 0, M(NEG)),
    W("it", 0, M(EN) | M(IT)),
    W("its", 0, M(EN) | M(IT)),
    W("jala", K(WORK), 0),
    W("jalando", K(WORK), 0),
    W("january", 0, M(LONGU)),
    S("jaquec", K(SYMPT), 0),
    W("jardin", 0, M(HOMEPART)),
    W("jodio", K(FAIL), 0),
    S("jolt", K(SHOCK), 0),
    W("julio", 0, M(LONGU)),
    W("july", 0, M(LONGU)),
    W("june", 0, M(LONGU)),
    W("junio", 0, M(LONGU)),
    W("kaput", K(FAIL), 0),
    W("keep", 0, M(STILL)),
    W("keeps", 0, M(STILL)),
    S("keros", K(FUEL), 0),
    W("kick", K(WORK), 0),
    W("kicking", K(WORK), 0),
    S("kidney", K(VULN), 0),
    W("kitchen", 0, M(HOMEPART)),
    W("knee", K(DEPTH), 0),
    W("knees", K(DEPTH), 0),
    S("knob", K(STOVE), 0),
    W("la", 0, M(ES)),
    W("lago", K(SPREAD), 0),
    W("laguna", K(SPREAD), 0),
    W("lake", K(SPREAD), 0),
    S("lamp", K(OUTLET), 0),
    S("lampar", K(OUTLET), 0),
    W("largando", K(RUN), 0),
    W("las", 0, M(ES)),
    W("last", 0, M(PASTT)),
    W("laundry", 0, M(HOMEPART)),
    S("lavabo", K(DRAINFIX), 0),
    S("lavadero", K(DRAINFIX), 0),
    S("lavaman", K(DRAINFIX), 0),
    W("laying", K(EXPOSED), 0),
    S("leak", K(LEAK), 0),
    S("leek", K(LEAK), 0),
    W("lento", 0, M(MINOR)),
    S("letharg", K(SYMPT) | K(HEATILL), 0),
    S("leucem", K(VULN), 0),
    S("leukem", K(VULN), 0),
    W("light", K(OUTLET), 0),
    W("lighter", K(IGNITER), 0),
    S("lighthead", K(SYMPT) | K(HEATILL), 0),
    W("lights", K(OUTLET), 0),
    W("like", 0, M(LIKE)),
    W("line", K(PIPE), 0),
    W("lines", K(PIPE), 0),
    W("literally", 0, 0),
    W("little", 0, M(MINOR)),
    W("live", K(EXPOSED), 0),
    W("llamas", K(FLAME), 0),
    W("llave", K(PIPE) | K(SCOPE), 0),
    S("llavecit", K(PIPE) | K(SCOPE), 0),
    W("llaves", K(PIPE) | K(SCOPE), 0),
    S("llenan", K(WORK), 0),
    W("lloviendo", K(RAINV), 0),
    W("loose", K(BURST), 0),
    W("los", 0, M(ES)),
    W("luego", 0, M(AND)),
    W("lumbre", K(FLAME), 0),
    W("lupus", K(VULN), 0),
    W("luz", K(ELEC), 0),
    W("lying", K(EXPOSED), 0),
    S("manguer", K(PIPE), 0),
    W("mano", 0, M(BODY)),
    W("manos", 0, M(BODY)),
    S("manox", K(CO), 0),
    W("marca", K(SOUND), 0),
    S("marcapas", K(VULN), 0),
    W("march", 0, M(LONGU)),
    S("marea", K(SYMPT) | K(HEATILL), 0),
    S("mareo", K(SYMPT) | K(HEATILL), 0),
    W("marzo", 0, M(LONGU)),
    W("matches", K(GASODOR), 0),
    W("mayo", 0, M(LONGU)),
    S("medically", K(VULN), 0),
    S("medidor", K(METER), 0),
    S("meeter", K(METER), 0),
    W("mejor", 0, M(BETTER)),
    S("melt", K(MELT), 0),
    W("menos", 0, M(MINUS)),
    W("mercaptan", K(GASODOR), 0),
    W("mes", 0, M(LONGU)),
    W("meses", 0, M(LONGU) | M(AGEU)),
    W("mete", K(RUN), 0),
    W("meter", K(METER), 0),
    W("meters", K(METER), 0),
    S("metiend", K(RUN), 0),
    W("metio", K(RUN), 0),
    W("mi", 0, M(OWN)),
    W("miedo", 0, M(FEAR)),
    W("mientras", 0, M(AND)),
    S("migrain", K(SYMPT), 0),
    W("mine", 0, M(OWN)),
    S("minisplit", K(COOLAPP), 0),
    W("minus", 0, M(MINUS)),
    W("mis", 0, M(OWN)),
    S("mofet", K(GASODOR), 0),
    S("moj", K(SPREAD), 0),
    S("monitor", K(ALARM), 0),
    S("monox", K(CO), 0),
    W("month", 0, M(LONGU) | M(AGEU)),
    W("months", 0, M(LONGU) | M(AGEU)),
    W("mop", K(SPREAD), 0),
    S("mopp", K(SPREAD), 0),
    W("ms", K(VULN), 0),
    S("muert", K(FAIL), 0),
    S("mugr", K(DIRTY), 0),
    S("muri", K(FAIL), 0),
    W("my", 0, M(OWN)),
    W("nada", 0, M(NEG)),
    W("nadie", 0, M(NEG)),
    W("nasty", K(DIRTY), 0),
    S("nause", K(SYMPT), 0),
    S("neblina", 0, 0),
    W("negative", 0, M(MINUS)),
    W("negra", K(DIRTY), 0),
    W("negras", K(DIRTY), 0),
    W("neighbor", 0, M(NEIGH)),
    W("neighborhood", 0, M(NEIGH)),
    W("neighbors", 0, M(NEIGH)),
    W("neighbour", 0, M(NEIGH)),
    W("neighbours", 0, M(NEIGH)),
    W("neither", 0, M(NEG)),
    S("nevad", K(COLD), 0),
    S("nevand", K(COLD), 0),
    W("never", 0, M(NEG)),
    W("nevera", 0, 0),
    S("newborn", K(VULN), 0),
    W("next", 0, M(RELPOS)),
    W("ni", 0, M(NEG)),
    W("nieve", K(COLD), 0),
    N("nine", 9),
    N("nineteen", 19),
    N("ninety", 90),
    S("ningun", 0, M(NEG)),
    W("no", 0, M(NEG)),
    W("nobody", 0, M(NEG)),
    W("none", 0, M(NEG)),
    W("nonstop", K(SOUND), 0),
    W("noone", 0, M(NEG)),
    W("nor", 0, M(NEG)),
    W("normal", 0, M(FINE)),
    W("not", 0, M(NEG)),
    W("nothing", 0, M(NEG)),
    W("nothings", 0, M(NEG)),
    W("november", 0, M(LONGU)),
    N("noventa", 90),
    W("noviembre", 0, M(LONGU)),
    W("now", 0, M(NOW)),
    S("nuestr", 0, M(OWN)),
    N("nueve", 9),
    W("nuevo", 0, M(STILL)),
    W("nunca", 0, M(NEG)),
    N("ochenta", 80),
    N("ocho", 8),
    W("october", 0, M(LONGU)),
    W("octubre", 0, M(LONGU)),
    W("odd", 0, M(WEIRD)),
    S("odor", K(SMELL), 0),
    S("odour", K(SMELL), 0),
    W("of", 0, M(EN)),
    W("off", 0, M(OFF)),
    W("ok", 0, M(FINE)),
    W("okay", 0, M(FINE)),
    W("old", 0, M(OLD)),
    W("oler", K(SMELL), 0),
    W("olia", K(SMELL), 0),
    S("oliend", K(SMELL), 0),
    W("olio", K(SMELL), 0),
    S("olor", K(SMELL), 0),
    W("once", 0, M(PASTX)),
    N("one", 1),
    W("operaron", K(VULN), 0),
    W("oscura", K(DIRTY), 0),
    W("oscuro", K(DIRTY), 0),
    W("otono", 0, M(LONGU)),
    W("our", 0, M(OWN)),
    W("ours", 0, M(OWN)),
    W("out", 0, M(OUT)),
    W("outdoors", 0, M(OUTSIDE)),
    S("outlet", K(OUTLET), 0),
    S("outlit", K(OUTLET), 0),
    W("outside", 0, M(OUTSIDE)),
    S("oven", K(FUEL) | K(STOVE), 0),
    W("over", 0, M(TEMPPREP)),
    S("overflow", K(BACKUP), 0),
    S("oxigen", K(VULN), 0),
    S("oxyg", K(VULN), 0),
    S("pacemaker", K(VULN), 0),
    W("pain", 0, M(PAIN)),
    W("palsy", K(VULN), 0),
    W("panel", K(PANEL), 0),
    W("panels", K(PANEL), 0),
    W("para", 0, M(STOP)),
    W("pared", 0, M(HOMEPART)),
    S("parkinson", K(VULN), 0),
    W("paro", 0, M(STOP)),
    S("parrill", K(FUEL), 0),
    W("pasada", 0, M(PASTT)),
    W("pasado", 0, M(PASTT)),
    W("pasara", 0, M(HYPO)),
    S("pastill", K(PANEL), 0),
    W("patio", 0, M(HOMEPART)),
    W("pedazos", K(SEWAGE), 0),
    S("pelad", K(EXPOSED), 0),
    W("peligro", K(SOUND), 0),
    S("pequen", 0, M(MINOR)),
    S("perill", K(STOVE), 0),
    W("pero", 0, M(CONJ)),
    W("peste", K(SMELL), 0),
    W("pica", 0, M(FEEL)),
    W("picando", 0, M(FEEL)),
    W("pila", 0, M(FALSEAL)),
    W("pilas", 0, M(FALSEAL)),
    S("pile", 0, 0),
    S("pilot", K(FUEL), 0),
    W("pinchada", K(BURST), 0),
    W("pinchado", K(BURST), 0),
    W("pincho", K(BURST), 0),
    W("pins", 0, M(FEEL)),
    S("pipe", K(PIPE), 0),
    S("piping", K(PIPE), 0),
    W("pita", K(SOUND), 0),
    S("pitand", K(SOUND), 0),
    S("pitid", K(SOUND), 0),
    W("place", 0, M(HOMEPART)),
    S("plafon", K(CEILING), 0),
    W("plomos", K(PANEL), 0),
    S("plug", K(OUTLET), 0),
    W("pluma", K(PIPE) | K(SCOPE), 0),
    W("plumas", K(PIPE) | K(SCOPE), 0),
    S("podrid", K(GASODOR), 0),
    W("polar", K(COLD), 0),
    W("polvo", 0, M(FALSEAL)),
    W("pond", K(SPREAD), 0),
    S("poop", K(SEWAGE), 0),
    S("pop", K(POP), 0),
    W("popcorn", 0, M(FALSEAL)),
    W("popo", K(SEWAGE), 0),
    W("popular", 0, 0),
    W("poquita", 0, M(MINOR)),
    W("poquito", 0, M(MINOR)),
    W("por", 0, M(ES)),
    W("porch", 0, M(HOMEPART)),
    S("poring", K(GUSH), 0),
    W("porque", 0, M(AND)),
    S("postrad", K(VULN), 0),
    S("pound", 0, M(PAIN)),
    S("pour", K(GUSH), 0),
    W("power", K(ELEC), 0),
    W("precio", 0, M(ROUTINE)),
    S("pregnan", K(VULN), 0),
    S("prend", K(WORK), 0),
    S("presupuest", 0, M(ROUTINE)),
    S("prevent", 0, M(ROUTINE)),
    W("previous", 0, M(PASTT)),
    W("previously", 0, M(PASTX)),
    W("price", 0, M(ROUTINE)),
    W("prices", 0, M(ROUTINE)),
    W("pricing", 0, M(ROUTINE)),
    W("prickle", 0, M(FEEL)),
    W("prickly", 0, M(FEEL)),
    W("primavera", 0, M(LONGU)),
    W("probamos", 0, M(TEST)),
    S("proband", 0, M(TEST)),
    W("probar", 0, M(TEST)),
    W("probe", 0, M(TEST)),
    W("probo", 0, M(TEST)),
    W("proof", 0, M(ROUTINE)),
    W("propane", K(GAS), 0),
    W("propano", K(GAS), 0),
    W("property", 0, M(HOMEPART)),
    S("prueba", 0, M(TEST)),
    S("puddl", K(SPREAD), 0),
    S("puk", K(SYMPT), 0),
    W("pulgadas", K(DEPTH), 0),
    W("pulled", K(EXPOSED), 0),
    W("pushing", K(RUN), 0),
    W("que", 0, M(ES)),
    S("queas", K(SYMPT), 0),
    S("quebr", K(BURST), 0),
    W("quedo", 0, M(RESOLV)),
    W("quema", K(BURN), 0),
    S("quemad", K(BURN), 0),
    S("quemador", K(FUEL) | K(STOVE), 0),
    S("quemand", K(BURN), 0),
    W("quemo", K(BURN), 0),
    S("queros", K(FUEL), 0),
    S("quimio", K(VULN), 0),
    N("quince", 15),
    S("quit", K(FAIL), 0),
    W("quote", 0, M(ROUTINE)),
    W("quotes", 0, M(ROUTINE)),
    W("radiant", K(HEATAPP), 0),
    S("radiat", K(HEATAPP), 0),
    W("raining", K(RAINV), 0),
    W("rara", 0, M(WEIRD)),
    W("raro", 0, M(WEIRD)),
    W("reach", 0, M(TEMPPREP)),
    W("reached", 0, M(TEMPPREP)),
    S("reading", K(SOUND), 0),
    W("reads", K(SOUND), 0),
    S("recamar", 0, M(HOMEPART)),
    S("receptacl", K(OUTLET), 0),
    W("recibo", 0, M(ROUTINE)),
    S("recien", K(VULN), 0),
    S("reek", K(SMELL), 0),
    S("refill", K(WORK), 0),
    S("refrigeraci", K(COOLAPP), 0),
    S("regader", K(DRAINFIX), 0),
    W("regado", K(SPREAD), 0),
    S("regand", K(SPREAD), 0),
    S("registr", K(DRAINFIX), 0),
    S("regres", K(BACKUP), 0),
    S("relief", K(RELIEF), 0),
    W("repaired", 0, M(RESOLV)),
    W("reparado", 0, M(RESOLV)),
    W("repararon", 0, M(RESOLV)),
    W("reset", 0, M(TRIP)),
    W("resolved", 0, M(RESOLV)),
    W("resolvio", 0, M(RESOLV)),
    S("resumider", K(DRAINFIX), 0),
    S("revent", K(BURST), 0),
    W("ring", 0, 0),
    W("ringing", K(SOUND), 0),
    W("rinon", K(VULN), 0),
    W("rinones", K(VULN), 0),
    W("ripped", K(EXPOSED), 0),
    W("rises", K(BACKUP), 0),
    W("rising", K(BACKUP), 0),
    W("river", K(GUSH), 0),
    W("road", 0, M(PLACE)),
    S("rompi", K(BURST) | K(FAIL), 0),
    W("room", 0, M(HOMEPART)),
    W("rota", K(BURST) | K(FAIL), 0),
    W("roto", K(BURST) | K(FAIL), 0),
    W("rotten", K(GASODOR), 0),
    W("rotting", K(GASODOR), 0),
    W("rotton", K(GASODOR), 0),
    S("runnin", K(RUN), 0),
    S("running", K(RUN), 0),
    W("runs", K(RUN), 0),
    S("ruptur", K(BURST), 0),
    W("rushing", K(GUSH), 0),
    W("s", 0, M(EN) | M(IT)),
    W("sale", K(RUN), 0),
    W("salen", K(RUN), 0),
    W("salia", K(RUN), 0),
    S("saliend", K(RUN), 0),
    W("salio", K(RUN), 0),
    W("salta", 0, M(TRIP)),
    W("saltan", 0, M(TRIP)),
    W("saltando", 0, M(TRIP)),
    W("salto", 0, M(TRIP)),
    S("scald", K(HOT) | K(STEAM), 0),
    W("scared", 0, M(FEAR)),
    S("scorch", K(BURN), 0),
    W("scorching", K(HEATWX), 0),
    S("scream", K(SOUND), 0),
    S("screech", K(SOUND), 0),
    W("se", 0, M(ES)),
    W("season", 0, M(LONGU)),
    W("seca", 0, M(DRY)),
    S("secadora", K(FUEL), 0),
    W("seco", 0, M(DRY)),
    W("secos", 0, M(DRY)),
    W("see", 0, M(SEE)),
    S("seep", K(DRIP), 0),
    W("seeping", K(DRIP), 0),
    W("seguia", 0, M(STILL)),
    N("seis", 6),
    W("semana", 0, M(LONGU) | M(AGEU)),
    W("semanas", 0, M(LONGU) | M(AGEU)),
    S("senior", K(VULN), 0),
    S("sensor", K(ALARM), 0),
    W("september", 0, M(LONGU)),
    S("septic", K(SEWAGE), 0),
    S("septica", K(SEWAGE), 0),
    W("septiembre", 0, M(LONGU)),
    W("servir", K(WORK), 0),
    N("sesenta", 60),
    N("setenta", 70),
    N("seven", 7),
    N("seventeen", 17),
    N("seventy", 70),
    S("sewage", K(SEWAGE), 0),
    S("sewer", K(SEWAGE), 0),
    S("shock", K(SHOCK), 0),
    W("shooting", K(GUSH), 0),
    S("shower", K(DRAINFIX), 0),
    S("shriek", K(SOUND), 0),
    W("shut", 0, M(SHUT)),
    W("si", 0, M(HYPO)),
    W("sick", K(VULN), 0),
    W("sickle", K(VULN), 0),
    W("side", 0, M(HOMEPART)),
    N("siete", 7),
    S("sifon", K(DRAINFIX), 0),
    W("sigue", 0, M(STILL)),
    W("siguen", 0, M(STILL)),
    S("silb", K(HISS), 0),
    S("simulacro", 0, M(TEST)),
    W("sin", 0, M(NEG)),
    S("singe", K(BURN), 0),
    W("sink", K(DRAINFIX), 0),
    W("sinks", K(DRAINFIX), 0),
    W("sino", 0, M(CONJ)),
    S("sirv", K(WORK), 0),
    S("sise", K(HISS), 0),
    N("six", 6),
    N("sixteen", 16),
    N("sixty", 60),
    S("sizzl", K(BUZZ), 0),
    S("skunk", K(GASODOR), 0),
    W("sleepy", K(SYMPT), 0),
    S("sleet", K(COLD), 0),
    W("slight", 0, M(MINOR)),
    W("slightly", 0, M(MINOR)),
    W("slow", 0, M(MINOR)),
    W("slowly", 0, M(MINOR)),
    W("small", 0, M(MINOR)),
    S("smell", K(SMELL), 0),
    W("smelt", K(SMELL), 0),
    S("smok", K(SMOKE), 0),
    W("smoker", 0, 0),
    S("smold", K(SMOKE), 0),
    S("smould", K(SMOKE), 0),
    S("snapp", K(BURST), 0),
    S("snow", K(COLD), 0),
    W("so", 0, M(AND)),
    S("soak", K(SPREAD), 0),
    S("socket", K(OUTLET), 0),
    W("someday", 0, M(HYPO)),
    S("somnolient", K(SYMPT), 0),
    W("sonaba", K(SOUND), 0),
    S("sonand", K(SOUND), 0),
    W("sonar", K(SOUND), 0),
    W("sono", K(SOUND), 0),
    S("sonolient", K(SYMPT), 0),
    S("soot", K(SOOT), 0),
    W("sotano", 0, M(HOMEPART)),
    S("sound", K(SOUND), 0),
    S("spark", K(SPARK), 0),
    W("sparkle", 0, 0),
    W("sparkles", 0, 0),
    W("sparkling", 0, 0),
    W("sparkly", 0, 0),
    S("spew", K(GUSH), 0),
    S("spigot", K(PIPE), 0),
    S("split", K(BURST), 0),
    W("spouting", K(GUSH), 0),
    S("spray", K(GUSH), 0),
    S("spread", K(SPREAD), 0),
    W("spring", 0, M(LONGU)),
    S("spurt", K(GUSH), 0),
    S("squirt", K(GUSH), 0),
    S("squish", K(SPREAD), 0),
    W("standing", K(SPREAD), 0),
    W("stank", K(SMELL), 0),
    W("static", 0, M(STATIC)),
    S("steam", K(STEAM), M(FALSEAL)),
    W("still", 0, M(STILL)),
    S("stink", K(SMELL), 0),
    W("stomach", K(SYMPT), 0),
    W("stomachs", K(SYMPT), 0),
    W("stop", 0, M(STOP)),
    W("stopped", K(FAIL), M(STOP)),
    W("stopping", 0, M(STOP)),
    W("stops", 0, M(STOP)),
    S("stove", K(FUEL) | K(STOVE), 0),
    S("strange", 0, M(WEIRD)),
    S("stream", K(GUSH), 0),
    W("street", 0, M(PLACE)),
    W("stripped", K(EXPOSED), 0),
    W("stroke", K(VULN), 0),
    W("stunk", K(SMELL), 0),
    S("suage", K(SEWAGE), 0),
    W("sube", K(BACKUP), 0),
    S("subiend", K(BACKUP), 0),
    W("subir", K(BACKUP), 0),
    W("subpanel", K(PANEL), 0),
    S("subzero", K(COLD), 0),
    S("suci", K(DIRTY), 0),
    S("suelt", K(EXPOSED), 0),
    W("suena", K(SOUND), 0),
    W("suenan", K(SOUND), 0),
    S("sulf", K(GASODOR), 0),
    S("sulph", K(GASODOR), 0),
    S("sumider", K(DRAINFIX), 0),
    W("summer", 0, M(LONGU)),
    W("suponiendo", 0, M(HYPO)),
    W("supply", K(PIPE), 0),
    W("suppose", 0, M(HYPO)),
    W("supposing", 0, M(HYPO)),
    S("surger", K(VULN), 0),
    S("swelter", K(HEATWX), 0),
    S("switch", K(OUTLET), 0),
    S("tablero", K(PANEL), 0),
    W("tampoco", 0, M(NEG)),
    S("tankless", K(FUEL) | K(WH), 0),
    W("tap", K(PIPE) | K(SCOPE), 0),
    W("taps", K(PIPE) | K(SCOPE), 0),
    W("tarja", K(DRAINFIX), 0),
    W("taza", K(DRAINFIX), 0),
    S("techo", K(CEILING), 0),
    W("temo", 0, M(FEAR)),
    W("temporada", 0, M(LONGU)),
    N("ten", 10),
    W("tenia", 0, M(PASTV)),
    W("teniamos", 0, M(PASTV)),
    W("termo", K(WH), 0),
    W("termotanque", K(FUEL) | K(WH), 0),
    W("terrified", 0, M(FEAR)),
    S("test", 0, M(TEST)),
    W("thats", 0, M(EN) | M(IT)),
    W("the", 0, M(EN)),
    W("then", 0, M(AND)),
    W("theres", 0, M(EN)),
    N("thirteen", 13),
    N("thirty", 30),
    W("though", 0, M(CONJ)),
    N("three", 3),
    W("tibio", K(HOT), 0),
    W("time", 0, M(LONGU)),
    W("tina", K(DRAINFIX), 0),
    S("tingl", K(SHOCK), 0),
    W("tingly", K(SHOCK), M(FEEL)),
    W("tiny", 0, M(MINOR)),
    S("tirand", K(LEAK), 0),
    W("to", 0, M(EN)),
    W("toast", 0, 0),
    S("tobillo", K(SPREAD) | K(DEPTH), 0),
    W("tocar", 0, M(BODY)),
    W("toco", 0, M(BODY)),
    W("todas", K(SCOPE), 0),
    W("todavia", 0, M(STILL)),
    W("today", 0, M(NOW)),
    S("toddler", K(VULN), 0),
    W("todo", 0, M(ES) | M(IT)),
    S("toilet", K(DRAINFIX), 0),
    W("toma", 0, M(DRINK)),
    S("tomacorr", K(OUTLET), 0),
    W("tomar", 0, M(DRINK)),
    W("tonight", 0, M(NOW)),
    S("toque", K(SHOCK), 0),
    W("tore", K(EXPOSED), 0),
    W("torn", K(EXPOSED), 0),
    W("touch", 0, M(BODY)),
    W("touched", 0, M(BODY)),
    W("touching", 0, M(BODY)),
    W("townhouse", 0, M(PLACE)),
    W("tpr", K(RELIEF), 0),
    S("transplant", K(VULN), 0),
    S("trape", K(SPREAD), 0),
    S("trasplant", K(VULN), 0),
    N("trece", 13),
    N("treinta", 30),
    N("tres", 3),
    S("trickl", K(DRIP), 0),
    S("trip", 0, M(TRIP)),
    S("tronand", K(POP), 0),
    S("trono", K(POP), 0),
    S("truen", K(POP), 0),
    W("tub", K(DRAINFIX), 0),
    S("tuberi", K(PIPE), 0),
    W("tubo", K(PIPE), 0),
    W("tubos", K(PIPE), 0),
    W("tubs", K(DRAINFIX), 0),
    W("tufo", K(SMELL), 0),
    W("tuve", 0, M(PASTV)),
    W("tuvimos", 0, M(PASTV)),
    N("twelve", 12),
    N("twenty", 20),
    N("two", 2),
    W("umo", K(SMOKE), 0),
    W("un", 0, M(ES)),
    W("una", 0, M(ES)),
    W("underwater", K(DEPTH) | K(WATER), 0),
    W("unit", 0, M(HOMEPART)),
    N("uno", 1),
    W("unplugged", 0, M(UNPLUG)),
    W("unresponsive", K(HEATILL), 0),
    W("up", 0, M(UP)),
    S("upgrad", 0, M(ROUTINE)),
    W("upstairs", 0, M(RELPOS)),
    W("used", 0, M(USED)),
    W("vac", K(SPREAD), 0),
    S("valv", K(PIPE), 0),
    S("vapor", K(STEAM), M(FALSEAL)),
    S("vecin", 0, M(NEIGH)),
    N("veinte", 20),
    N("veinticinco", 25),
    N("veinticuatro", 24),
    N("veintidos", 22),
    N("veintinueve", 29),
    N("veintiocho", 28),
    N("veintiseis", 26),
    N("veintisiete", 27),
    N("veintitres", 23),
    N("veintiuno", 21),
    W("ven", 0, M(SEE)),
    W("vencido", 0, M(FALSEAL)),
    W("veo", 0, M(SEE)),
    W("ver", 0, M(SEE)),
    W("verano", 0, M(LONGU)),
    W("vez", 0, M(LONGU)),
    S("viejit", K(VULN), 0),
    W("visible", 0, M(SEE)),
    S("volt", K(ELEC), 0),
    S("vomit", K(SYMPT) | K(HEATILL), 0),
    S("wail", K(SOUND), 0),
    W("wall", 0, M(HOMEPART)),
    W("warm", K(HOT), 0),
    W("warning", K(SOUND), 0),
    W("wasnt", 0, M(NEG)),
    S("waste", K(SEWAGE), 0),
    W("water", K(WATER), 0),
    S("waterfall", K(GUSH), 0),
    W("waters", K(WATER), 0),
    W("we", 0, M(EN)),
    W("week", 0, M(LONGU) | M(AGEU)),
    W("weeks", 0, M(LONGU) | M(AGEU)),
    S("weep", K(LEAK), 0),
    W("weird", 0, M(WEIRD)),
    W("went", 0, M(GOV)),
    W("were", 0, M(EN)),
    W("werent", 0, M(NEG)),
    W("wet", K(SPREAD), 0),
    S("wheelchair", K(VULN), 0),
    W("whether", 0, M(HYPO)),
    W("whiff", K(SMELL), 0),
    W("while", 0, M(AND)),
    W("whole", K(SCOPE), 0),
    W("why", 0, M(WHY)),
    W("winter", 0, M(LONGU)),
    S("wire", K(WIRE), 0),
    S("wiring", K(WIRE), 0),
    W("with", 0, M(EN)),
    W("without", 0, M(NEG)),
    W("wont", 0, M(NEG)),
    S("wooz", K(SYMPT) | K(HEATILL), 0),
    S("work", K(WORK), 0),
    W("worried", 0, M(FEAR)),
    W("worry", 0, M(FEAR)),
    W("y", 0, M(AND)),
    W("ya", 0, M(ES) | M(YA)),
    W("yard", 0, M(HOMEPART)),
    W("year", 0, M(LONGU) | M(AGEU)),
    W("years", 0, M(LONGU) | M(AGEU)),
    W("yesterday", 0, M(PASTX)),
    W("yr", 0, M(AGEU)),
    W("zafado", K(BURST), 0),
    S("zafo", K(BURST), 0),
    S("zap", K(SHOCK), 0),
    N("zero", 0),
    S("zing", K(SHOCK), 0),
    S("zorrill", K(GASODOR), 0),
    S("zumb", K(BUZZ), 0),
};

#define LEXICON_SIZE (sizeof lexicon / sizeof lexicon[0])
#define MIN_STEM 3

/* strcmp of an entry's word against t[0..n) (t has no NUL). */
static int word_cmp(const char *w, const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)w[i], b = (unsigned char)t[i];
        if (a != b)
            return a < b ? -1 : 1;
    }
    return w[n] ? 1 : 0;
}

/*
 * The longest entry that is t itself or a stem t starts with. Any stem p of t
 * sorts at or before t, and every entry between p and t starts with p, so
 * walking back from t's position while entries share MIN_STEM letters with t
 * meets every candidate, longest first.
 */
static const lex_entry_t *lexicon_find(const char *t, size_t n)
{
    size_t lo = 0, hi = LEXICON_SIZE;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (word_cmp(lexicon[mid].word, t, n) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        const lex_entry_t *e = &lexicon[i];
        size_t common = 0;
        while (common < n && e->word[common] == t[common])
            common++;
        if (e->word[common] == '\0' && (common == n || e->stem))
            return e;
        if (common < MIN_STEM)
            break;
    }
    return NULL;
}

/* --------------------------------------------------------------- document */

#define WIN_RAW 1536              /* input bytes per window */
#define WIN_OVERLAP 200           /* re-read before a window cut, so no cue is cut in two */
#define BUF_SZ (WIN_RAW * 3 + 64) /* '°' grows from 2 bytes to " deg " */
#define MAX_TOK 640
#define MAX_CUE 48
#define LABEL_SZ 64

typedef struct {
    const char *w;
    uint64_t k, m;
    int32_t num; /* value of the number that starts here (numlen > 0) */
    uint16_t clause, sent, soft;
    uint8_t n;
    uint8_t numlen;   /* tokens in the number starting here; 0 if none */
    uint8_t pastx;    /* part of a past-time expression ("last winter", "hace meses") */
    uint8_t neigh;    /* part of a neighbour phrase ("next door", "la casa de al lado") */
    uint8_t resolv;   /* says the problem is over ("it's fixed", "everything's dry") */
    uint8_t hotwater; /* "water" in "hot water": the supply, not loose water */
} tok_t;

/* Why a cue does not count; LIVE counts. */
typedef enum {
    ST_LIVE = 0,
    ST_NEG,
    ST_PAST,
    ST_RESOLVED,
    ST_HYPO,
    ST_QUESTION,
    ST_NEIGHBOR,
    ST_FALSEAL,
    ST_MINOR,
    ST_ROUTINE,
    ST_NOTE,
} cue_status_t;

static const char *const status_prefix[] = {
    "",           "negated: ",     "past: ",  "resolved: ", "hypothetical: ", "question: ",
    "neighbor: ", "false alarm: ", "minor: ", "routine: ",  "not enough: ",
};

/* Cue flags: which checks apply. */
enum {
    CF_NONEG = 1,      /* the cue is made of a negation ("no heat"): do not negate it */
    CF_ALARM = 2,      /* an alarm sounding: tests, batteries and cooking explain it away */
    CF_SMOKE = 4,      /* smoke or a burning smell: cooking, steam and dust explain it away */
    CF_WATER = 8,      /* a leak: "a little", "slow" make it minor */
    CF_WEAK = 16,      /* routine talk in the clause (quote, install) explains it away */
    CF_ELEC = 32,      /* unplugging the thing ends it */
    CF_NORESOLVE = 64, /* "dry" and "stopped" describe the problem itself (no water) */
};

typedef struct {
    act_emg_category_t cat;
    int key, lo;
    uint8_t strength; /* 1 weak .. 3 unmistakable */
    uint8_t flags;
    uint8_t visible; /* fire_smoke from visible smoke or flame (ranks above electrical) */
    cue_status_t status;
    char label[LABEL_SZ];
} cue_t;

typedef struct {
    act_emg_industry_t industry;
    char buf[BUF_SZ];
    size_t blen;
    tok_t t[MAX_TOK];
    int n;
    int nclause, nsent;
    uint8_t clause_q[MAX_TOK + 2]; /* clause is a question */
    cue_t cue[MAX_CUE];
    int ncue;
    bool unaffected;  /* the caller said their own home is fine ("ours is dry") */
    bool not_reached; /* ... or that the problem has not reached them ("no nos ha llegado") */
} doc_t;

/* ------------------------------------------------------------ normalising */

/* Latin-1 letters (U+00C0..U+00FF) without their accents; 0 if not a letter. */
static char latin1_base(uint32_t cp)
{
    static const char map[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
                                "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";
    if (cp < 0xC0 || cp > 0xFF)
        return 0;
    return map[cp - 0xC0];
}

/* Decodes one UTF-8 sequence at s (n > 0 bytes left); returns its length, 1 for an invalid byte
 * (*cp = 0xFFFD). */
size_t act_emg_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

enum { BND_NONE = 0, BND_CLAUSE = 1, BND_SENT = 2 };

typedef struct {
    doc_t *d;
    int start;   /* buf offset of the word being built, -1 if none */
    int kind;    /* 1 letters, 2 digits */
    int pending; /* boundary before the next word */
    bool q_next; /* the next clause opened with '¿' */
} tokenizer_t;

static void tok_end(tokenizer_t *z)
{
    doc_t *d = z->d;
    if (z->start < 0)
        return;
    if (d->n < MAX_TOK) {
        tok_t *t = &d->t[d->n];
        memset(t, 0, sizeof *t);
        t->w = d->buf + z->start;
        size_t len = d->blen - (size_t)z->start;
        t->n = (uint8_t)(len > 255 ? 255 : len);
        if (d->n == 0) {
            d->nclause = 1;
            d->nsent = 1;
        } else if (z->pending) {
            d->nclause++;
            if (z->pending == BND_SENT)
                d->nsent++;
        }
        if (z->q_next && (z->pending || d->n == 0)) {
            d->clause_q[d->nclause - 1] = 1;
            z->q_next = false;
        }
        t->clause = (uint16_t)(d->nclause - 1);
        t->sent = (uint16_t)(d->nsent - 1);
        z->pending = BND_NONE;
        d->n++;
    }
    d->buf[d->blen++] = ' ';
    z->start = -1;
}

static void tok_char(tokenizer_t *z, char c, int kind)
{
    doc_t *d = z->d;
    if (z->start >= 0 && z->kind != kind)
        tok_end(z);
    if (d->blen + 8 >= BUF_SZ)
        return;
    if (z->start < 0) {
        z->start = (int)d->blen;
        z->kind = kind;
    }
    d->buf[d->blen++] = c;
}

static void tok_boundary(tokenizer_t *z, int b)
{
    tok_end(z);
    if (b > z->pending)
        z->pending = b;
}

static void tok_word(tokenizer_t *z, const char *w)
{
    tok_end(z);
    for (const char *p = w; *p; p++)
        tok_char(z, *p, 1);
    tok_end(z);
}

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Normalises and splits text[0..len) into d's tokens, clauses and sentences. */
static void doc_tokenize(doc_t *d, const char *text, size_t len)
{
    tokenizer_t z = {d, -1, 0, BND_NONE, false};
    const unsigned char *s = (const unsigned char *)text;
    d->n = 0;
    d->blen = 0;
    d->nclause = 0;
    d->nsent = 0;
    memset(d->clause_q, 0, sizeof d->clause_q);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t step = act_emg_utf8_next(s + i, len - i, &cp);
        unsigned char prev = i > 0 ? s[i - 1] : ' ';
        unsigned char next = i + step < len ? s[i + step] : ' ';
        i += step;
        if (cp < 0x80) {
            unsigned char c = (unsigned char)cp;
            if (is_alpha(c)) {
                tok_char(&z, (char)(c | 0x20), 1);
            } else if (is_digit(c)) {
                tok_char(&z, (char)c, 2);
            } else if (c == '\'') {
                /* "air's out" -> "air s out", "it's" -> "it s"; "don't" -> "dont", "kids'" ->
                 * "kids" */
                if ((next == 's' || next == 'S') &&
                    (i + 1 >= len || !is_alpha((unsigned char)s[i + 1])))
                    tok_end(&z);
            } else if ((c == '/' || c == '&') && is_alpha(prev) && is_alpha(next)) {
                /* a/c -> ac, t&p -> tp */
            } else if ((c == ',' || c == '.') && is_digit(prev) && is_digit(next)) {
                /* 1,000 and 98.6: one number (the fraction is read as more digits, harmless) */
                tok_end(&z);
            } else if (c == '-' && is_digit(next) && !is_alpha(prev) && !is_digit(prev)) {
                tok_word(&z, "minus");
            } else if (c == ',' || c == ';' || c == ':' || c == '(' || c == ')') {
                tok_boundary(&z, BND_CLAUSE);
            } else if (c == '.' || c == '!' || c == '\n') {
                tok_boundary(&z, BND_SENT);
            } else if (c == '?') {
                tok_boundary(&z, BND_SENT);
                if (d->n > 0)
                    d->clause_q[d->nclause - 1] = 1;
            } else {
                tok_end(&z);
            }
            continue;
        }
        char base = latin1_base(cp);
        if (base) {
            tok_char(&z, base, 1);
        } else if (cp == 0xBF) { /* ¿ */
            tok_boundary(&z, BND_SENT);
            z.q_next = true;
        } else if (cp == 0xA1) { /* ¡ */
            tok_boundary(&z, BND_SENT);
        } else if (cp == 0xB0 || cp == 0xBA) { /* ° º */
            tok_word(&z, "deg");
        } else if (cp == 0x2019 || cp == 0x2018) {
            /* typographic apostrophe, as above */
            if ((next == 's' || next == 'S') &&
                (i + 1 >= len || !is_alpha((unsigned char)s[i + 1])))
                tok_end(&z);
        } else if (cp == 0x2013 || cp == 0x2014 || cp == 0x2026) {
            tok_boundary(&z, BND_CLAUSE);
        } else {
            tok_end(&z);
        }
    }
    tok_end(&z);
}

/* ------------------------------------------------------------ token tests */

static bool tk(const doc_t *d, int i, uint64_t k)
{
    return i >= 0 && i < d->n && (d->t[i].k & k) != 0;
}

static bool tm(const doc_t *d, int i, uint64_t m)
{
    return i >= 0 && i < d->n && (d->t[i].m & m) != 0;
}

/* Token i is the word w. Called a lot: no strlen, and a token never holds a NUL, so a shorter w
 * stops the loop at its terminator. Forced inline: most calls fail on the first letter, and the
 * call itself then costs more than the test (a fifth of the run time when it was a call). */
static inline __attribute__((always_inline)) bool teq(const doc_t *d, int i, const char *w)
{
    if (i < 0 || i >= d->n)
        return false;
    const tok_t *t = &d->t[i];
    if (t->w[0] != w[0])
        return false;
    for (int j = 1; j < t->n; j++) {
        if (w[j] != t->w[j])
            return false;
    }
    return w[t->n] == '\0';
}

/* Token i starts with prefix p. */
static bool tpre(const doc_t *d, int i, const char *p)
{
    if (i < 0 || i >= d->n)
        return false;
    size_t n = strlen(p);
    return d->t[i].n >= n && memcmp(d->t[i].w, p, n) == 0;
}

/* teq against a NULL-terminated list. */
static bool tin(const doc_t *d, int i, const char *const *words);

/* A word of the list in [i+from, i+to] of i's sentence. */
static bool near_tin(const doc_t *d, int i, int from, int to, const char *const *words)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j != i && j >= 0 && j < d->n && d->t[j].sent == d->t[i].sent && tin(d, j, words))
            return true;
    }
    return false;
}

/* teq against a NULL-terminated list. */
static bool tin(const doc_t *d, int i, const char *const *words)
{
    for (; *words; words++) {
        if (teq(d, i, *words))
            return true;
    }
    return false;
}

static bool same_sent(const doc_t *d, int i, int j)
{
    return i >= 0 && j >= 0 && i < d->n && j < d->n && d->t[i].sent == d->t[j].sent;
}

static bool same_clause(const doc_t *d, int i, int j)
{
    return i >= 0 && j >= 0 && i < d->n && j < d->n && d->t[i].clause == d->t[j].clause;
}

/* First token in [i+from, i+to] within i's sentence with a concept in k, or -1. */
static int near_k(const doc_t *d, int i, int from, int to, uint64_t k)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j == i || j < 0 || j >= d->n || !same_sent(d, i, j))
            continue;
        if (d->t[j].k & k)
            return j;
    }
    return -1;
}

static int near_m(const doc_t *d, int i, int from, int to, uint64_t m)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j == i || j < 0 || j >= d->n || !same_sent(d, i, j))
            continue;
        if (d->t[j].m & m)
            return j;
    }
    return -1;
}

/* Like near_k but within i's clause. */
static int clause_k(const doc_t *d, int i, int from, int to, uint64_t k)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j == i || j < 0 || j >= d->n || !same_clause(d, i, j))
            continue;
        if (d->t[j].k & k)
            return j;
    }
    return -1;
}

static int clause_m(const doc_t *d, int i, int from, int to, uint64_t m)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j == i || j < 0 || j >= d->n || !same_clause(d, i, j))
            continue;
        if (d->t[j].m & m)
            return j;
    }
    return -1;
}

/* Any token of the whole window with a concept in k. */
static int any_k(const doc_t *d, uint64_t k)
{
    for (int j = 0; j < d->n; j++) {
        if (d->t[j].k & k)
            return j;
    }
    return -1;
}

static int clause_lo(const doc_t *d, int i)
{
    while (i > 0 && d->t[i - 1].clause == d->t[i].clause)
        i--;
    return i;
}

static int clause_hi(const doc_t *d, int i)
{
    while (i + 1 < d->n && d->t[i + 1].clause == d->t[i].clause)
        i++;
    return i;
}

/* -------------------------------------------------------------- meanings */

static const char *const w_fire_not[] = {
    "pit",        "pits",    "hazard",    "hazards",    "drill",        "drills",
    "department", "dept",    "inspector", "inspection", "marshal",      "code",
    "rated",      "rating",  "alarm",     "alarms",     "extinguisher", "extinguishers",
    "wood",       "works",   "sprinkler", "sprinklers", "truck",        "station",
    "insurance",  "proof",   "resistant", "door",       "doors",        "wall",
    "stick",      "fighter", "fighters",  "safety",     "escape",       "box",
    "hydrant",    "up",      "ant",       "ants",       "starter",      "bowl",
    "table",      "tables",  "fighting",  "blanket",    "ring",         "season",
    "sale",       "zone",    "log",       "logs",       "glass",        "brick",
    "bricks",     "stop",    "block",     "exit",       "detector",     "detectors",
    "sensor",     "chief",   NULL};
static const char *const w_fire_prev[] = {"on",     "caught", "catch",   "catches",    "catching",
                                          "a",      "small",  "big",     "electrical", "grease",
                                          "theres", "there",  "any",     "some",       "into",
                                          "huge",   "little", "kitchen", "house",      NULL};
static const char *const w_fire_next[] = {
    "in",        "on",      "coming", "from",  "inside", "behind", "started", "starting",
    "spreading", "burning", "out",    "under", "near",   "by",     "at",      NULL};
static const char *const w_pron[] = {"me", "te", "le", "lo", "la", "nos", "les", "si", "no", NULL};
static const char *const w_unsure[] = {"sure", "know", "idea", "doubt", "certain", NULL};
static const char *const w_stopverb[] = {"stop",   "shut",   "turn",      "find",   "get",
                                         "reach",  "figure", "close",     "cerrar", "parar",
                                         "apagar", "quitar", "encontrar", NULL};
static const char *const w_can[] = {"puedo", "podemos", "pude",  "pudimos", "can",
                                    "could", "able",    "puede", "pueden",  NULL};
static const char *const w_notif[] = {"know",    "sure",  "wonder", "wondering", "see",  "check",
                                      "tell",    "ask",   "asking", "idea",      "sabe", "se",
                                      "sabemos", "saber", "ver",    NULL};
static const char *const w_si_not[] = {"senor", "senora",  "claro",    "pues",     "bueno", "mire",
                                       "oiga",  "gracias", "senorita", "correcto", NULL};
static const char *const w_shock_verb[] = {"dio",     "da",    "daba",   "pasa",  "paso",
                                           "pasando", "dando", "siento", "senti", "sentimos",
                                           "pego",    "pega",  NULL};
static const char *const w_gadget[] = {"thingy", "thing",  "device", "gadget",
                                       "box",    "reader", NULL};
static const char *const w_appliance[] = {"refri",        "fridge",    "refrigerator", "washer",
                                          "lavadora",     "microwave", "microondas",   "frame",
                                          "metal",        "appliance", "nevera",       "dishwasher",
                                          "lavavajillas", "toaster",   "tostador",     NULL};
static const char *const w_subject[] = {"ellos",   "ellas",  "ella",    "nosotros",
                                        "yo",      "usted",  "ustedes", "vecino",
                                        "vecinos", "vecina", "vecinas", NULL};
static const char *const w_si_prev[] = {"que", "pero", "creo", "dice", "digo", "pues", NULL};
static const char *const w_heater_other[] = {
    "space",    "wall",  "pool",      "patio",  "baseboard", "portable", "room", "garage",
    "electric", "pared", "electrico", "cuarto", "oil",       "infrared", NULL};
static const char *const w_heat_wx[] = {"wave", "warning", "advisory", "alert", "index",
                                        "dome", "waves",   "warnings", NULL};
static const char *const w_stove_heat[] = {"pellet",    "pellets",  "wood",      "lena",
                                           "woodstove", "kerosene", "queroseno", NULL};
static const char *const w_a_gas[] = {"a", "pellet", "pellets", NULL};
static const char *const w_unit_ac[] = {"upstairs",   "downstairs", "outside", "outdoor", "main",
                                        "condensing", "hvac",       "rooftop", "roof",    NULL};
static const char *const w_fear_next[] = {"gonna", "going", "will", "might", "could",
                                          "ll",    "que",   "vaya", "pueda", NULL};
static const char *const w_art[] = {"el", "la", "the", "los", "las", NULL};
static const char *const w_touch[] = {"toco",    "tocar", "tocamos",  "toca",    "agarro",
                                      "agarrar", "touch", "touching", "touched", NULL};
static const char *const w_not_request[] = {"get", "need",  "needs",   "want", "have", "be", "to",
                                            "can", "could", "getting", "gets", "will", NULL};

static const char *const w_tank_other[] = {
    "toilet",   "toilets", "septic",  "septica", "pressure", "expansion", "well",    "pozo",
    "propane",  "propano", "gas",     "oil",     "fish",     "inodoro",   "taza",    "escusado",
    "excusado", "sump",    "holding", "bladder", "cisterna", "tinaco",    "storage", NULL};

/* Another tank named in the sentence: a toilet's, a well's, a fuel tank. */
static bool tank_other(const doc_t *d, int i)
{
    for (int j = i - 12; j <= i + 12; j++) {
        if (same_sent(d, i, j) && (tin(d, j, w_tank_other) || tk(d, j, K(DRAINFIX) | K(GAS))))
            return true;
    }
    return false;
}

/* Values of number words and digits; runs such as "a hundred and eight" or "ciento seis". */
static void mark_numbers(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        tok_t *t = &d->t[i];
        if (t->n > 0 && is_digit((unsigned char)t->w[0])) {
            int32_t v = 0;
            for (int j = 0; j < t->n && v < 100000; j++)
                v = v * 10 + (t->w[j] - '0');
            t->m |= M(NUM);
            t->num = v;
        }
    }
    for (int i = 0; i < d->n; i++) {
        /* "one oh eight": 108, as people say temperatures. */
        if (teq(d, i, "one") && teq(d, i + 1, "oh") && tm(d, i + 2, M(NUM)) &&
            same_clause(d, i, i + 2) && !is_digit((unsigned char)d->t[i + 2].w[0])) {
            const lex_entry_t *e = lexicon_find(d->t[i + 2].w, d->t[i + 2].n);
            if (e && e->value > 0 && e->value < 10) {
                d->t[i].m |= M(NUM);
                d->t[i].num = 100 + e->value;
                d->t[i].numlen = 3;
                d->t[i + 2].m &= ~M(NUM);
                i += 2;
                continue;
            }
        }
        bool a_hundred = teq(d, i, "a") && teq(d, i + 1, "hundred");
        if (!tm(d, i, M(NUM)) && !a_hundred)
            continue;
        int32_t cur = 0;
        int j = a_hundred ? i + 1 : i;
        bool any = false;
        while (j < d->n && tm(d, j, M(NUM))) {
            bool digits = is_digit((unsigned char)d->t[j].w[0]);
            int32_t v = d->t[j].num;
            if (!digits) {
                const lex_entry_t *e = lexicon_find(d->t[j].w, d->t[j].n);
                v = e ? e->value : 0;
            }
            if (any && digits)
                break;
            if (v == 100 && !digits && (!any || cur < 10))
                cur = (any ? cur : 1) * 100;
            else if (!any)
                cur = v;
            else if (cur % 100 == 0 && v < 100)
                cur += v;
            else if (cur % 10 == 0 && cur % 100 != 0 && v < 10)
                cur += v;
            else if (cur == 1 && j == i + 1 && teq(d, i, "one") && !digits && v >= 10 && v < 100 &&
                     same_clause(d, i, j))
                cur = 100 + v; /* "one twelve": 112, as people say temperatures */
            else
                break;
            any = true;
            j++;
            if (j + 1 < d->n && (teq(d, j, "and") || teq(d, j, "y")) && tm(d, j + 1, M(NUM)) &&
                same_clause(d, j, j + 1) && cur >= 20)
                j++;
        }
        if (!any)
            continue;
        if (tm(d, j - 1, M(AND)))
            j--;
        if (tm(d, i - 1, M(MINUS)))
            cur = -cur;
        d->t[i].num = cur;
        d->t[i].numlen = (uint8_t)(j - i > 255 ? 255 : j - i);
        d->t[i].m |= M(NUM);
        for (int q = i + 1; q < j; q++)
            d->t[q].m &= ~M(NUM);
        i = j - 1;
    }
}

/* Words whose meaning depends on their neighbours. */
static void fix_meanings(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        tok_t *t = &d->t[i];
        /* "smoke detector", "alarma de humo", "fire alarm": alarms, not smoke or fire. */
        if (t->k & (K(SMOKE) | K(FIRE) | K(FLAME))) {
            int j = i + 1;
            while (j < d->n && (tm(d, j, M(AND)) || tk(d, j, K(CO))) && j < i + 3)
                j++;
            bool alarm_after = tk(d, j, K(ALARM));
            bool alarm_before =
                (tm(d, i - 1, M(DE)) && tk(d, i - 2, K(ALARM))) ||
                (teq(d, i - 1, "contra") && (tk(d, i - 2, K(ALARM)) || tk(d, i - 3, K(ALARM)))) ||
                (tm(d, i - 1, M(DE)) && tm(d, i - 2, M(AND)) && tk(d, i - 4, K(ALARM)));
            if (alarm_after || alarm_before)
                t->k &= ~(K(SMOKE) | K(FIRE) | K(FLAME));
        }
        if (t->k & K(FIRE)) {
            if (tin(d, i + 1, w_fire_not))
                t->k &= ~K(FIRE);
            else if (tin(d, i - 1, w_fire_prev) || tin(d, i + 1, w_fire_next))
                t->k |= K(FLAME);
        }
        if ((t->k & K(FLAME)) && teq(d, i, "llamas") && tin(d, i - 1, w_pron))
            t->k &= ~K(FLAME);
        if ((t->k & K(FLAME)) &&
            (teq(d, i + 1, "sensor") || teq(d, i + 1, "rod") || teq(d, i + 1, "color") ||
             teq(d, i + 1, "colour") || teq(d, i - 1, "pilot")))
            t->k &= ~K(FLAME);
        if ((t->k & K(SPARK)) && (teq(d, i + 1, "plug") || teq(d, i + 1, "plugs")))
            t->k &= ~K(SPARK);
        if ((t->k & K(FLOODW)) &&
            (teq(d, i + 1, "light") || teq(d, i + 1, "lights") || teq(d, i + 1, "zone") ||
             teq(d, i + 1, "insurance") || teq(d, i + 1, "plain") || teq(d, i + 1, "lamp")))
            t->k &= ~(K(FLOODW) | K(GUSH));
        if ((t->k & K(COLD)) && teq(d, i, "ice") && !teq(d, i + 1, "storm") &&
            !teq(d, i + 1, "storms"))
            t->k &= ~K(COLD);
        if ((t->k & K(BURST)) && (teq(d, i + 1, "proof") || teq(d, i + 1, "resistant"))) {
            t->k &= ~K(BURST);
            t->m |= M(ROUTINE);
        }
        if ((t->k & K(BURST)) && teq(d, i - 1, "mini")) {
            t->k &= ~K(BURST);
            t->k |= K(COOLAPP);
        }
        /* "co" is carbon monoxide next to an alarm, a reading or "poisoning". */
        if (teq(d, i, "co") && !tk(d, i + 1, K(ALARM) | K(SOUND)) && !tk(d, i - 1, K(CO)) &&
            !teq(d, i - 1, "says") && !teq(d, i - 1, "dice") && !teq(d, i - 1, "reads") &&
            !tin(d, i + 1, w_gadget) && !(tm(d, i - 1, M(DE)) && tk(d, i - 2, K(ALARM))) &&
            !tk(d, i + 2, K(ALARM)) && !teq(d, i + 1, "levels") && !teq(d, i + 1, "level") &&
            !teq(d, i + 1, "poisoning"))
            t->k &= ~K(CO);
        /* "heat wave", "emergency heat", "heat pump", "heat lamp". */
        if (teq(d, i, "heat")) {
            if (tin(d, i + 1, w_heat_wx)) {
                t->k = K(HEATWX);
            } else if (teq(d, i - 1, "emergency") || teq(d, i - 1, "aux") ||
                       teq(d, i - 1, "auxiliary")) {
                t->k = 0;
            } else if (teq(d, i + 1, "lamp") || teq(d, i + 1, "lamps")) {
                t->k = K(OUTLET);
            } else if (teq(d, i + 1, "pump") || teq(d, i + 1, "pumps")) {
                t->k |= K(COOLAPP);
            } else if (teq(d, i + 1, "stroke") || teq(d, i + 1, "exhaustion")) {
                t->k = K(HEATILL);
            }
        }
        /* "no tenemos calor en la casa", "sin calor": the heating, not the weather. */
        if ((t->k & K(CALOR)) &&
            (teq(d, i - 1, "sin") || teq(d, i - 2, "sin") ||
             ((tm(d, i - 2, M(NEG)) || tm(d, i - 3, M(NEG))) &&
              (teq(d, i - 1, "tenemos") || teq(d, i - 1, "hay") || teq(d, i - 1, "tengo") ||
               teq(d, i - 1, "tienen") || teq(d, i - 1, "da") || teq(d, i - 1, "sale")))))
            t->k |= K(HEATAPP);
        if ((t->k & K(CALOR)) && (teq(d, i - 2, "ola") || teq(d, i - 2, "alerta") ||
                                  teq(d, i - 2, "onda") || teq(d, i - 2, "aviso")))
            t->k |= K(HEATWX);
        /* "water heater", "calentador de agua", "hot water tank"; the water in them is not loose
         * water. "calentador" alone is a water heater for a plumber, a heater otherwise. */
        if (t->k & K(HEATER)) {
            bool water_before =
                tk(d, i - 1, K(WATER)) || (tk(d, i - 2, K(WATER)) && tk(d, i - 1, K(HOT)));
            bool water_after = tm(d, i + 1, M(DE)) && tk(d, i + 2, K(WATER));
            if (water_before || water_after) {
                t->k |= K(WH);
                if (water_before)
                    d->t[i - 1].k &= ~K(WATER);
                if (water_after)
                    d->t[i + 2].k &= ~K(WATER);
            } else if (tin(d, i - 1, w_heater_other) ||
                       (tm(d, i + 1, M(DE)) && tin(d, i + 2, w_heater_other))) {
                t->k |= K(HEATAPP);
            } else if (d->industry == ACT_EMG_IND_PLUMBING) {
                t->k |= K(WH);
            } else {
                t->k |= K(HEATAPP);
            }
        }
        if ((teq(d, i, "tank") || teq(d, i, "tanque")) &&
            ((tk(d, i - 1, K(WATER)) && tk(d, i - 2, K(HOT))) ||
             (tm(d, i + 1, M(DE)) && tk(d, i + 2, K(WATER)) && tk(d, i + 3, K(HOT))))) {
            t->k |= K(WH) | K(FUEL);
            d->t[tk(d, i - 1, K(WATER)) ? i - 1 : i + 2].k &= ~K(WATER);
        }
        /* "the tank in the garage is pouring water" to a plumber: the water heater, unless the
         * call is about a toilet, septic, well or fuel tank. */
        if ((teq(d, i, "tank") || teq(d, i, "tanque")) && !(t->k & K(WH)) &&
            d->industry == ACT_EMG_IND_PLUMBING && !tank_other(d, i))
            t->k |= K(WH);
        if ((t->k & K(WATER)) && (tk(d, i - 1, K(HOT)) || tk(d, i + 1, K(HOT))))
            t->hotwater = 1;
        /* "power line", "service lines", "los cables de luz". */
        if ((teq(d, i, "line") || teq(d, i, "lines")) &&
            (tk(d, i - 1, K(ELEC)) || teq(d, i - 1, "service") || teq(d, i - 1, "utility") ||
             teq(d, i - 1, "overhead") || teq(d, i - 1, "electric"))) {
            t->k &= ~K(PIPE);
            t->k |= K(WIRE);
        }
        /* "the storm knocked the line off the house ... it's still live": a service wire. */
        if ((teq(d, i, "line") || teq(d, i, "lines")) && !(t->k & K(WIRE)) &&
            !tk(d, i - 1, K(GAS) | K(WATER) | K(SEWAGE) | K(DRAINFIX) | K(PIPE) | K(FUEL)) &&
            !teq(d, i - 1, "ice") && !teq(d, i - 1, "main") && !teq(d, i - 1, "refrigerant") &&
            !teq(d, i - 1, "condensate")) {
            for (int j = i - 8; j <= i + 14; j++) {
                if (j != i && same_sent(d, i, j) &&
                    (teq(d, j, "live") || teq(d, j, "pole") || teq(d, j, "poste") ||
                     tk(d, j, K(SPARK)))) {
                    t->k &= ~K(PIPE);
                    t->k |= K(WIRE);
                    break;
                }
            }
        }
        /* "going off", "went off", "set off": an alarm sounding. */
        if ((t->m & M(OFF)) && (tm(d, i - 1, M(GOV)) || teq(d, i - 1, "set") ||
                                (tm(d, i - 2, M(GOV)) && teq(d, i - 1, "to"))))
            t->k |= K(SOUND);
        /* "coming up", "bubbling up": rising through a drain. */
        if ((t->m & M(UP)) && (tk(d, i - 1, K(RUN)) || tk(d, i - 1, K(BUBBLE)) ||
                               teq(d, i - 1, "come") || teq(d, i - 1, "backs")))
            t->k |= K(BACKUP);
        if ((t->m & M(UP)) && teq(d, i - 1, "throwing"))
            t->k |= K(SYMPT) | K(HEATILL);
        /* "this has been a total headache" is not a symptom; "she has a headache" is. */
        if ((t->k & K(SYMPT)) && t->n >= 8 && memcmp(t->w, "headache", 8) == 0) {
            for (int j = i - 1; j >= i - 3 && j >= 0; j--) {
                if (teq(d, j, "has") || teq(d, j, "have") || teq(d, j, "had") || teq(d, j, "got") ||
                    teq(d, j, "getting") || teq(d, j, "gets") || teq(d, j, "with") ||
                    teq(d, j, "tiene") || teq(d, j, "tengo"))
                    break;
                if (teq(d, j, "is") || teq(d, j, "s") || teq(d, j, "been") || teq(d, j, "was") ||
                    teq(d, j, "total") || teq(d, j, "real") || teq(d, j, "such") ||
                    teq(d, j, "huge") || teq(d, j, "what") || teq(d, j, "being")) {
                    t->k &= ~K(SYMPT);
                    break;
                }
            }
        }
        /* Spanish-speaking callers to a plumber mean the water heater by "el boiler". */
        if ((teq(d, i, "boiler") || teq(d, i, "boila") || teq(d, i, "boilers") ||
             teq(d, i, "boyler")) &&
            d->industry == ACT_EMG_IND_PLUMBING)
            t->k |= K(WH);
        if ((teq(d, i, "unit") || teq(d, i, "units")) &&
            (teq(d, i - 1, "window") || teq(d, i - 1, "ac") || teq(d, i - 1, "wall")))
            t->k |= K(COOLAPP);
        /* Burning toast set the alarm off; "smells like burnt toast" is a burning smell. */
        if (teq(d, i, "toast") && near_m(d, i, -3, -1, M(LIKE)) < 0)
            t->m |= M(FALSEAL);
        /* "in the low twenties", "mid twenties tonight": freezing Fahrenheit. */
        if (teq(d, i, "twenties") &&
            (teq(d, i - 1, "low") || teq(d, i - 1, "mid") || teq(d, i - 1, "the")))
            t->k |= K(COLD);
        /* "single digits out", "in the low teens": freezing. */
        if ((teq(d, i, "digits") && teq(d, i - 1, "single")) ||
            (teq(d, i, "teens") && (teq(d, i - 1, "the") || teq(d, i - 1, "low"))))
            t->k |= K(COLD);
        /* "the electric meter", "the meter box": electrical equipment, like a panel. */
        if ((t->k & K(METER)) &&
            (tk(d, i - 1, K(ELEC)) || teq(d, i + 1, "box") || teq(d, i + 1, "base") ||
             teq(d, i + 1, "socket") || (tm(d, i + 1, M(DE)) && tk(d, i + 2, K(ELEC)))))
            t->k |= K(PANEL);
        /* "water all over the floor". */
        if (teq(d, i, "over") && teq(d, i - 1, "all"))
            t->k |= K(SPREAD);
        /* "otra vez", "once again", "de nuevo": it is happening again, now. */
        if ((teq(d, i, "vez") && teq(d, i - 1, "otra")) ||
            (teq(d, i, "again") && teq(d, i - 1, "once")))
            t->m = M(STILL);
        /* "dolor de cabeza", "my head hurts", "feel better outside". */
        if ((t->k & K(HEAD)) && (near_m(d, i, -3, 3, M(PAIN)) >= 0))
            t->k |= K(SYMPT);
        if ((t->m & M(BETTER)) && near_m(d, i, -4, 4, M(OUTSIDE) | M(OUT)) >= 0)
            t->k |= K(SYMPT);
        /* "toque" alone is a touch; "me dio un toque" is a shock. */
        if ((t->k & K(SHOCK)) && teq(d, i, "toque") &&
            !(teq(d, i - 1, "un") || teq(d, i - 1, "me") || teq(d, i - 1, "nos") ||
              teq(d, i - 1, "le") || teq(d, i - 1, "da") || teq(d, i - 1, "dio")))
            t->k &= ~K(SHOCK);
        /* "me da corriente", "me pasó la electricidad", "le dio la luz": a shock. */
        if ((teq(d, i, "corriente") || teq(d, i, "electricidad") || teq(d, i, "luz")) &&
            (tin(d, i - 1, w_shock_verb) ||
             (tin(d, i - 1, w_art) && tin(d, i - 2, w_shock_verb) && tin(d, i - 3, w_pron))))
            t->k |= K(SHOCK);
        /* STT spells CO out: "the see oh alarm", "c o detector". */
        if (((teq(d, i, "oh") && teq(d, i - 1, "see")) || (teq(d, i, "o") && teq(d, i - 1, "c"))) &&
            (tk(d, i + 1, K(ALARM)) || tk(d, i + 2, K(ALARM))))
            t->k |= K(CO);
        /* "pins and needles in my hand when I touch the oven", "siento cosquillas cuando toco el
         * refri": a shock told as a feeling. */
        if ((t->m & M(FEEL)) && (!teq(d, i, "pins") || teq(d, i + 2, "needles")) &&
            (near_m(d, i, -8, 8, M(BODY)) >= 0 || near_tin(d, i, -8, 8, w_touch)) &&
            (near_k(d, i, -10, 10,
                    K(OUTLET) | K(PIPE) | K(FUEL) | K(DRAINFIX) | K(PANEL) | K(WIRE) | K(COOLAPP) |
                        K(HEATAPP) | K(WH) | K(STOVE)) >= 0 ||
             near_tin(d, i, -10, 10, w_appliance)) &&
            near_m(d, i, -12, 12, M(STATIC)) < 0)
            t->k |= K(SHOCK);
        /* "coming down the stairs", "bajando por las escaleras": water on the move through the
         * home. */
        if ((teq(d, i, "stairs") || teq(d, i, "staircase") || teq(d, i, "steps") ||
             teq(d, i, "escaleras")) &&
            (teq(d, i - 2, "down") || teq(d, i - 1, "down") || teq(d, i - 2, "por")))
            t->k |= K(SPREAD);
        /* "the co thingy", "el aparatito del co": the detector. */
        if (teq(d, i, "co") && tin(d, i + 1, w_gadget))
            d->t[i + 1].k |= K(ALARM);
        /* "the detector is going crazy", "se volvió loca la alarma": sounding. */
        if ((teq(d, i, "crazy") && tm(d, i - 1, M(GOV))) ||
            ((teq(d, i, "loca") || teq(d, i, "loco")) && teq(d, i - 1, "volvio")))
            t->k |= K(SOUND);
        /* "not sure", "no idea", "no sé si": uncertainty, not negation. */
        if ((t->m & M(NEG)) &&
            (tin(d, i + 1, w_unsure) ||
             (teq(d, i + 1, "se") &&
              (teq(d, i + 2, "si") || teq(d, i + 2, "que") || teq(d, i + 2, "por") ||
               teq(d, i + 2, "como") || teq(d, i + 2, "donde") || teq(d, i + 2, "cuando"))) ||
             (teq(d, i + 1, "just") || teq(d, i + 1, "only") || teq(d, i + 1, "solo") ||
              teq(d, i + 1, "nomas")) ||
             (i + 1 < d->n && !same_clause(d, i, i + 1)) || i + 1 == d->n))
            t->m &= ~M(NEG);
        /* "won't stop", "no para", "sin parar", "can't shut it off", "no se calla": it goes on. */
        if (t->m & M(NEG)) {
            int j = i + 1;
            if (teq(d, j, "se") || teq(d, j, "de") || teq(d, j, "lo") || teq(d, j, "la"))
                j++;
            if (tin(d, j, w_can))
                j++;
            if (tm(d, j, M(STOP)) || tin(d, j, w_stopverb) || teq(d, j, "calla") ||
                teq(d, j, "apaga") || teq(d, j, "quit") || teq(d, j, "quits") ||
                (teq(d, j, "turn") && teq(d, j + 1, "off"))) {
                t->m &= ~M(NEG);
                t->m |= M(STILL);
            }
            if (teq(d, i + 1, "longer") || teq(d, i + 1, "more")) {
                t->m &= ~M(NEG);
                t->m |= M(GONE);
            }
        }
        /* "si" is "if" only before a clause; "sí, claro" and "creo que sí" are yes. */
        if (teq(d, i, "si") &&
            (i + 1 >= d->n || !same_clause(d, i, i + 1) || tin(d, i + 1, w_si_not) ||
             tin(d, i - 1, w_si_prev) || (teq(d, i - 1, "se") && tm(d, i - 2, M(NEG))) ||
             /* "los vecinos sí tienen luz", "ellos sí": yes, after a subject. */
             tm(d, i - 1, M(NEIGH)) || tin(d, i - 1, w_subject)))
            t->m &= ~M(HYPO);
        if (teq(d, i, "if") && tin(d, i - 1, w_notif))
            t->m &= ~M(HYPO);
        if ((teq(d, i, "case") || teq(d, i, "caso")) && !teq(d, i - 1, "in") &&
            !teq(d, i - 1, "en") && !teq(d, i - 1, "just"))
            t->m &= ~M(HYPO);
        /* Tokens made of hissing: "ssss", "shhhh". */
        if (t->n >= 3) {
            bool hiss = true;
            for (int j = 0; j < t->n; j++)
                hiss = hiss && (t->w[j] == 's' || (j > 0 && t->w[j] == 'h'));
            if (hiss)
                t->k |= K(HISS);
        }
        if (teq(d, i, "exhaust") || teq(d, i, "flue") || teq(d, i, "escape"))
            t->k |= K(FUEL);
        /* "se bajó el breaker", "el brequer se cayó": tripped. */
        if ((teq(d, i, "bajo") || teq(d, i, "cayo") || teq(d, i, "boto")) && teq(d, i - 1, "se") &&
            near_k(d, i, -4, 4, K(PANEL)) >= 0) {
            t->m &= ~M(BELOW);
            t->m |= M(TRIP);
        }
        /* "el agua ya pasó al cuarto", "the water reached the hallway": spreading. */
        if ((teq(d, i, "paso") || teq(d, i, "pasando") || teq(d, i, "llego") ||
             teq(d, i, "llegando") || teq(d, i, "reached") || teq(d, i, "reaching")) &&
            (teq(d, i + 1, "al") || teq(d, i + 1, "a") || teq(d, i + 1, "hasta") ||
             teq(d, i + 1, "into") || teq(d, i + 1, "the")) &&
            near_k(d, i, -4, -1, K(WATER)) >= 0)
            t->k |= K(SPREAD);
        /* "la planta de luz" is a generator. */
        if (teq(d, i, "planta") &&
            ((tm(d, i + 1, M(DE)) && tk(d, i + 2, K(ELEC))) || tk(d, i + 1, K(ELEC)) ||
             /* Caribbean "prendimos la planta": the generator. */
             ((tk(d, i - 2, K(WORK)) || tk(d, i + 1, K(WORK)) || tk(d, i + 2, K(WORK))) &&
              tin(d, i - 1, w_art))))
            t->k |= K(FUEL);
        /* "the a c went out": the air conditioner spelled out by the STT, not Celsius. */
        if (teq(d, i, "c") && teq(d, i - 1, "a") && !tm(d, i - 2, M(NUM)) && !teq(d, i - 2, "at")) {
            t->k |= K(COOLAPP);
            t->m &= ~M(TC);
        }
        /* "el termostato está fuego": slang for great, not flames. */
        if (teq(d, i, "fuego") && !tin(d, i + 1, w_fire_next) &&
            (teq(d, i - 1, "esta") || teq(d, i - 1, "es") || teq(d, i - 1, "estan") ||
             teq(d, i - 1, "puro") || teq(d, i - 1, "bien")))
            t->k &= ~(K(FLAME) | K(FIRE));
        /* "she passed out", "blacked out": a symptom, not an appliance going out. */
        if (teq(d, i, "out") && (teq(d, i - 1, "passed") || teq(d, i - 1, "pass") ||
                                 teq(d, i - 1, "passing") || teq(d, i - 1, "blacked"))) {
            t->k |= K(SYMPT) | K(HEATILL);
            t->m &= ~M(OUT);
        }
        /* "golpe de calor": heat stroke. */
        if ((t->k & K(CALOR)) && tm(d, i - 1, M(DE)) && teq(d, i - 2, "golpe"))
            t->k = K(HEATILL);
        /* "winter storm", "triple digits". */
        if ((teq(d, i, "storm") || teq(d, i, "storms")) && teq(d, i - 1, "winter"))
            t->k |= K(COLD);
        if (teq(d, i, "digits") && teq(d, i - 1, "triple"))
            t->k |= K(HEATWX);
        /* "hielo" is weather in "tormenta de hielo", "hay hielo"; not in "máquina de hielo". */
        if (teq(d, i, "hielo") && !teq(d, i - 1, "hay") &&
            !(tm(d, i - 1, M(DE)) && (teq(d, i - 2, "tormenta") || teq(d, i - 2, "lluvia"))))
            t->k &= ~K(COLD);
        /* "me dio un calambre el refri" is a shock; "tiene calambres" alone is a cramp. */
        if ((t->k & K(SHOCK)) && t->n >= 7 && memcmp(t->w, "calambr", 7) == 0 &&
            near_k(d, i, -8, 8,
                   K(OUTLET) | K(PANEL) | K(WIRE) | K(ELEC) | K(PIPE) | K(FUEL) | K(DRAINFIX) |
                       K(METER)) < 0 &&
            near_m(d, i, -8, 8, M(BODY)) < 0 && !tin(d, i + 1, w_touch) &&
            !tin(d, i + 2, w_touch) && !tin(d, i + 3, w_touch) && !tin(d, i + 4, w_touch)) {
            t->k &= ~K(SHOCK);
            t->k |= K(HEATILL);
        }
        /* "se fue la calefacción", "se nos fue el aire": it quit. */
        if (teq(d, i, "fue") &&
            (teq(d, i - 1, "se") || (teq(d, i - 2, "se") && tin(d, i - 1, w_pron))))
            t->k |= K(FAIL);
        /* "a pipe let go", "the line gave way": burst. */
        if ((teq(d, i, "go") && teq(d, i - 1, "let")) ||
            (teq(d, i, "way") && teq(d, i - 1, "gave")))
            d->t[i - 1].k |= K(BURST);
        /* "the hose popped off", "the line came loose", "blew off the valve": burst. */
        if ((tk(d, i, K(POP)) || teq(d, i, "came") || teq(d, i, "blew") || teq(d, i, "come")) &&
            (teq(d, i + 1, "off") || teq(d, i + 1, "loose") || teq(d, i + 1, "apart")))
            t->k |= K(BURST);
        /* "se ha parado", "se paró la caldera": it stopped working. */
        if ((teq(d, i, "parado") || teq(d, i, "parada") || teq(d, i, "paro")) &&
            (teq(d, i - 1, "se") || teq(d, i - 1, "ha") || teq(d, i - 1, "han")))
            t->k |= K(FAIL);
        /* A pellet, wood or kerosene stove heats the home. */
        if ((t->k & K(STOVE)) && (tin(d, i + 1, w_stove_heat) || tin(d, i - 1, w_stove_heat) ||
                                  (tm(d, i + 1, M(DE)) && tin(d, i + 2, w_stove_heat))))
            t->k |= K(HEATAPP);
        /* Southern Cone "la estufa a gas" heats the home: so on a freezing day. */
        if (teq(d, i, "estufa") && (tin(d, i + 1, w_a_gas) || near_k(d, i, -15, 15, K(COLD)) >= 0))
            t->k |= K(HEATAPP);
        /* "está perdiendo agua", "losing water": leaking. */
        if ((tpre(d, i, "perdi") || tpre(d, i, "pierde") || teq(d, i, "losing")) &&
            (tk(d, i + 1, K(WATER)) || tk(d, i + 2, K(WATER))))
            t->k |= K(LEAK);
        /* "the upstairs unit", "the outside unit": the air conditioner. */
        if ((teq(d, i, "unit") || teq(d, i, "units")) && tin(d, i - 1, w_unit_ac))
            t->k |= K(COOLAPP);
        /* Spain: "un fuego de la cocina" is a burner of the stove, "el cuadro eléctrico" and
         * "la caja de breakers" the panel. */
        if (teq(d, i, "fuego") && tm(d, i + 1, M(DE)) &&
            (teq(d, i + 2, "cocina") || (tin(d, i + 2, w_art) && teq(d, i + 3, "cocina")))) {
            t->k = K(FUEL) | K(STOVE);
        }
        if ((teq(d, i, "cuadro") || teq(d, i, "caja")) &&
            (tk(d, i + 1, K(ELEC)) || (tm(d, i + 1, M(DE)) && tk(d, i + 2, K(ELEC) | K(PANEL)))))
            t->k |= K(PANEL);
        /* "la tapa quema al tocarla", "burns to the touch": hot, not a burning smell. */
        if ((t->k & K(BURN)) &&
            ((teq(d, i + 1, "al") && tpre(d, i + 2, "toca")) ||
             (teq(d, i + 1, "to") && teq(d, i + 3, "touch")) ||
             (teq(d, i + 1, "when") && tin(d, i + 3, w_touch)) || tin(d, i + 1, w_touch))) {
            t->k &= ~K(BURN);
            t->k |= K(HOT);
        }
        /* "end of life", "fin de vida": a detector that has expired, not one that detects. */
        if ((teq(d, i, "life") && teq(d, i - 1, "of") && teq(d, i - 2, "end")) ||
            (teq(d, i, "vida") && tm(d, i - 1, M(DE)) && teq(d, i - 2, "fin")))
            t->m |= M(FALSEAL);
        /* "aguas servidas", "aguas residuales": wastewater. */
        if ((teq(d, i, "servidas") || teq(d, i, "residuales")) && teq(d, i - 1, "aguas"))
            t->k |= K(SEWAGE);
        /* "se llenó como de una neblina": smoke; "hay neblina afuera" is the weather. */
        if (teq(d, i, "neblina") && near_m(d, i, -3, -1, M(LIKE)) >= 0)
            t->k |= K(SMOKE);
        /* "the cover plate", "the switch plate": the outlet's face. */
        if ((teq(d, i, "plate") || teq(d, i, "plates")) &&
            (teq(d, i - 1, "cover") || teq(d, i - 1, "switch") || teq(d, i - 1, "wall") ||
             tk(d, i - 1, K(OUTLET))))
            t->k |= K(OUTLET);
        /* "the sewer's backing up", "back in up again": rising. */
        if ((t->m & M(UP)) &&
            (teq(d, i - 1, "back") || (teq(d, i - 1, "in") && teq(d, i - 2, "back"))))
            t->k |= K(BACKUP);
        /* "faster than I can mop it up": the water is winning. */
        if (teq(d, i, "faster") && teq(d, i + 1, "than"))
            t->m |= M(STILL);
        /* "the bill is on fire", "prices are fire": slang near money talk. */
        if ((t->k & (K(FIRE) | K(FLAME))) && near_m(d, i, -6, -1, M(ROUTINE)) >= 0 &&
            near_k(d, i, -6, 6, K(SMOKE) | K(BURN) | K(OUTLET) | K(PANEL) | K(WIRE)) < 0)
            t->k &= ~(K(FIRE) | K(FLAME));
        /* "afraid she's gonna get shocked", "miedo de que se electrocute": a fear, not a fact. */
        if (t->m & M(FEAR)) {
            for (int j = i + 1; j <= i + 5 && same_clause(d, i, j); j++) {
                if (tin(d, j, w_fear_next))
                    t->m |= M(HYPO);
            }
        }
        /* Static from a doorknob, a carpet or the cat is not a shock from the wiring. */
        if ((t->k & K(SHOCK)) &&
            (near_m(d, i, -12, 12, M(STATIC)) >= 0 ||
             /* "tingly from the cold", "por el frío" */
             ((teq(d, i + 3, "cold") || teq(d, i + 3, "frio")) &&
              (teq(d, i + 1, "from") || teq(d, i + 1, "por") || teq(d, i + 1, "del")))) &&
            near_k(d, i, -12, 12,
                   K(PIPE) | K(OUTLET) | K(PANEL) | K(WIRE) | K(DRAINFIX) | K(METER) | K(COOLAPP) |
                       K(HEATAPP) | K(WH)) < 0)
            t->k &= ~K(SHOCK);
    }
}

static const char *const w_gone_adv[] = {"totally", "completely", "all",      "already",
                                         "finally", "basically",  "entirely", NULL};

/* The call names another home or unit somewhere ("el piso de arriba", "next door"). */
static bool any_neighbor_word(const doc_t *d)
{
    for (int j = 0; j < d->n; j++) {
        if (tm(d, j, M(NEIGH) | M(PLACE) | M(RELPOS)))
            return true;
    }
    return false;
}

/* Past-time expressions, neighbour phrases and "it's over" statements. */
static void mark_context(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        tok_t *t = &d->t[i];
        /* "last winter", "el año pasado", "la semana pasada". */
        if ((t->m & M(PASTT)) && (tm(d, i + 1, M(LONGU)) || tm(d, i - 1, M(LONGU)) ||
                                  (tm(d, i + 2, M(LONGU)) && same_clause(d, i, i + 2))))
            t->pastx = 1;
        /* "two weeks ago", "years ago"; "an hour ago" is now. */
        if (teq(d, i, "ago") && near_m(d, i, -3, -1, M(LONGU)) >= 0)
            t->pastx = 1;
        if (teq(d, i, "hace") && near_m(d, i, 1, 3, M(LONGU)) >= 0)
            t->pastx = 1;
        /* "yesterday" alone is weak: a furnace that died yesterday is still dead. */
        if ((t->m & M(PASTX)) && !teq(d, i - 1, "since") && !teq(d, i - 1, "desde"))
            t->pastx = (teq(d, i, "yesterday") || teq(d, i, "ayer") || teq(d, i, "anoche")) ? 2 : 1;
        /* "last night" is weak like "yesterday": an alarm that went off last night is over, a
         * furnace that quit last night is still out. */
        if (teq(d, i, "last") && teq(d, i + 1, "night") && !teq(d, i - 1, "since"))
            t->pastx = 2;
        if ((t->m & M(LONGU)) && !teq(d, i, "time") &&
            (tm(d, i - 1, M(DURING)) || teq(d, i - 1, "in") || teq(d, i - 1, "en")))
            t->pastx = 1;
        if (teq(d, i, "back") && (tm(d, i - 1, M(LONGU)) || teq(d, i - 1, "while")))
            t->pastx = 1;
        /* "it wasn't there yesterday": new, not past. */
        if (t->pastx && near_m(d, i, -3, -1, M(NEG)) >= 0)
            t->pastx = 0;
        if ((t->m & M(USED)) && teq(d, i + 1, "to"))
            t->pastx = 1;
        if (teq(d, i, "other") && teq(d, i + 1, "day") && teq(d, i - 1, "the"))
            t->pastx = 1;
        if (teq(d, i, "back") && teq(d, i + 1, "in") && tm(d, i + 2, M(LONGU) | M(NUM)))
            t->pastx = 1;

        /* Neighbours: "the neighbor's", "next door", "two doors down", "across the street". */
        /* "la casa de enfrente" is across the street; "por enfrente" is the front of a thing. */
        if ((t->m & M(NEIGH)) && !(teq(d, i, "enfrente") && !tm(d, i - 1, M(DE))))
            t->neigh = 1;
        if ((t->m & M(PLACE)) && !teq(d, i, "door") && !teq(d, i, "doors") && !teq(d, i, "hall"))
            t->neigh = 1;
        if ((teq(d, i, "door") && teq(d, i - 1, "next")) ||
            (teq(d, i, "doors") && teq(d, i + 1, "down")) ||
            (teq(d, i, "hall") && (teq(d, i - 2, "across") || teq(d, i - 2, "down"))))
            t->neigh = 1;
        if ((teq(d, i, "other") || teq(d, i, "another") || teq(d, i, "otro") ||
             teq(d, i, "otra")) &&
            (teq(d, i + 1, "building") || teq(d, i + 1, "house") || teq(d, i + 1, "unit") ||
             teq(d, i + 1, "edificio") || teq(d, i + 1, "casa") || teq(d, i + 1, "apartment")))
            t->neigh = 1;
        /* "the house behind us", "the apartment below ours", "the unit upstairs". */
        if ((teq(d, i, "house") || teq(d, i, "building") || teq(d, i, "unit") ||
             teq(d, i, "apartment") || teq(d, i, "condo") || teq(d, i, "townhouse") ||
             teq(d, i, "casa") || teq(d, i, "edificio") || teq(d, i, "departamento") ||
             teq(d, i, "apartamento") || teq(d, i, "units") || teq(d, i, "houses")) &&
            (tm(d, i + 1, M(RELPOS)) || (tm(d, i + 1, M(DE)) && tm(d, i + 2, M(RELPOS)))) &&
            !tm(d, i - 1, M(OWN)))
            t->neigh = 1;
        if (teq(d, i, "lado") && teq(d, i - 1, "al") && tm(d, i - 2, M(DE)) &&
            (teq(d, i - 3, "casa") || teq(d, i - 3, "departamento") || teq(d, i - 3, "edificio") ||
             teq(d, i - 3, "los") || teq(d, i - 3, "apartamento"))) {
            /* The whole phrase is the neighbour's: "en el edificio de al lado" is not the
             * caller's building. */
            for (int j = i - 3; j <= i; j++)
                d->t[j].neigh = 1;
        }
        /* "little sprouts daycare on fourth street": the caller's own address. */
        if ((teq(d, i, "street") || teq(d, i, "avenue") || teq(d, i, "road")) &&
            (teq(d, i - 2, "on") || teq(d, i - 2, "at")) && !tin(d, i - 1, w_art) &&
            !teq(d, i - 1, "same") && !teq(d, i - 1, "our"))
            t->neigh = 0;
        /* "a nosotros no nos ha llegado nada", "it hasn't reached us", "nothing came through
         * to us": the caller says the problem elsewhere has not reached their home. */
        if ((teq(d, i, "llegado") || teq(d, i, "llego") || teq(d, i, "reached") ||
             teq(d, i, "afectado") || teq(d, i, "affected")) &&
            near_m(d, i, -4, -1, M(NEG)) >= 0 &&
            (teq(d, i - 1, "nos") || teq(d, i - 2, "nos") || teq(d, i + 1, "us") ||
             teq(d, i + 1, "nosotros") || teq(d, i + 1, "ours")))
            d->not_reached = any_neighbor_word(d);

        /* "it's fixed", "ya quedó", "everything's dry", "the smell is gone", "it's been fine". */
        if ((t->m & M(RESOLV)) && !tin(d, i - 1, w_not_request) && !tin(d, i - 2, w_not_request)) {
            if (!teq(d, i, "quedo") || tm(d, i - 1, M(YA)))
                t->resolv = 1;
        }
        /* ... also "the smell's totally gone", "it's all gone now". */
        int gb = (t->m & M(GONE)) && tin(d, i - 1, w_gone_adv) ? i - 2 : i - 1;
        if ((t->m & M(GONE)) &&
            (tm(d, gb, M(IT)) || tk(d, gb, K(SMELL) | K(SMOKE) | K(WATER) | K(LEAK)) ||
             teq(d, gb, "is") || teq(d, gb, "has") || teq(d, gb, "s") || tm(d, i, M(NEG))))
            t->resolv = 1;
        if ((t->m & M(GOV)) && teq(d, i + 1, "away"))
            t->resolv = 1;
        if ((t->m & M(DRY)) &&
            (near_m(d, i, -3, -1, M(IT)) >= 0 || teq(d, i + 1, "out") || teq(d, i + 1, "up") ||
             teq(d, i - 1, "bone") || teq(d, i - 1, "totally") || teq(d, i - 1, "completely") ||
             teq(d, i - 1, "seco") || (teq(d, i - 1, "se") && tm(d, i - 2, M(YA)))))
            t->resolv = 1;
        if (teq(d, i, "seco") && teq(d, i - 1, "se"))
            t->resolv = 1;
        /* "the levels were zero", "los niveles salieron normales": measured and clear. */
        if ((teq(d, i, "zero") || teq(d, i, "cero") || teq(d, i, "normal") ||
             teq(d, i, "normales")) &&
            (near_m(d, i, -4, -1, M(NEG)) < 0) &&
            (teq(d, i - 2, "levels") || teq(d, i - 2, "level") || teq(d, i - 2, "readings") ||
             teq(d, i - 2, "niveles") || teq(d, i - 3, "levels") || teq(d, i - 3, "niveles") ||
             teq(d, i - 1, "read") || teq(d, i - 1, "reads")))
            t->resolv = 1;
        if ((t->m & M(FINE)) && (near_m(d, i, -2, -1, M(IT)) >= 0 || tm(d, i + 1, M(NOW)) ||
                                 (teq(d, i, "bien") && tm(d, i - 2, M(YA)))))
            t->resolv = 1;
        if ((t->m & M(STOP)) && !tk(d, i + 1, K(WORK)) &&
            near_k(d, i, -3, 3, K(HEATAPP) | K(COOLAPP)) < 0 &&
            (tk(d, i + 1,
                K(LEAK) | K(SPARK) | K(SMOKE) | K(DRIP) | K(SOUND) | K(GUSH) | K(SMELL) | K(BURN) |
                    K(RUN)) ||
             (tm(d, i + 1, M(DE)) && tk(d, i + 2,
                                        K(LEAK) | K(SPARK) | K(SMOKE) | K(DRIP) | K(SOUND) |
                                            K(GUSH) | K(SMELL) | K(RUN))) ||
             tm(d, i - 1, M(IT) | M(YA)) || teq(d, i - 1, "then") || teq(d, i - 1, "luego") ||
             tk(d, i - 1, K(LEAK) | K(WATER) | K(SMELL) | K(SMOKE) | K(SPARK) | K(ALARM))))
            t->resolv = 1;
        /* "la tiré a la basura", "threw it out", "got rid of it"; "desde entonces nada",
         * "nothing since". */
        if ((teq(d, i, "basura") && (teq(d, i - 1, "la") || teq(d, i - 1, "al"))) ||
            ((teq(d, i, "threw") || teq(d, i, "tossed") || teq(d, i, "thrown")) &&
             (teq(d, i + 1, "away") || teq(d, i + 1, "out") || teq(d, i + 2, "away") ||
              teq(d, i + 2, "out"))) ||
            (teq(d, i, "rid") && teq(d, i - 1, "got")) ||
            ((teq(d, i, "nada") || teq(d, i, "nothing")) &&
             ((teq(d, i - 1, "entonces") && teq(d, i - 2, "desde")) ||
              (teq(d, i - 1, "then") && teq(d, i - 2, "since")) || teq(d, i + 1, "since"))))
            t->resolv = 1;
        if ((teq(d, i, "turned") && teq(d, i + 1, "out")) || teq(d, i, "resulto") ||
            (teq(d, i, "taken") && teq(d, i + 1, "care")) ||
            (teq(d, i, "quito") && teq(d, i - 1, "se")) ||
            (teq(d, i, "fue") && teq(d, i - 1, "se") && tk(d, i - 2, K(SMELL) | K(SMOKE))))
            t->resolv = 1;
        if ((t->m & M(YA)) && tm(d, i + 1, M(NEG)) &&
            tk(d, i + 2,
               K(RUN) | K(SMELL) | K(SOUND) | K(GUSH) | K(LEAK) | K(DRIP) | K(SPARK) | K(SMOKE) |
                   K(WATER) | K(BURN))) {
            t->resolv = 1;
            d->t[i + 1].m &= ~M(NEG);
        }
        if ((t->m & M(GONE)) && teq(d, i - 1, "no"))
            t->resolv = 1;
        if (teq(d, i, "good") && teq(d, i - 1, "all"))
            t->resolv = 1;
        /* "it's not going away", "no se ha secado": still going. */
        if (t->resolv && (tm(d, i - 1, M(NEG)) || (tm(d, i - 2, M(NEG)) && !tm(d, i - 1, M(YA)))) &&
            !((t->m & M(GONE)) && teq(d, i - 1, "no"))) {
            t->resolv = 0;
            t->m |= M(STILL);
        }
        /* "ours is bone dry", "our unit is fine", "we're fine over here". */
        if ((t->m & (M(FINE) | M(DRY))) &&
            (near_m(d, i, -4, -1, M(OWN)) >= 0 || teq(d, i - 2, "we") || teq(d, i - 1, "were")))
            d->unaffected = true;
    }
}

/* -------------------------------------------------------------- detectors */

/* dst = a + b, truncated to size - 1 bytes. */
static void join2(char *dst, size_t size, const char *a, const char *b)
{
    size_t n = 0;
    for (const char *p = a; *p && n + 1 < size; p++)
        dst[n++] = *p;
    for (const char *p = b; *p && n + 1 < size; p++)
        dst[n++] = *p;
    dst[n] = '\0';
}

static void cue_add(doc_t *d, act_emg_category_t cat, int key, int lo, int strength, int flags,
                    const char *label)
{
    for (int i = 0; i < d->ncue; i++) {
        if (d->cue[i].cat == cat && d->cue[i].key == key)
            return;
    }
    if (d->ncue >= MAX_CUE)
        return;
    cue_t *c = &d->cue[d->ncue++];
    memset(c, 0, sizeof *c);
    c->cat = cat;
    c->key = key;
    c->lo = lo < key ? lo : key;
    c->strength = (uint8_t)strength;
    c->flags = (uint8_t)flags;
    join2(c->label, sizeof c->label, "", label);
}

static int appliance_failed(const doc_t *d, int a, uint64_t app);
static bool negated_at(const doc_t *d, int key);

/* "the water smells like rotten eggs": the smell is the water's (a water-quality problem). */
static bool water_is_smelling(const doc_t *d, int smell)
{
    for (int j = smell - 1; j >= smell - 8 && j >= 0 && same_clause(d, j, smell); j--) {
        if (tk(d, j, K(WATER)) || d->t[j].hotwater || (teq(d, j, "side") && tk(d, j - 1, K(HOT))))
            return true;
        if (tk(d, j, K(FUEL) | K(GAS) | K(METER) | K(STOVE)))
            return false;
    }
    return false;
}

static const char *const w_usual[] = {"first",    "every",  "each",    "normal", "always",
                                      "usually",  "season", "siempre", "cada",   "primera",
                                      "normales", "new",    "nuevo",   "nueva",  NULL};

/* "smells funny the first time it runs every fall, is that normal": a routine question. */
static bool smell_is_routine(const doc_t *d, int i)
{
    for (int j = i - 14; j <= i + 14; j++) {
        if (same_sent(d, i, j) && tin(d, j, w_usual))
            return true;
    }
    return false;
}

/* A gas line or meter named, and not in a denial ("no a gas", "not gas"). */
static bool any_live_gas(const doc_t *d)
{
    for (int j = 0; j < d->n; j++) {
        if (tk(d, j, K(METER) | K(GAS)) && !negated_at(d, j))
            return true;
    }
    return false;
}

static const char *const w_musty[] = {"humedad", "moho",      "mold",   "mildew",  "musty",
                                      "damp",    "encerrado", "mouse",  "animal",  "rata",
                                      "raton",   "perfume",   "paint",  "pintura", "stuffy",
                                      "humid",   "humedo",    "sweaty", NULL};

/* "huele raro, como a humedad": the caller names what the odd smell is, and it is not gas. */
static bool smell_explained(const doc_t *d, int i)
{
    for (int j = i - 6; j <= i + 12; j++) {
        if (same_sent(d, i, j) && tin(d, j, w_musty))
            return true;
    }
    return false;
}

static void detect_gas(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        if (tk(d, i, K(SMELL))) {
            int g = near_k(d, i, -3, 6, K(GAS));
            /* "la manguera del gas está chillando y huele fuertísimo": the gas named a few words
             * before the smell, when nothing burning is named instead. */
            if (g < 0 && near_k(d, i, -7, 8, K(BURN) | K(SMOKE) | K(MELT) | K(SEWAGE)) < 0) {
                int g2 = near_k(d, i, -7, -4, K(GAS));
                if (g2 >= 0 && !negated_at(d, g2))
                    g = g2;
            }
            if (g >= 0 && (tk(d, g - 1, K(SEWAGE)) || tk(d, g - 2, K(SEWAGE))))
                g = -1;
            int o = near_k(d, i, -3, 7, K(GASODOR));
            if (g >= 0) {
                cue_add(d, ACT_EMG_GAS_LEAK, i, g, 3, 0, "gas smell");
            } else if (o >= 0 && water_is_smelling(d, i)) {
                /* Rotten eggs in the hot water: a water-quality problem, not gas in the air. */
                cue_add(d, ACT_EMG_GAS_LEAK, i, o, 1, 0, "rotten-egg smell in the water");
                d->cue[d->ncue - 1].status = ST_NOTE;
            } else if (o >= 0) {
                cue_add(d, ACT_EMG_GAS_LEAK, i, o, 3, 0, "rotten-egg/sulfur smell");
            } else if (near_m(d, i, -4, 6, M(WEIRD)) >= 0 && any_live_gas(d) &&
                       !smell_explained(d, i)) {
                cue_add(d, ACT_EMG_GAS_LEAK, i, i, 1, 0, "odd smell by the gas line");
            } else if (near_m(d, i, -4, 6, M(WEIRD)) >= 0 && near_k(d, i, -10, 10, K(FUEL)) >= 0 &&
                       near_k(d, i, -12, 12,
                              K(BURN) | K(SMOKE) | K(MELT) | K(ELEC) | K(SEWAGE) | K(DRAINFIX) |
                                  K(DIRTY) | K(WATER)) < 0 &&
                       near_m(d, i, -12, 12, M(FALSEAL)) < 0 && !smell_is_routine(d, i)) {
                /* "the stove smells funny", "la estufa huele raro": a gas appliance's odd smell. */
                cue_add(d, ACT_EMG_GAS_LEAK, i, i, 1, 0, "odd smell at a gas appliance");
            } else if (near_m(d, i, 1, 3, M(LIKE)) >= 0 && near_k(d, i, 1, 10, K(STOVE)) >= 0 &&
                       near_k(d, i, -4, 10, K(BURN) | K(SMOKE) | K(MELT)) < 0) {
                cue_add(d, ACT_EMG_GAS_LEAK, i, i, 2, 0, "smell like an unlit stove");
            }
        }
        if (tk(d, i, K(GAS))) {
            int l = near_k(d, i, -3, 3, K(LEAK));
            if (l >= 0 && same_clause(d, i, l))
                cue_add(d, ACT_EMG_GAS_LEAK, l, i, 2, 0, "gas leak");
            int a = near_k(d, i, -3, 3, K(ALARM));
            int s = a >= 0 ? near_k(d, a, -4, 8, K(SOUND)) : -1;
            if (s >= 0)
                cue_add(d, ACT_EMG_GAS_LEAK, s, i, 2, CF_ALARM, "gas detector sounding");
        }
        if (tk(d, i, K(HISS))) {
            if (near_k(d, i, -8, 8, K(GAS) | K(METER)) >= 0 || near_k(d, i, -12, 12, K(SMELL)) >= 0)
                cue_add(d, ACT_EMG_GAS_LEAK, i, i, 2, 0, "hissing gas");
            /* "hissing behind the dryer where the flex line connects": a fuel appliance or its
             * connector hisses; a water line that hisses sprays water instead. */
            else if (near_k(d, i, -10, 12, K(FUEL) | K(PIPE)) >= 0 &&
                     near_k(d, i, -12, 12, K(WATER) | K(DRIP) | K(GUSH) | K(WH)) < 0)
                cue_add(d, ACT_EMG_GAS_LEAK, i, i, 2, 0, "hissing at a gas appliance");
        }
        /* "the gas hose is squealing", "la manguera del gas está chillando". */
        if (tk(d, i, K(SOUND)) &&
            (teq(d, i, "chillando") || teq(d, i, "chilla") || tpre(d, i, "squeal") ||
             tpre(d, i, "whistl")) &&
            clause_k(d, i, -5, 3, K(GAS)) >= 0 && clause_k(d, i, -5, 5, K(ALARM)) < 0)
            cue_add(d, ACT_EMG_GAS_LEAK, i, i, 2, 0, "gas line squealing");
        if (tk(d, i, K(BUBBLE)) && near_k(d, i, -15, 15, K(METER) | K(GAS)) >= 0)
            cue_add(d, ACT_EMG_GAS_LEAK, i, i, 1, 0, "bubbling over the gas line");
    }
}

static const char *const w_chirp_every[] = {"cada", "every", "once", "each", NULL};
static const char *const w_chirp_unit[] = {"ratito", "rato",    "minute",   "minutes", "seconds",
                                           "minuto", "minutos", "segundos", "hour",    "hora",
                                           "few",    "so",      "couple",   NULL};

/* An alarm sound described as a periodic short beep: a low-battery chirp, not an alarm. */
static bool chirp_like(const doc_t *d, int s)
{
    for (int j = s - 2; j <= s + 8; j++) {
        if (!same_sent(d, s, j))
            continue;
        if (tin(d, j, w_chirp_every) &&
            (tin(d, j + 1, w_chirp_unit) || tin(d, j + 2, w_chirp_unit)))
            return true;
        if (teq(d, j, "cortito") || teq(d, j, "cortitos") || teq(d, j, "corto"))
            return true;
        /* "de vez en cuando", "once in a while", "every so often", "now and then". */
        if ((teq(d, j, "cuando") && teq(d, j - 2, "vez")) ||
            (teq(d, j, "while") && teq(d, j - 2, "in") && teq(d, j - 3, "once")) ||
            (teq(d, j, "often") && teq(d, j - 1, "so")) ||
            (teq(d, j, "then") && teq(d, j - 1, "and") && teq(d, j - 2, "now")) ||
            teq(d, j, "occasionally") || tpre(d, j, "intermittent") ||
            (teq(d, j, "ratos") && teq(d, j - 1, "a")))
            return true;
    }
    return false;
}

/* A symptom cue needs a fuel-burning appliance somewhere in the call that is running: a furnace
 * that has quit is not making carbon monoxide. */
static void detect_co(doc_t *d)
{
    int fuel = -1;
    for (int j = 0; j < d->n && fuel < 0; j++) {
        if (tk(d, j, K(FUEL) | K(GAS) | K(HEATAPP)) &&
            !(tk(d, j, K(HEATAPP)) && appliance_failed(d, j, K(HEATAPP)) >= 0))
            fuel = j;
    }
    for (int i = 0; i < d->n; i++) {
        if (tk(d, i, K(ALARM))) {
            bool co = near_k(d, i, -3, 3, K(CO)) >= 0 ||
                      (tm(d, i + 1, M(DE)) && tk(d, i + 2, K(CO))) ||
                      clause_k(d, i, 1, 7, K(CO)) >= 0; /* "the detector that says co on it" */
            if (!co)
                continue;
            int s = clause_k(d, i, -6, 16, K(SOUND));
            if (s < 0) {
                int w = near_k(d, i, -3, 3, K(WORK));
                if (w >= 0 &&
                    (teq(d, w, "prendio") || teq(d, w, "encendio") || teq(d, w, "prendida")))
                    s = w;
            }
            /* "the co monitor says ninety five parts per million" - a reading wins over the
             * beeping it comes with, which a battery could explain. */
            for (int j = i + 1; j <= i + 24 && j < d->n && same_clause(d, i, j); j++) {
                if (tm(d, j, M(NUM)) && d->t[j].numlen > 0 && d->t[j].num >= 30 &&
                    (teq(d, j + d->t[j].numlen, "ppm") || teq(d, j + d->t[j].numlen, "parts") ||
                     teq(d, j - 1, "says") || teq(d, j - 1, "shows") || teq(d, j - 1, "showing") ||
                     teq(d, j - 1, "dice") || teq(d, j - 1, "at") || teq(d, j - 1, "marca") ||
                     teq(d, j - 1, "reads") || teq(d, j - 1, "reading"))) {
                    s = j;
                    break;
                }
            }
            if (s >= 0 && tm(d, s, M(NUM))) {
                cue_add(d, ACT_EMG_CARBON_MONOXIDE, s, i, 2, 0, "co reading");
                continue;
            }
            if (s < 0 && clause_k(d, i, -6, 10, K(CHIRP)) >= 0 && any_k(d, K(SOOT)) >= 0) {
                cue_add(d, ACT_EMG_CARBON_MONOXIDE, clause_k(d, i, -6, 10, K(CHIRP)), i, 2, 0,
                        "co alarm + soot");
                continue;
            }
            /* "pitando cada ratito, un pitido cortito", "beeps once a minute": a chirp. */
            if (s >= 0 && chirp_like(d, s)) {
                cue_add(d, ACT_EMG_CARBON_MONOXIDE, s, i, 1, CF_ALARM, "co alarm chirping");
                d->cue[d->ncue - 1].status = ST_NOTE;
                continue;
            }
            if (s >= 0) {
                /* "marca", "reads": a reading when a number follows; "marca peligro, fin de vida"
                 * is the detector's own message, which a false-alarm word explains away. */
                if ((teq(d, s, "reading") || teq(d, s, "reads") || teq(d, s, "marca")) &&
                    near_m(d, s, 1, 4, M(NUM)) >= 0)
                    cue_add(d, ACT_EMG_CARBON_MONOXIDE, s, i, 2, 0, "co reading");
                else
                    cue_add(d, ACT_EMG_CARBON_MONOXIDE, s, i, 3, CF_ALARM, "co alarm sounding");
            }
        } else if (tk(d, i, K(CO))) {
            int s = near_k(d, i, -2, 5, K(SOUND));
            if (s < 0)
                s = clause_k(d, i, -2, 8, K(SOUND));
            if (s >= 0)
                cue_add(d, ACT_EMG_CARBON_MONOXIDE, s, i, 2, CF_ALARM, "co alarm sounding");
        }
        if (tk(d, i, K(SYMPT)) && (fuel >= 0 || any_k(d, K(CO)) >= 0)) {
            char label[LABEL_SZ];
            int f = fuel >= 0 ? fuel : any_k(d, K(CO));
            snprintf(label, sizeof label, "co symptoms (%.*s) + %.*s",
                     d->t[i].n > 12 ? 12 : d->t[i].n, d->t[i].w, d->t[f].n > 12 ? 12 : d->t[f].n,
                     d->t[f].w);
            cue_add(d, ACT_EMG_CARBON_MONOXIDE, i, i, 2, 0, label);
        }
    }
}

static const char *const w_light_fixture[] = {"light", "lights", "lamp",    "bulb", "bulbs",
                                              "foco",  "focos",  "lampara", NULL};

static const char *const w_fishy[] = {"fish",   "fishy", "pescado", "urine", "orina",
                                      "orines", "pee",   "pipi",    NULL};
static const char *const w_hot_things[] = {"iron",       "plancha",       "curling", "soldering",
                                           "scorched",   "singed",        "fried",   "overheating",
                                           "overheated", "sobrecalentad", NULL};

static void detect_fire(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        if (tk(d, i, K(SMOKE))) {
            cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 3, CF_SMOKE, "smoke");
            d->cue[d->ncue - 1].visible = 1;
        }
        if (tk(d, i, K(FLAME))) {
            cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 3, CF_SMOKE, "flames");
            d->cue[d->ncue - 1].visible = 1;
        }
        if (tk(d, i, K(BURN)) && !teq(d, i + 1, "out") && !tk(d, i, K(FUEL))) {
            if (near_k(d, i, -6, 6, K(SMELL)) >= 0)
                cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 2, CF_SMOKE, "burning smell");
            else if (teq(d, i - 1, "se") &&
                     (tin(d, i + 1, w_light_fixture) || tin(d, i + 2, w_light_fixture) ||
                      teq(d, i + 2, "fusible") || teq(d, i + 1, "fusible")))
                ; /* "se quemó un foco": a bulb burned out */
            else if (tm(d, i + 1, M(UP)) || teq(d, i - 1, "is") || teq(d, i - 1, "esta") ||
                     teq(d, i - 1, "se") || teq(d, i - 1, "are"))
                cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 2, CF_SMOKE, "burning");
            else if (near_k(d, i, -4, 4, K(OUTLET) | K(PANEL) | K(WIRE)) >= 0)
                cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 1, CF_SMOKE | CF_ELEC, "scorched wiring");
        }
        /* "I'm literally melting" is the caller, not the wiring. */
        bool person = false;
        for (int j = i - 1; j >= i - 3 && j >= 0 && tk(d, i, K(MELT)); j--)
            person = person || teq(d, j, "im") || teq(d, j, "i") || teq(d, j, "were") ||
                     teq(d, j, "we") || teq(d, j, "estoy") || teq(d, j, "estamos") ||
                     teq(d, j, "literally");
        if (tk(d, i, K(MELT)) && !person && near_k(d, i, -3, 3, K(COLD)) < 0 &&
            !teq(d, i + 1, "down")) /* "melt down": upset */
            cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 2, CF_SMOKE | CF_ELEC, "melting");
        if (tk(d, i, K(SMELL)) && near_k(d, i, -3, 4, K(ELEC)) >= 0 &&
            near_k(d, i, -4, 4, K(GAS)) < 0)
            cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 1, CF_SMOKE, "electrical smell");
        /* "smelling something hot", "a hot plastic smell", "huele como cuando dejas la plancha
         * encima de la ropa": a burning smell told without the word. */
        if (tk(d, i, K(SMELL)) && near_k(d, i, -4, 8, K(GAS) | K(GASODOR) | K(SEWAGE)) < 0 &&
            clause_k(d, i, -6, 8, K(WATER)) < 0 && !water_is_smelling(d, i) &&
            !smell_explained(d, i)) {
            int h = near_k(d, i, -2, 4, K(HOT));
            if (h >= 0 && (tk(d, h + 1, K(WATER)) || d->t[h].hotwater || tk(d, h - 1, K(WATER))))
                h = -1;
            int a = -1;
            for (int j = i + 1; j <= i + 12 && a < 0; j++) {
                if (same_sent(d, i, j) && tin(d, j, w_hot_things))
                    a = j;
            }
            if (h >= 0 || a >= 0)
                cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 2, CF_SMOKE | CF_ELEC, "hot/scorching smell");
            /* An overheating outlet or panel smells of fish or urine. */
            if (near_tin(d, i, -2, 8, w_fishy) &&
                near_k(d, i, -10, 10, K(OUTLET) | K(PANEL) | K(WIRE)) >= 0)
                cue_add(d, ACT_EMG_FIRE_SMOKE, i, i, 2, CF_SMOKE | CF_ELEC,
                        "fishy smell at an outlet");
        }
        /* "the wire behind the outlet is glowing red". */
        if (tpre(d, i, "glow") && clause_k(d, i, -8, 8, K(OUTLET) | K(PANEL) | K(WIRE)) >= 0 &&
            clause_m(d, i, -8, 8, M(FINE)) < 0) {
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "glowing wiring");
        }
    }
}

static const char *const w_spark_tools[] = {
    "grinding",  "grinder",  "grind",     "welding", "welder",   "weld",       "soldering",
    "fireworks", "sparkler", "sparklers", "bengala", "bengalas", "esmeril",    "soldadura",
    "soldando",  "campfire", "fogata",    "firepit", "cohetes",  "pirotecnia", NULL};

static bool sparks_by_design(const doc_t *d, int i)
{
    for (int j = i - 12; j <= i + 8; j++) {
        if (same_sent(d, i, j) && tin(d, j, w_spark_tools))
            return true;
    }
    return false;
}

static void detect_electrical(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        if (tk(d, i, K(SPARK))) {
            /* A gas stove or furnace igniter sparks by design. */
            if (near_k(d, i, -6, 6, K(STOVE) | K(IGNITER)) >= 0) {
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 1, CF_ELEC, "igniter sparking");
                d->cue[d->ncue - 1].status = ST_NOTE;
            } else if (sparks_by_design(d, i)) {
                /* A grinder, a welder, fireworks or a campfire throw sparks; no wiring does. */
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 1, CF_ELEC,
                        "sparks from a tool or fire");
                d->cue[d->ncue - 1].status = ST_NOTE;
            } else {
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 3, CF_ELEC, "sparks");
            }
        }
        /* The main tripped, won't reset, and something smells burnt. */
        if (tk(d, i, K(PANEL)) && near_m(d, i, -4, 14, M(TRIP)) >= 0) {
            for (int j = 0; j < d->n; j++) {
                if (tk(d, j, K(BURN)) && near_k(d, j, -6, 6, K(SMELL)) >= 0) {
                    cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC,
                            "tripped main + burning smell");
                    break;
                }
            }
        }
        if (tk(d, i, K(POP)) && near_k(d, i, -10, 10, K(WIRE)) >= 0)
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "wires popping");
        /* "I get a little buzz through my hand when I touch the washer". */
        if (tk(d, i, K(BUZZ)) && near_m(d, i, -5, 5, M(BODY)) >= 0)
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "shock (buzz when touched)");
        if (tk(d, i, K(SHOCK)) && near_m(d, i, -4, 4, M(ROUTINE)) < 0)
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, teq(d, i, "tingling") ? 2 : 3, CF_ELEC,
                    "shock");
        if (tk(d, i, K(WIRE))) {
            int e = clause_k(d, i, -3, 4, K(EXPOSED));
            int s = clause_m(d, i, -4, -1, M(SEE));
            if (e >= 0 && (teq(d, e, "live") || teq(d, e, "down")) && (e < i - 2 || e > i + 3))
                e = -1;
            /* "it's laying in the driveway, it's still live". */
            for (int j = i + 1; e < 0 && j <= i + 20 && j < d->n && same_sent(d, i, j); j++) {
                if ((teq(d, j, "live") || teq(d, j, "vivo") || teq(d, j, "energized") ||
                     teq(d, j, "copper") || teq(d, j, "cobre")) &&
                    !negated_at(d, j) && !teq(d, j - 1, "we") && !teq(d, j - 1, "i") &&
                    !teq(d, j - 1, "they"))
                    e = j;
            }
            if (e >= 0)
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, e, 2, CF_ELEC | CF_WEAK, "exposed wires");
            else if (s >= 0)
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, s, 2, CF_ELEC | CF_WEAK, "wires showing");
        }
        if (tk(d, i, K(PANEL) | K(OUTLET)) && !tin(d, i, w_light_fixture)) {
            int h = near_k(d, i, -4, 7, K(HOT));
            if (h >= 0 && (tk(d, h + 1, K(WATER)) || teq(d, h + 1, "tub") || teq(d, h + 1, "wire")))
                h = -1;
            int b = near_k(d, i, -4, 7, K(BUZZ));
            /* A hot outlet or switch that smells burnt is the policy's burning smell; only a hot
             * panel or breaker is an electrical symptom by itself. */
            if (h >= 0 && !tk(d, i, K(PANEL)) && near_k(d, i, -12, 12, K(BURN) | K(MELT)) >= 0)
                h = -1;
            if (h >= 0)
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, h, i, 2, CF_ELEC,
                        tk(d, i, K(PANEL)) ? "hot panel" : "hot outlet");
            if (b >= 0)
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, b, i, tk(d, i, K(PANEL)) ? 2 : 1, CF_ELEC,
                        tk(d, i, K(PANEL)) ? "buzzing panel" : "buzzing outlet");
        }
        if (tk(d, i, K(BUZZ)) && near_k(d, i, -5, 5, K(HOT)) >= 0 &&
            (near_k(d, i, -20, 20, K(WIRE) | K(OUTLET) | K(PANEL)) >= 0 ||
             near_m(d, i, -4, 4, M(HOMEPART)) >= 0))
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "buzzing and hot");
        /* "el tablero está tronando", "the panel keeps popping". */
        if (tk(d, i, K(POP)) && (teq(d, i, "tronando") || teq(d, i, "popping")) &&
            clause_k(d, i, -5, 4, K(PANEL)) >= 0)
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "panel popping");
        if (tk(d, i, K(POP)) && near_k(d, i, -10, 10, K(FLASH)) >= 0)
            cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, i, 2, CF_ELEC, "popping with flashes");
        /* "little blue flashes behind the cover plate", "fogonazos en el contacto": arcing. */
        if (tk(d, i, K(FLASH)) && !tpre(d, i, "flashing") && !tpre(d, i, "flashlight")) {
            int o = near_k(d, i, -8, 8, K(OUTLET) | K(PANEL) | K(WIRE));
            if (o >= 0 && !tin(d, o, w_light_fixture))
                cue_add(d, ACT_EMG_ELECTRICAL_HAZARD, i, o, 2, CF_ELEC, "flashes at an outlet");
        }
    }
}

/* Which category water belongs to: a water heater's, wastewater, or plain flooding. */
static act_emg_category_t water_category(const doc_t *d, int key)
{
    for (int j = key - 14; j <= key + 14; j++) {
        if (j < 0 || j >= d->n || !tk(d, j, K(WH) | K(RELIEF)) || !same_sent(d, j, key))
            continue;
        /* "el water heater está bien, es una pipe": not the heater's water. */
        if (!same_clause(d, j, key) && clause_m(d, j, -6, 6, M(FINE) | M(NEG)) >= 0)
            continue;
        return ACT_EMG_WATER_HEATER_FAILURE;
    }
    if (near_k(d, key, -10, 10, K(SEWAGE)) >= 0)
        return ACT_EMG_SEWAGE_BACKUP;
    for (int j = key - 6; j <= key + 6; j++) {
        if (tk(d, j, K(DIRTY)) && near_k(d, j, -2, 2, K(WATER)) >= 0 && same_sent(d, j, key))
            return ACT_EMG_SEWAGE_BACKUP;
    }
    return ACT_EMG_FLOODING;
}

static void water_cue(doc_t *d, int key, int lo, int strength, int flags, const char *label)
{
    act_emg_category_t cat = water_category(d, key);
    char buf[LABEL_SZ];
    if (cat == ACT_EMG_WATER_HEATER_FAILURE)
        join2(buf, sizeof buf, "water heater: ", label);
    else if (cat == ACT_EMG_SEWAGE_BACKUP)
        join2(buf, sizeof buf, "wastewater: ", label);
    else
        join2(buf, sizeof buf, "", label);
    cue_add(d, cat, key, lo, strength, flags, buf);
}

static const char *const w_pipe_not[] = {"exhaust", "vent",  "flue",  "gas",
                                         "escape",  "sewer", "drain", NULL};
static const char *const w_rain[] = {"rain",   "raining",   "rained", "lluvia",
                                     "llueve", "lloviendo", "storm",  NULL};

static const char *const w_heavy[] = {"bad",  "badly",  "lot",       "bunch",    "heavily",
                                      "hard", "mucho",  "muchisimo", "bastante", "nonstop",
                                      "alot", "fuerte", "horrible",  NULL};

/* "no leak, no drip", "not leaking anywhere" after the water is named. */
static bool leak_denied_after(const doc_t *d, int i)
{
    for (int j = i + 1; j <= i + 16 && j < d->n; j++) {
        if (tk(d, j, K(LEAK) | K(DRIP) | K(GUSH)) && negated_at(d, j))
            return true;
    }
    return false;
}

/* A token near i, in [i+from, i+to] of its sentence, with a concept in k that is not negated. */
static int near_k_live(const doc_t *d, int i, int from, int to, uint64_t k)
{
    for (int j = i + from; j <= i + to; j++) {
        if (j == i || j < 0 || j >= d->n || !same_sent(d, i, j))
            continue;
        if ((d->t[j].k & k) && !negated_at(d, j))
            return j;
    }
    return -1;
}

static const char *const w_entering[] = {"metiendo", "entrando", "entering", "coming", "metio",
                                         "entro",    "getting",  "came",     "comin",  NULL};
static const char *const w_sag[] = {"sagging", "bulging",  "sags",     "bulge",      "inflando",
                                    "inflado", "abombado", "hinchado", "collapsing", "caving",
                                    "cayendo", "pandeado", NULL};
static const char *const w_everywhere[] = {"everywhere", "lados", "partes", NULL};
static const char *const w_comes_back[] = {"back",    "again",  "spreading", "towel",    "towels",
                                           "toallas", "mopped", "trapee",    "trapeado", "cubos",
                                           "buckets", "bucket", "soaked",    "keeps",    NULL};

/* "the faucet sprays sideways when I turn it on": a tap doing its job, nothing loose. */
static bool faucet_in_use(const doc_t *d, int i)
{
    int p = clause_k(d, i, -6, 8, K(CEILING) | K(PIPE) | K(LEAK) | K(SPREAD) | K(WH) | K(DRAINFIX));
    if (p < 0 || !tk(d, p, K(SCOPE) | K(DRAINFIX)) || clause_m(d, i, -8, 8, M(STILL)) >= 0 ||
        clause_k(d, i, -8, 8, K(CEILING) | K(LEAK) | K(SPREAD) | K(WH) | K(BURST)) >= 0 ||
        near_k(d, i, -16, -1, K(DRIP) | K(LEAK)) >= 0)
        return false;
    /* "pouring out from under the sink", "sale por detrás del excusado": from where no water
     * should come. */
    for (int j = i + 1; j < p; j++) {
        if (teq(d, j, "under") || teq(d, j, "debajo") || teq(d, j, "behind") ||
            teq(d, j, "detras") || teq(d, j, "abajo") || teq(d, j, "around"))
            return false;
    }
    return true;
}

static const char *const w_big[] = {"big",    "huge", "major",  "massive", "serious",  "enorme",
                                    "grande", "gran", "fugota", "bad",     "terrible", NULL};

static bool pipe_leak_heavy(const doc_t *d, int i)
{
    int p = clause_k(d, i, -7, 6, K(PIPE));
    if (p < 0 || tk(d, p, K(SCOPE) | K(WH)) || tin(d, p - 1, w_pipe_not) ||
        clause_k(d, i, -8, 8, K(GAS) | K(SMELL) | K(WH)) >= 0 || negated_at(d, i))
        return false;
    bool still = clause_m(d, i, -6, 8, M(STILL)) >= 0;
    if (tk(d, i, K(DRIP)) && !tk(d, i, K(LEAK)))
        return still && (tin(d, i + 1, w_heavy) || tin(d, i + 2, w_heavy));
    return still || tin(d, i + 1, w_heavy) || tin(d, i + 2, w_heavy) ||
           (teq(d, i + 2, "crazy") && teq(d, i + 1, "like")) || tin(d, i - 1, w_big) ||
           tin(d, i - 2, w_big) || tin(d, i + 1, w_big) || tin(d, i + 2, w_big) ||
           (teq(d, i + 3, "fuerte") && teq(d, i + 2, "muy"));
}

static void detect_water(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        /* A burst or broken pipe, hose or supply line. */
        if (tk(d, i, K(BURST))) {
            int p = clause_k(d, i, -6, 4, K(PIPE));
            if (p >= 0 && !tin(d, p - 1, w_pipe_not) && !tin(d, p - 2, w_pipe_not) &&
                !(tk(d, p, K(SCOPE)) && !teq(d, p, "faucet")))
                water_cue(d, i, p, 2, CF_WATER | CF_WEAK, "burst pipe");
            else if (near_k(d, i, -4, 4, K(WH)) >= 0)
                water_cue(d, i, i, 2, CF_WATER, "split open");
        }
        if (tk(d, i, K(WATER))) {
            int g = clause_k(d, i, -4, 6, K(GUSH));
            int r = clause_k(d, i, -4, 6, K(RUN) | K(LEAK) | K(BACKUP) | K(DRIP));
            int sp = near_k(d, i, -8, 10, K(SPREAD) | K(CEILING));
            int st = clause_m(d, i, -6, 8, M(STILL));
            if (g >= 0 && tin(d, g + 1, w_rain))
                g = -1;
            int bk = clause_k(d, i, -4, 6, K(BACKUP));
            /* "the water's running again, no leak, no drip": the supply is back, nothing loose. */
            if (r >= 0 && sp < 0 && leak_denied_after(d, i))
                r = -1;
            /* "el agua se está metiendo a la casa", "water's coming into the basement". */
            if (r >= 0 && sp < 0 && tin(d, r, w_entering) &&
                (clause_m(d, r, 1, 4, M(HOMEPART)) >= 0 ||
                 (teq(d, r + 1, "in") && clause_m(d, r, 2, 5, M(HOMEPART)) >= 0)))
                sp = r;
            if (g >= 0)
                water_cue(d, g, i, 3, CF_WATER, "water pouring");
            else if (r >= 0 && (sp >= 0 || st >= 0))
                water_cue(d, r, i, 2, CF_WATER, sp >= 0 ? "water spreading" : "water won't stop");
            else if (r < 0 && st >= 0 && clause_k(d, i, -3, 5, K(SPREAD)) >= 0)
                water_cue(d, clause_k(d, i, -3, 5, K(SPREAD)), i, 2, CF_WATER, "water spreading");
            else if (r >= 0 && bk >= 0 && !tk(d, bk, K(DRIP)))
                water_cue(d, bk, i, 1, CF_WATER | CF_WEAK, "water rising");
        }
        /* "the pipe is leaking like crazy", "el tubo tiene una fuga muy fuerte", "a huge leak in
         * the line": a pipe leaking hard, said without the word water. */
        if (tk(d, i, K(LEAK) | K(DRIP)) && !tk(d, i, K(WATER)) && pipe_leak_heavy(d, i))
            water_cue(d, i, i, 2, CF_WATER, "pipe leaking hard");
        /* "una fuga enorme ... ya se mojó todo el piso": a leak whose water is spreading. */
        if (tk(d, i, K(LEAK)) && !tk(d, i, K(WATER)) && clause_k(d, i, -6, 6, K(WATER)) < 0 &&
            near_k(d, i, -10, 14, K(GAS) | K(SMELL) | K(WH) | K(CEILING)) < 0) {
            int sp = near_k(d, i, -10, 14, K(SPREAD));
            if (sp >= 0 && !teq(d, sp, "mop") && !teq(d, sp, "mopp"))
                water_cue(d, i, i, 2, CF_WATER, "leak spreading");
        }
        /* "six inches of water in the basement", "el agua ya está a los tobillos". */
        if (tk(d, i, K(DEPTH)) && near_k(d, i, -3, 4, K(WATER)) >= 0)
            water_cue(d, i, i, 2, CF_WATER, "water inches deep");
        if (tk(d, i, K(BACKUP)) && clause_m(d, i, -4, 2, M(STILL)) >= 0 &&
            near_k(d, i, -30, 0, K(WATER)) >= 0 && near_k(d, i, -8, 8, K(DRAINFIX)) < 0)
            water_cue(d, i, i, 2, CF_WATER, "water still rising");
        if (tk(d, i, K(FLOODW)) && !tin(d, i + 1, w_rain) &&
            !(teq(d, i, "flood") && !tm(d, i - 1, M(IT)) && !tk(d, i + 1, K(WATER))))
            water_cue(d, i, i, 2, CF_WATER, "flooding");
        if (tk(d, i, K(GUSH)) && !tk(d, i, K(FLOODW)) && clause_k(d, i, -6, 6, K(WATER)) < 0 &&
            !tin(d, i + 1, w_rain) && !tin(d, i - 1, w_rain) &&
            (clause_k(d, i, -6, 8,
                      K(CEILING) | K(PIPE) | K(LEAK) | K(SPREAD) | K(WH) | K(DRAINFIX)) >= 0 ||
             /* "it was a drip earlier, now it's pouring", "goteaba, ahora sale a chorros" */
             near_k(d, i, -16, -1, K(DRIP) | K(LEAK)) >= 0) &&
            !faucet_in_use(d, i))
            water_cue(d, i, i, 2, CF_WATER, "water pouring");
        /* "the ceiling is sagging with water", "el techo se está inflando con agua". */
        if (tk(d, i, K(CEILING)) && near_tin(d, i, -3, 6, w_sag) &&
            near_k(d, i, -8, 12, K(WATER) | K(LEAK) | K(DRIP)) >= 0)
            water_cue(d, i, i, 2, CF_WATER, "ceiling sagging with water");
        /* "the tank cracked and water's going everywhere". */
        if (tk(d, i, K(WATER)) && !d->t[i].hotwater && clause_k(d, i, -4, 6, K(GUSH)) < 0 &&
            (near_tin(d, i, 1, 5, w_everywhere) ||
             (teq(d, i + 1, "all") && teq(d, i + 2, "over"))) &&
            (clause_m(d, i, 1, 4, M(GOV)) >= 0 || near_k(d, i, -10, 6, K(BURST)) >= 0))
            water_cue(d, i, i, 2, CF_WATER, "water going everywhere");
        /* Through the ceiling. */
        if (tk(d, i, K(CEILING))) {
            int f = clause_k(d, i, -7, 6, K(GUSH) | K(RUN) | K(LEAK) | K(DRIP) | K(RAINV));
            int w = clause_k(d, i, -8, 8, K(WATER) | K(LEAK) | K(RAINV) | K(GUSH));
            if (f >= 0 && w >= 0) {
                int strength = tk(d, f, K(GUSH) | K(RAINV)) ? 3 : tk(d, f, K(DRIP)) ? 1 : 2;
                water_cue(d, f, i, strength, CF_WATER, "water through the ceiling");
            }
        }
        /* Water reaching outlets, panels, light fixtures. */
        if (tk(d, i, K(OUTLET) | K(PANEL)) || (tk(d, i, K(ELEC)) && teq(d, i + 1, "box"))) {
            int w = clause_k(d, i, -10, 8, K(WATER) | K(LEAK) | K(DRIP) | K(GUSH));
            if (w >= 0 && !tk(d, w, K(WH)) && !d->t[w].hotwater &&
                clause_k(d, i, -10, 8, K(RUN) | K(LEAK) | K(DRIP) | K(GUSH) | K(SPREAD)) >= 0)
                cue_add(d, ACT_EMG_FLOODING, w, i, 2, CF_WATER, "water reaching electrical");
        }
        /* A water heater: leaking hard, split, relief valve blowing. */
        if (tk(d, i, K(WH))) {
            int l = near_k_live(d, i, -8, 12, K(LEAK) | K(RUN) | K(GUSH) | K(DRIP));
            /* "sale el agua tibia nomás": the hot water supply, not a leak. */
            if (l >= 0 && tk(d, l, K(RUN)) && !tk(d, l, K(LEAK) | K(GUSH)) &&
                clause_k(d, l, 1, 3, K(HOT)) >= 0)
                l = -1;
            int heavy = near_k_live(d, i, -10, 16, K(SPREAD) | K(GUSH) | K(CEILING) | K(BURST));
            /* "leaking bad", "leaking a lot", "gotea muchísimo". */
            if (l >= 0 && heavy < 0 &&
                (tin(d, l + 1, w_heavy) || (tin(d, l + 2, w_heavy) && same_clause(d, l, l + 2))))
                heavy = l;
            int st = near_m(d, i, -8, 14, M(STILL));
            if (l >= 0 && (heavy >= 0 || st >= 0))
                cue_add(d, ACT_EMG_WATER_HEATER_FAILURE, l, i, 2, CF_WATER,
                        "water heater leaking heavily");
            else if (l >= 0 && tk(d, l, K(LEAK)))
                cue_add(d, ACT_EMG_WATER_HEATER_FAILURE, l, i, 1, CF_WATER, "water heater leaking");
            /* "I mopped around the water heater and the puddle's right back", "ya tiene el piso
             * hecho un lago": a puddle that comes back or spreads. */
            int pud = near_k_live(d, i, -12, 24, K(SPREAD));
            if (l < 0 && pud >= 0) {
                bool back = false;
                for (int j = pud - 10; j <= pud + 14 && !back; j++)
                    back = same_sent(d, pud, j) && (tin(d, j, w_comes_back) || tm(d, j, M(STILL)));
                if (back || tpre(d, pud, "spread") || teq(d, pud, "lago") || teq(d, pud, "lake"))
                    cue_add(d, ACT_EMG_WATER_HEATER_FAILURE, pud, i, 2, CF_WATER,
                            "water heater puddle spreading");
            }
        }
        if (tk(d, i, K(WH)) && near_k(d, i, -6, 12, K(STEAM)) >= 0)
            cue_add(d, ACT_EMG_WATER_HEATER_FAILURE, near_k(d, i, -6, 12, K(STEAM)), i, 2, 0,
                    "water heater blowing steam");
        if (tk(d, i, K(RELIEF)) &&
            near_k(d, i, -6, 12, K(STEAM) | K(HOT) | K(GUSH) | K(RUN) | K(WATER) | K(LEAK)) >= 0)
            cue_add(d, ACT_EMG_WATER_HEATER_FAILURE, i, i, 2, 0, "relief valve discharging");
        /* Sewage coming up. */
        if (tk(d, i, K(SEWAGE))) {
            int f = near_k(d, i, -8, 14, K(BACKUP) | K(RUN) | K(GUSH) | K(SPREAD) | K(LEAK));
            if (f >= 0)
                cue_add(d, ACT_EMG_SEWAGE_BACKUP, f > i ? f : i, f > i ? i : f, 3, 0,
                        "sewage coming up");
        }
        if (tk(d, i, K(DIRTY)) && near_k(d, i, -2, 2, K(WATER)) >= 0 &&
            near_k(d, i, -8, 10, K(BACKUP) | K(RUN) | K(GUSH) | K(SPREAD) | K(DRAINFIX)) >= 0 &&
            near_k(d, i, -12, 12, K(WH)) < 0)
            cue_add(d, ACT_EMG_SEWAGE_BACKUP, i, i, 2, 0, "dirty water coming up");
        if (tk(d, i, K(BACKUP)) && near_k(d, i, -6, 6, K(DRAINFIX)) >= 0 &&
            (near_k(d, i, -10, 10, K(DIRTY) | K(SMELL) | K(SEWAGE)) >= 0 ||
             near_k(d, i, -10, 10, K(DRAINFIX)) != near_k(d, i, -6, 6, K(DRAINFIX))))
            cue_add(d, ACT_EMG_SEWAGE_BACKUP, i, i, 2, CF_WEAK, "drain backing up into the home");
    }
}

/* ------------------------------------------------- heat, cooling, no water */

typedef struct {
    int cold, vuln, hot; /* token index or -1 */
    int cold_f, hot_f;   /* the temperature, Fahrenheit, when one was read */
    bool cold_temp, hot_temp;
    char cold_why[32], vuln_why[32], hot_why[32];
} conditions_t;

static int age_at(const doc_t *d, int i, bool *months);

/* Another temperature in i's sentence is in Celsius ("afuera a quince grados y en casa a
 * diecinueve"): a bare number next to it is too. */
static bool celsius_nearby(const doc_t *d, int i)
{
    for (int j = i - 16; j <= i + 16; j++) {
        if (j == i || !same_sent(d, i, j) || !tm(d, j, M(NUM)) || d->t[j].numlen == 0)
            continue;
        int e = j + d->t[j].numlen;
        if (tm(d, e, M(TC)) || (tm(d, e, M(DEGREE)) && tm(d, e + 1, M(TC))) ||
            (teq(d, e, "grados") && !tm(d, e + 1, M(TF)) && d->t[j].num <= 50 &&
             d->t[j].num >= -30))
            return true;
    }
    return false;
}

/* Reads temperatures and ages; returns true if i starts a number used as a temperature. */
static bool temperature_at(const doc_t *d, int i, int *fahrenheit, bool *inside)
{
    if (!tm(d, i, M(NUM)) || d->t[i].numlen == 0)
        return false;
    int v = d->t[i].num;
    int e = i + d->t[i].numlen; /* first token after the number */
    if (tm(d, e, M(BELOW)) && !teq(d, e + 1, "zero") && !teq(d, e + 1, "freezing")) {
        *fahrenheit = -v;
        *inside = false;
        return true;
    }
    bool deg = tm(d, e, M(DEGREE));
    int u = deg ? e + 1 : e;
    bool c = tm(d, u, M(TC));
    bool f = tm(d, u, M(TF));
    bool months_unused;
    if (tm(d, e, M(AGEU)) || tm(d, e, M(OLD)) || tm(d, e, M(LONGU)) ||
        age_at(d, i, &months_unused) >= 0)
        return false;
    bool ctx = deg || c || f || tm(d, e, M(OUT) | M(OUTSIDE) | M(INSIDE) | M(NOW)) ||
               tm(d, i - 1, M(TEMPPREP)) || teq(d, i - 1, "its") || teq(d, i - 1, "en") ||
               (teq(d, i - 1, "like") && !teq(d, e, "something")) || teq(d, i - 1, "como") ||
               teq(d, i - 1, "at") || teq(d, i - 1, "to") || teq(d, i - 1, "hasta") ||
               teq(d, i - 1, "a") || teq(d, i - 1, "been") || teq(d, i - 1, "s") ||
               teq(d, i - 1, "is") || teq(d, i - 1, "was") || teq(d, i - 1, "esta") ||
               teq(d, i - 1, "be") || teq(d, i - 1, "hitting") || teq(d, i - 1, "hits") ||
               teq(d, i - 1, "pushing") || teq(d, i - 1, "near") || teq(d, i - 1, "hace") ||
               tm(d, i - 1, M(MINUS)) || v < 0;
    if (!ctx)
        return false;
    *inside = tm(d, e, M(INSIDE)) || teq(d, e, "in") || near_m(d, i, -3, -1, M(HOMEPART)) >= 0;
    if (c || (deg && !f && teq(d, e, "grados") && v <= 50 && v >= -30) ||
        (!deg && !f && v <= 45 && v >= -30 && celsius_nearby(d, i)))
        *fahrenheit = v * 9 / 5 + 32;
    else
        *fahrenheit = v;
    return true;
}

static const char *const w_person[] = {
    "mom",         "mother",  "dad",    "father", "grandma",  "grandpa",  "grandmother",
    "grandfather", "husband", "wife",   "son",    "daughter", "he",       "she",
    "mama",        "papa",    "abuela", "abuelo", "esposo",   "esposa",   "suegra",
    "suegro",      "aunt",    "uncle",  "tia",    "tio",      "neighbor", NULL};

static int age_at(const doc_t *d, int i, bool *months)
{
    if (!tm(d, i, M(NUM)) || d->t[i].numlen == 0)
        return -1;
    int e = i + d->t[i].numlen;
    /* "my mom is eighty seven", "mi papá tiene noventa". */
    /* ... and "mi suegra de ochenta y cinco". */
    if ((teq(d, i - 1, "is") || teq(d, i - 1, "s") || teq(d, i - 1, "tiene") ||
         teq(d, i - 1, "de")) &&
        tin(d, i - 2, w_person) && !tm(d, e, M(DEGREE))) {
        *months = false;
        return d->t[i].num;
    }
    /* "I'm eighty six", "I am 91": the caller's own age. */
    if ((teq(d, i - 1, "im") || (teq(d, i - 1, "am") && teq(d, i - 2, "i"))) && d->t[i].num >= 60 &&
        d->t[i].num < 115 && !tm(d, e, M(DEGREE) | M(TF) | M(TC)) &&
        !tm(d, e, M(LONGU) | M(AGEU) | M(INSIDE) | M(OUTSIDE)) && !teq(d, e, "in") &&
        !teq(d, e, "minutes") && !teq(d, e, "miles")) {
        *months = false;
        return d->t[i].num;
    }
    if (tm(d, e, M(AGEU))) {
        /* Months, weeks and days: a baby - "two months old", "de dos meses", "a six week old
         * baby"; "cold showers for two days" is a duration. */
        *months = !(teq(d, e, "year") || teq(d, e, "years") || teq(d, e, "yr") ||
                    teq(d, e, "ano") || teq(d, e, "anos"));
        if (*months && !teq(d, e + 1, "old") && !tm(d, i - 1, M(DE)) &&
            near_k(d, i, -3, 4, K(VULN)) < 0)
            return -1;
        /* "my six month old", "our two year old": a child, whatever appliance came before. */
        if (teq(d, e + 1, "old") &&
            (teq(d, i - 1, "my") || teq(d, i - 1, "our") || teq(d, i - 1, "his") ||
             teq(d, i - 1, "her") || teq(d, i - 1, "their")))
            return d->t[i].num;
        /* "the furnace is one year old", "hace un año", "lived here 70 years": not a person's
         * age. */
        if (near_k(d, i, -4, -1,
                   K(HEATAPP) | K(COOLAPP) | K(FUEL) | K(WH) | K(PIPE) | K(PANEL) | K(ALARM) |
                       K(OUTLET) | K(WIRE)) >= 0 ||
            teq(d, i - 1, "hace") || teq(d, e + 1, "ago") || teq(d, i - 1, "for") ||
            teq(d, i - 1, "por") || teq(d, i - 1, "durante"))
            return -1;
        if (teq(d, e + 1, "old") || tm(d, e, M(AGEU)))
            return d->t[i].num;
    }
    return -1;
}

static void read_conditions(const doc_t *d, conditions_t *c)
{
    memset(c, 0, sizeof *c);
    c->cold = c->vuln = c->hot = -1;
    for (int i = 0; i < d->n; i++) {
        int fdeg;
        bool inside = false, months = false;
        if (temperature_at(d, i, &fdeg, &inside)) {
            if (fdeg <= 32 && c->cold < 0) {
                c->cold = i;
                c->cold_temp = true;
                c->cold_f = fdeg;
                snprintf(c->cold_why, sizeof c->cold_why, "freezing (%dF)", fdeg);
            }
            if ((fdeg >= 100 || (fdeg >= 95 && !inside) || (inside && fdeg >= 88)) && fdeg < 140 &&
                c->hot < 0) {
                c->hot = i;
                c->hot_temp = true;
                c->hot_f = fdeg;
                snprintf(c->hot_why, sizeof c->hot_why, "%s heat (%dF)",
                         inside ? "indoor" : "extreme", fdeg);
            }
        }
        int age = age_at(d, i, &months);
        if (age >= 0 && ((!months && (age >= 65 || age <= 1)) || (months && age <= 24)) &&
            c->vuln < 0) {
            c->vuln = i;
            snprintf(c->vuln_why, sizeof c->vuln_why, "age %d%s", age, months ? " months" : "");
        }
        if (tk(d, i, K(COLD)) && c->cold < 0 && !negated_at(d, i)) {
            c->cold = i;
            snprintf(c->cold_why, sizeof c->cold_why, "freezing (%.*s)",
                     d->t[i].n > 12 ? 12 : d->t[i].n, d->t[i].w);
        }
        if (tm(d, i, M(BELOW)) &&
            (teq(d, i + 1, "zero") || teq(d, i + 1, "cero") || teq(d, i + 1, "freezing")) &&
            c->cold < 0) {
            c->cold = i;
            snprintf(c->cold_why, sizeof c->cold_why, "below zero");
        }
        if (tk(d, i, K(VULN)) && c->vuln < 0 && !negated_at(d, i)) {
            c->vuln = i;
            snprintf(c->vuln_why, sizeof c->vuln_why, "vulnerable (%.*s)",
                     d->t[i].n > 12 ? 12 : d->t[i].n, d->t[i].w);
        }
        if (tk(d, i, K(HEATWX)) && c->hot < 0) {
            c->hot = i;
            snprintf(c->hot_why, sizeof c->hot_why, "heat warning");
        }
        if (tk(d, i, K(CALOR)) && c->hot < 0 &&
            (teq(d, i - 1, "mucho") || teq(d, i - 1, "muchisimo") || teq(d, i - 1, "tanto") ||
             teq(d, i - 1, "horrible") || teq(d, i + 1, "horrible") ||
             teq(d, i - 1, "demasiado"))) {
            c->hot = i;
            snprintf(c->hot_why, sizeof c->hot_why, "very hot");
        }
        if (tk(d, i, K(HOT)) && c->hot < 0 &&
            (teq(d, i - 1, "so") || teq(d, i - 1, "very") || teq(d, i - 1, "really") ||
             teq(d, i - 1, "super") || teq(d, i - 1, "extremely") || teq(d, i - 1, "unbearably") ||
             teq(d, i - 1, "brutally") || teq(d, i - 1, "muy")) &&
            !tk(d, i + 1, K(WATER))) {
            c->hot = i;
            snprintf(c->hot_why, sizeof c->hot_why, "house very hot");
        }
    }
}

static const char *const w_have[] = {
    "tenemos", "tengo",   "tienen",      "hay",   "have", "has",  "got",  "any",
    "the",     "la",      "el",          "there", "s",    "is",   "de",   "ningun",
    "ninguna", "working", "funcionando", "other", "otra", "otro", "more", NULL};
static const char *const w_down_place[] = {"in",     "there", "here", "below",
                                           "stairs", "under", "the",  NULL};
static const char *const w_blows[] = {"tira", "echa", "sale",  "bota",    "blows", "puro",
                                      "only", "just", "nomas", "blowing", "puts",  NULL};

/* A heating or cooling appliance that has stopped; returns the failure token or -1. */
static int appliance_failed(const doc_t *d, int a, uint64_t app)
{
    for (int j = a - 3; j <= a + 7; j++) {
        if (j < 0 || j >= d->n || !same_sent(d, a, j))
            continue;
        if (tk(d, j, K(FAIL)) && (j >= a - 1 || same_clause(d, j, a)))
            return j;
        if (tm(d, j, M(OUT)) && j > a && j <= a + 4 &&
            (!same_clause(d, j, j + 1) ||
             (!tm(d, j + 1, M(DE)) && !teq(d, j + 1, "of") && !teq(d, j + 1, "the"))))
            return j;
        if (tk(d, j, K(WORK)) && (tm(d, j - 1, M(NEG)) || tm(d, j - 2, M(NEG)) ||
                                  tm(d, j - 1, M(STOP)) || tm(d, j - 2, M(STOP))))
            return j;
        if (app == K(HEATAPP) && tk(d, j, K(HOT) | K(CALOR)) &&
            (tm(d, j - 1, M(NEG) | M(STOP)) || tm(d, j - 2, M(NEG) | M(STOP))))
            return j;
        if (j == a + 1 && tm(d, a - 1, M(NEG)) && !tm(d, a - 2, M(NEG)))
            return a - 1;
        if (j == a + 1 && (teq(d, a - 1, "sin") || teq(d, a - 2, "sin")))
            return a - 1;
        /* "no tenemos calefacción", "we don't have any heat", "no hay aire". */
        if (j == a + 1) {
            for (int q = a - 1; q >= a - 3 && q >= 0 && same_clause(d, q, a); q--) {
                if (tm(d, q, M(NEG)))
                    return q;
                if (!tin(d, q, w_have))
                    break;
            }
        }
        if (app == K(COOLAPP) && teq(d, j, "blowing") &&
            (teq(d, j + 1, "hot") || teq(d, j + 1, "warm")))
            return j;
        /* "el AC nomás tira aire caliente", "it only blows warm air": not cooling. */
        if (app == K(COOLAPP) && j > a && tk(d, j, K(HOT) | K(CALOR)) && !tk(d, j + 1, K(WATER)) &&
            (teq(d, j - 1, "aire") || teq(d, j - 1, "air") || tin(d, j - 1, w_blows)))
            return j;
        /* "the radiators are ice cold", "los radiadores están helados". */
        if (app == K(HEATAPP) && j > a && j <= a + 4 &&
            (teq(d, j, "cold") || teq(d, j, "frios") || teq(d, j, "frias") ||
             teq(d, j, "helados") || teq(d, j, "heladas")) &&
            (teq(d, j - 1, "are") || teq(d, j - 1, "is") || teq(d, j - 1, "ice") ||
             teq(d, j - 1, "estan") || teq(d, j - 1, "esta") || teq(d, j - 1, "all") ||
             teq(d, j - 1, "stone") || teq(d, j - 1, "s")))
            return j;
        /* "the furnace is down", "the AC went down". */
        if (teq(d, j, "down") && j > a && j <= a + 3 && !tin(d, j + 1, w_down_place) &&
            (teq(d, j - 1, "is") || teq(d, j - 1, "s") || teq(d, j - 1, "went") ||
             teq(d, j - 1, "been") || teq(d, j - 1, "was") || teq(d, j - 1, "completely") ||
             teq(d, j - 1, "shut") || teq(d, j - 1, "shuts") || teq(d, j - 1, "broke")))
            return j;
        /* "the boiler shut off", "the furnace keeps cutting off": it stopped by itself. */
        if (teq(d, j, "off") && j > a + 1 && j <= a + 4 &&
            (teq(d, j - 1, "shut") || teq(d, j - 1, "shuts") || teq(d, j - 1, "shutting") ||
             teq(d, j - 1, "cut") || teq(d, j - 1, "cuts") || teq(d, j - 1, "cutting") ||
             teq(d, j - 1, "turned") || teq(d, j - 1, "turns")))
            return j;
        if (app == K(HEATAPP) && teq(d, j, "blowing") && teq(d, j + 1, "cold"))
            return j;
    }
    if (tm(d, a - 1, M(NEG)))
        return a - 1;
    /* The same before-the-word checks when the appliance is the call's last word ("we got no
     * other heat"). */
    if (a + 1 >= d->n) {
        if (teq(d, a - 1, "sin") || teq(d, a - 2, "sin"))
            return a - 1;
        for (int q = a - 1; q >= a - 3 && q >= 0 && same_clause(d, q, a); q--) {
            if (tm(d, q, M(NEG)))
                return q;
            if (!tin(d, q, w_have))
                break;
        }
    }
    return -1;
}

static void detect_comfort(doc_t *d)
{
    conditions_t c;
    bool read = false;
    for (int i = 0; i < d->n; i++) {
        bool heat = tk(d, i, K(HEATAPP)), cool = tk(d, i, K(COOLAPP));
        if (!heat && !cool)
            continue;
        if (!read) {
            read_conditions(d, &c);
            read = true;
        }
        if (heat) {
            int f = appliance_failed(d, i, K(HEATAPP));
            if (f >= 0) {
                char label[LABEL_SZ];
                if (c.cold >= 0 || c.vuln >= 0) {
                    join2(label, sizeof label, "no heat + ", c.cold >= 0 ? c.cold_why : c.vuln_why);
                    cue_add(d, ACT_EMG_NO_HEAT_DANGER, f, i, c.cold >= 0 && c.vuln >= 0 ? 3 : 2,
                            CF_NONEG | CF_NORESOLVE, label);
                } else {
                    cue_add(d, ACT_EMG_NO_HEAT_DANGER, f, i, 1, CF_NONEG | CF_NORESOLVE,
                            "no heat, mild weather, no one vulnerable");
                    d->cue[d->ncue - 1].status = ST_NOTE;
                }
            }
        }
        if (cool) {
            int f = appliance_failed(d, i, K(COOLAPP));
            if (f < 0)
                continue;
            int ill = -1;
            for (int j = 0; j < d->n && ill < 0; j++) {
                if (tk(d, j, K(HEATILL) | K(SYMPT)) && !negated_at(d, j))
                    ill = j;
                if (tm(d, j, M(DRINK)) && (tm(d, j - 1, M(NEG)) || tm(d, j - 2, M(NEG))))
                    ill = j;
            }
            char label[LABEL_SZ];
            if (c.hot >= 0 && (c.vuln >= 0 || ill >= 0)) {
                char why[LABEL_SZ];
                join2(why, sizeof why, c.hot_why, " + ");
                join2(label, sizeof label, "no cooling + ", why);
                join2(why, sizeof why, label, ill >= 0 ? "heat illness" : c.vuln_why);
                memcpy(label, why, sizeof label);
                cue_add(d, ACT_EMG_NO_COOLING_DANGER, f, i, 2, CF_NONEG | CF_NORESOLVE, label);
            } else {
                cue_add(d, ACT_EMG_NO_COOLING_DANGER, f, i, 1, CF_NONEG | CF_NORESOLVE,
                        c.hot >= 0 ? "no cooling, no one vulnerable"
                                   : "no cooling, no extreme heat");
                d->cue[d->ncue - 1].status = ST_NOTE;
            }
        }
    }
}

/* A faucet named near "no water" - but not one the caller is opening or closing ("the pipe bangs
 * when I close the tap": the water works). */
static bool faucet_scope(const doc_t *d, int i)
{
    for (int j = i - 14; j <= i + 10; j++) {
        if (!tk(d, j, K(SCOPE)) || !same_sent(d, i, j))
            continue;
        bool used = false;
        for (int q = j - 3; q < j; q++)
            used = used || tm(d, q, M(SHUT)) || teq(d, q, "cierro") || teq(d, q, "abro") ||
                   teq(d, q, "close") || teq(d, q, "open") || teq(d, q, "turn") ||
                   teq(d, q, "cierra") || teq(d, q, "abre");
        if (!used)
            return true;
    }
    return false;
}

static const char *const w_all_fix[] = {"all",   "both", "every",  "todos",   "todas", "ambos",
                                        "ambas", "any",  "ningun", "ninguna", NULL};
static const char *const w_others[] = {"other", "others",   "rest",       "ones", "demas",
                                       "otras", "otros",    "resto",      "else", "otro",
                                       "otra",  "upstairs", "downstairs", NULL};

/* "all the sinks, both toilets": every fixture in the home. */
static bool fixtures_all(const doc_t *d, int i)
{
    for (int j = i - 14; j <= i + 10; j++) {
        if (!tk(d, j, K(DRAINFIX) | K(SCOPE)) || !same_sent(d, i, j))
            continue;
        if (tin(d, j - 1, w_all_fix) || tin(d, j - 2, w_all_fix) || tin(d, j - 3, w_all_fix))
            return true;
    }
    return false;
}

/* "the kitchen faucet has no water but the bathroom ones work fine": only part of the home. */
static bool water_elsewhere(const doc_t *d, int i)
{
    for (int j = i - 16; j <= i + 20; j++) {
        if (!same_sent(d, i, j) || same_clause(d, i, j) || !tin(d, j, w_others))
            continue;
        if (clause_k(d, j, -6, 6, K(WORK) | K(RUN)) >= 0 || clause_m(d, j, -6, 6, M(FINE)) >= 0) {
            int w = clause_k(d, j, -6, 6, K(WORK) | K(RUN));
            if (w < 0 || !negated_at(d, w))
                return true;
        }
    }
    return false;
}

/* A cause that takes the water from the whole home: the well, its pump, the meter, the main. */
static bool whole_home_cause(const doc_t *d, int i)
{
    for (int j = i - 20; j <= i + 20; j++) {
        if (j < 0 || j >= d->n)
            continue;
        if (teq(d, j, "pozo") || teq(d, j, "regulator") || teq(d, j, "regulador") ||
            (teq(d, j, "well") &&
             (teq(d, j + 1, "pump") || teq(d, j - 1, "the") || teq(d, j - 1, "our") ||
              teq(d, j - 1, "my") || teq(d, j - 1, "a"))) ||
            (tk(d, j, K(METER)) && !tk(d, j, K(PANEL))) ||
            /* "the pump isn't kicking on", "la bomba no prende": the home's water pump. */
            (teq(d, j, "pump") && !teq(d, j - 1, "sump") && !teq(d, j - 1, "heat") &&
             !teq(d, j - 1, "some") && !teq(d, j - 1, "sub")) ||
            (teq(d, j, "bomba") && !tpre(d, j + 2, "sumider") && !tpre(d, j + 3, "sumider")) ||
            (teq(d, j, "gauge") && teq(d, j - 1, "pressure")))
            return true;
    }
    return false;
}

static const char *const w_rooms[] = {"kitchen",  "cocina",   "bathroom",   "bano",    "laundry",
                                      "lavadero", "upstairs", "downstairs", "garage",  "basement",
                                      "shower",   "ducha",    "regadera",   "outside", NULL};
static const char *const w_every[] = {"all",   "every",   "todas",    "todos",   "toda",
                                      "whole", "ninguna", "ningun",   "any",     "ni",
                                      "nor",   "entire",  "anywhere", "nowhere", NULL};

/* "en la cocina no sale agua de la llave": one room's faucet, unless the caller says every. */
static bool room_only(const doc_t *d, int i)
{
    bool room = false;
    for (int j = i - 8; j <= i + 8; j++) {
        if (!same_sent(d, i, j))
            continue;
        if (tin(d, j, w_every))
            return false;
        room = room || (same_clause(d, i, j) && tin(d, j, w_rooms));
    }
    return room;
}

static void detect_no_water(doc_t *d)
{
    for (int i = 0; i < d->n; i++) {
        /* "not a drop anywhere", "ni una gota". */
        bool drop = teq(d, i, "drop") || teq(d, i, "gota");
        if ((!tk(d, i, K(WATER)) && !drop) || d->t[i].hotwater)
            continue;
        /* "no water", "no tenemos nada de agua", "sin agua", "no hay agua", "no sale agua". */
        int neg = -1;
        for (int j = i - 1; j >= i - 4 && j >= 0 && same_clause(d, i, j); j--) {
            if (tm(d, j, M(NEG)) || teq(d, j, "nada") || teq(d, j, "zero") || teq(d, j, "cero") ||
                /* "se fue el agua", "we lost water" */
                (teq(d, j, "fue") && teq(d, j - 1, "se")) || teq(d, j, "lost")) {
                neg = j;
                break;
            }
        }
        /* "the water's out", "water is out in the whole house". */
        if (neg < 0 && !drop &&
            (tm(d, i + 1, M(OUT)) || (tm(d, i + 1, M(IT) | M(EN)) && tm(d, i + 2, M(OUT))))) {
            int o = tm(d, i + 1, M(OUT)) ? i + 1 : i + 2;
            if (!teq(d, o + 1, "of") && !teq(d, o + 1, "on") && !teq(d, o + 1, "onto"))
                neg = o;
        }
        if (neg < 0)
            continue;
        /* "no veo agua en ningún lado", "I don't see water anywhere": looking for a leak. */
        bool seen = false;
        for (int j = neg + 1; j < i; j++)
            seen = seen || tm(d, j, M(SEE)) || teq(d, j, "see") || teq(d, j, "vemos");
        if (seen || room_only(d, i))
            continue;
        if (teq(d, i + 1, "damage") || teq(d, i + 1, "pressure") || teq(d, i + 1, "on") ||
            teq(d, i + 1, "stains") || teq(d, i + 1, "spots") || tk(d, i + 1, K(LEAK)) ||
            d->t[i].hotwater)
            continue;
        bool scope = faucet_scope(d, i) || (teq(d, i + 1, "at") && teq(d, i + 2, "all")) ||
                     near_m(d, i, -3, 6, M(HOMEPART)) >= 0 || fixtures_all(d, i) ||
                     whole_home_cause(d, i) ||
                     (teq(d, i + 1, "anywhere") && near_k(d, i, -30, 0, K(SCOPE)) >= 0);
        for (int j = i + 1; j < i + 8 && j < d->n && !scope; j++) {
            if ((teq(d, j, "casa") || teq(d, j, "house") || teq(d, j, "home")) &&
                same_sent(d, i, j))
                scope = true;
        }
        if (scope && !water_elsewhere(d, i))
            cue_add(d, ACT_EMG_NO_WATER, i, neg, 2, CF_NONEG | CF_NORESOLVE, "no water at all");
    }
    for (int i = 0; i < d->n; i++) {
        /* "nothing comes out of any of the faucets", "no sale nada de las llaves". */
        if ((teq(d, i, "nothing") || teq(d, i, "nada")) && !room_only(d, i) &&
            (tk(d, i + 1, K(RUN)) || tk(d, i - 1, K(RUN)) || tk(d, i - 2, K(RUN)) ||
             (teq(d, i + 1, "s") && tk(d, i + 2, K(RUN)))) && /* "nothing's coming" */
            (faucet_scope(d, i) || fixtures_all(d, i) ||
             (near_k(d, i, -12, 12, K(WATER)) >= 0 &&
              (near_k(d, i, 1, 6, K(SPREAD)) >= 0 || teq(d, i + 3, "anywhere") ||
               teq(d, i + 4, "anywhere") || teq(d, i + 5, "anywhere")))))
            cue_add(d, ACT_EMG_NO_WATER, i, i, 2, CF_NONEG | CF_NORESOLVE,
                    "nothing comes out of the faucets");
        /* "every faucet is dry", "nothing comes out of the faucets". */
        if (tk(d, i, K(SCOPE)) && tk(d, i, K(PIPE))) {
            int dry = near_m(d, i, -3, 7, M(DRY));
            if (dry >= 0 && (teq(d, i - 1, "every") || teq(d, i - 1, "all") ||
                             teq(d, i, "faucets") || teq(d, i, "llaves") || teq(d, i, "taps")))
                cue_add(d, ACT_EMG_NO_WATER, dry, i, 2, CF_NONEG | CF_NORESOLVE,
                        "every faucet dry");
        }
    }
}

/* ---------------------------------------------------------------- judging */

/* A negation shortly before key in its clause, not cut off by "and" or "but". */
static bool negated_at(const doc_t *d, int key)
{
    for (int j = key - 1; j >= 0 && j >= key - 5; j--) {
        if (!same_clause(d, j, key))
            return false;
        if (tm(d, j, M(NEG)))
            return true;
        if (tm(d, j, M(AND) | M(CONJ)))
            return false;
    }
    return false;
}

static bool present_between(const doc_t *d, int a, int b)
{
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    for (int j = a + 1; j < b; j++) {
        if (tm(d, j, M(NOW) | M(STILL)))
            return true;
    }
    return false;
}

static bool past_at(const doc_t *d, const cue_t *c)
{
    int key = c->key;
    int lo = clause_lo(d, key), hi = clause_hi(d, key);
    /* "my basement floods every spring", "cada invierno se congela": a habit, not now. */
    if (clause_m(d, key, lo - key, hi - key, M(NOW) | M(STILL)) < 0) {
        for (int p = lo; p <= hi; p++) {
            if ((teq(d, p, "every") || teq(d, p, "cada")) && tm(d, p + 1, M(LONGU)) &&
                !teq(d, p + 1, "time") && !teq(d, p + 1, "vez"))
                return true;
        }
    }
    for (int p = lo; p <= hi; p++) {
        if (d->t[p].pastx == 2 && (c->flags & CF_NORESOLVE))
            continue;
        if (d->t[p].pastx && !present_between(d, p, key))
            return true;
    }
    /* A fronted "last winter," before the clause. */
    if (lo > 0 && same_sent(d, lo - 1, key) &&
        clause_m(d, key, lo - key, hi - key, M(NOW) | M(STILL)) < 0) {
        int plo = clause_lo(d, lo - 1);
        if (lo - plo <= 5) {
            for (int p = plo; p < lo; p++) {
                if (d->t[p].pastx)
                    return true;
            }
        }
    }
    /* "we had a burst pipe", "tuvimos una fuga" - but not "has had a headache since dinner". */
    int from = c->lo < key ? c->lo : key;
    for (int j = from - 1; j >= from - 4 && j >= lo; j--) {
        if (tm(d, j, M(PASTV)) && !present_between(d, j, key) &&
            clause_m(d, key, 1, 6, M(NOW) | M(STILL)) < 0 && !teq(d, key + 1, "since") &&
            near_m(d, key, 1, 5, M(NOW)) < 0) {
            bool since = false;
            for (int q = key + 1; q <= hi && q < key + 12; q++)
                since = since || teq(d, q, "since") || teq(d, q, "desde");
            if (!since)
                return true;
        }
    }
    return false;
}

/* "please hurry": the caller does not think shutting the valve ended it. */
static const char *const w_hurry[] = {"hurry",   "urgent", "urgente", "asap", "apurense",
                                      "apurese", "rapido", "quick",   NULL};

/* "I shut the valve right away", "cerré la llave de paso", "flipped the breaker off": the
 * caller isolated the water or the circuit (a hazard that goes on afterwards says so). */
static bool isolated_at(const doc_t *d, int r)
{
    if (!tm(d, r, M(SHUT)) && !teq(d, r, "flipped") && !teq(d, r, "turned") &&
        !teq(d, r, "bajamos") && !teq(d, r, "baje"))
        return false;
    if (tm(d, r - 1, M(NEG)) || tm(d, r - 2, M(NEG)))
        return false;
    /* "it keeps coming even after I turned the valve off": despite, not stopped. */
    for (int j = r - 6; j < r; j++) {
        if (same_sent(d, j, r) &&
            (tm(d, j, M(STILL)) || teq(d, j, "after") || teq(d, j, "despues") ||
             teq(d, j, "aunque") || teq(d, j, "though") || teq(d, j, "even")))
            return false;
    }
    for (int j = r + 1; j <= r + 4 && same_clause(d, r, j); j++) {
        if (tk(d, j, K(PIPE) | K(PANEL) | K(WATER)) || teq(d, j, "main"))
            return !tk(d, j, K(SCOPE)) || teq(d, j, "llave");
    }
    return false;
}

static bool resolved_after(const doc_t *d, const cue_t *c)
{
    if (c->flags & CF_NORESOLVE)
        return false;
    int key = c->key;
    /* "it is still coming", "sigue saliendo": ongoing in its own clause. */
    int lo = clause_lo(d, key), hi = clause_hi(d, key);
    for (int j = lo; j <= hi; j++) {
        if (tm(d, j, M(STILL)))
            return false;
    }
    /* "ya no huele a quemado": no longer, said just before the hazard. */
    for (int r = key - 4; r < key; r++) {
        if (same_clause(d, r, key) && d->t[r].resolv && tm(d, r, M(YA)))
            return true;
    }
    for (int r = key + 1; r < d->n && r <= key + 45; r++) {
        bool ends = d->t[r].resolv || ((c->flags & CF_ELEC) && tm(d, r, M(UNPLUG))) ||
                    ((c->flags & (CF_WATER | CF_ELEC)) && isolated_at(d, r));
        if (!ends)
            continue;
        bool again = false;
        for (int j = r + 1; j < d->n && j <= r + 15; j++)
            again = again || tm(d, j, M(STILL)) ||
                    /* "shut the valve, and water is pouring from the ceiling" */
                    (!d->t[r].resolv &&
                     (tk(d, j, K(GUSH) | K(SPARK) | K(SMOKE) | K(FLAME)) || tin(d, j, w_hurry)));
        if (!again)
            return true;
    }
    return false;
}

static const char *const w_qnow[] = {"normal",    "ok",        "okay",     "safe", "dangerous",
                                     "peligroso", "peligrosa", "supposed", NULL};

/* "should I be worried that the water heater is pouring water?": asked about what is happening. */
static const char *const w_qworry[] = {"worried",  "worry",     "bad",         "serious", "grave",
                                       "preocupo", "preocupar", "preocupante", NULL};

static cue_status_t hypo_at(const doc_t *d, const cue_t *c)
{
    int key = c->key;
    int lo = clause_lo(d, key), hi = clause_hi(d, key);
    for (int j = lo; j < key; j++) {
        if (tm(d, j, M(HYPO)))
            return ST_HYPO;
    }
    /* "if the power ever goes out, and the sump pump quits, ..." - but not "if it sparks again
     * call you, well it's sparking right now". */
    if (lo > 0 && same_sent(d, lo - 1, key) && !tm(d, lo, M(CONJ)) &&
        clause_m(d, key, lo - key, hi - key, M(NOW)) < 0) {
        for (int j = clause_lo(d, lo - 1); j < lo; j++) {
            if (tm(d, j, M(HYPO)) && j >= lo - 12 && !teq(d, j, "whether"))
                return ST_HYPO;
        }
    }
    if (d->clause_q[d->t[key].clause]) {
        bool own = false;
        /* "¿es normal que huela a gas?", "is it safe that the outlet is sparking?": a question
         * about a hazard happening now. */
        bool now_hazard = c->cat == ACT_EMG_GAS_LEAK || c->cat == ACT_EMG_CARBON_MONOXIDE ||
                          c->cat == ACT_EMG_FIRE_SMOKE || c->cat == ACT_EMG_ELECTRICAL_HAZARD;
        for (int j = lo; j <= hi; j++)
            own = own || tm(d, j, M(OWN) | M(NOW) | M(STILL) | M(WHY)) ||
                  (now_hazard && tin(d, j, w_qnow)) || tin(d, j, w_qworry);
        if (!own)
            return ST_QUESTION;
    }
    return ST_LIVE;
}

static const char *const w_into[] = {"en", "in", "into", "onto", "al", "inside", "dentro", NULL};

static const char *const w_whole[] = {"toda", "whole", "entire", "all", "todo", NULL};
static const char *const w_we_have[] = {"tenemos", "tengo", NULL};

static bool reaches_caller(const doc_t *d, int lo, int hi)
{
    for (int j = lo; j <= hi; j++) {
        /* "no tenemos agua en toda la casa", "the whole house": the caller's home. */
        if (tm(d, j, M(HOMEPART)) && !d->t[j].neigh &&
            (tin(d, j - 1, w_whole) || (tin(d, j - 1, w_art) && tin(d, j - 2, w_whole))))
            return true;
        if (tin(d, j, w_we_have) && !d->t[j].neigh)
            return true;
        /* "nos está cayendo agua", "it's dripping on us". */
        if ((teq(d, j, "nos") && tk(d, j + 1 + (teq(d, j + 1, "esta") || teq(d, j + 1, "estan")),
                                    K(GUSH) | K(RUN) | K(LEAK) | K(DRIP) | K(BACKUP))) ||
            ((teq(d, j, "us") || teq(d, j, "ours")) && tin(d, j - 1, w_into)))
            return true;
        /* "the line from the street fell in the yard": it landed at the caller's home. */
        if (tm(d, j, M(HOMEPART)) && !d->t[j].neigh && j > lo &&
            (tin(d, j - 1, w_into) || (tin(d, j - 1, w_art) && tin(d, j - 2, w_into))))
            return true;
        if (!tm(d, j, M(OWN)) || teq(d, j, "ours"))
            continue;
        for (int q = j + 1; q <= j + 2 && q <= hi; q++) {
            if (tm(d, q, M(HOMEPART)) ||
                tk(d, q, K(ALARM) | K(CEILING) | K(DRAINFIX) | K(OUTLET) | K(PANEL) | K(PIPE)))
                return true;
        }
    }
    return false;
}

static bool neighbor_at(const doc_t *d, const cue_t *c)
{
    int key = c->key;
    int lo = clause_lo(d, key), hi = clause_hi(d, key);
    bool nb = false;
    for (int j = lo; j <= hi; j++)
        nb = nb || d->t[j].neigh;
    if (!nb && lo > 0 && same_sent(d, lo - 1, key) &&
        clause_m(d, key, lo - key, hi - key, M(OWN)) < 0) {
        /* "los vecinos sí tienen luz, el breaker ...": the neighbours are the contrast. */
        bool contrast = false;
        for (int j = clause_lo(d, lo - 1); j < lo; j++) {
            nb = nb || d->t[j].neigh;
            contrast = contrast || tm(d, j, M(FINE)) ||
                       (teq(d, j, "si") && (tpre(d, j + 1, "tien") || teq(d, j + 1, "hay"))) ||
                       ((teq(d, j, "do") || teq(d, j, "still")) && tpre(d, j + 1, "ha"));
        }
        nb = nb && !contrast;
    }
    if (!nb && d->unaffected && clause_m(d, key, lo - key, hi - key, M(OWN)) < 0) {
        for (int j = 0; j < d->n; j++)
            nb = nb || d->t[j].neigh;
    }
    if (!nb && d->not_reached && clause_m(d, key, lo - key, hi - key, M(OWN)) < 0 &&
        !negated_at(d, key))
        nb = true;
    return nb && !reaches_caller(d, lo, hi);
}

static const char *const w_fresh[] = {"new",       "brand",  "fresh",     "changed",  "replaced",
                                      "swapped",   "nueva",  "nuevas",    "nuevo",    "nuevos",
                                      "cambie",    "cambio", "cambiamos", "cambiado", "cambiada",
                                      "cambiadas", NULL};

static const char *const w_need[] = {"need",  "needs", "necesita", "necesitan",
                                     "ocupa", "want",  NULL};

static bool battery_ruled_out(const doc_t *d, int j)
{
    bool battery = teq(d, j, "pila") || teq(d, j, "pilas") ||
                   (d->t[j].n >= 5 &&
                    (memcmp(d->t[j].w, "batte", 5) == 0 || memcmp(d->t[j].w, "bater", 5) == 0));
    if (!battery)
        return false;
    for (int q = j - 4; q <= j + 4; q++) {
        /* "it needs a new battery", "necesita pila nueva" is the cause, not a ruled-out one. */
        bool wanted = (tin(d, q - 1, w_need) || tin(d, q - 2, w_need) || teq(d, q - 1, "a")) ||
                      (q > j && (tin(d, j - 1, w_need) || tin(d, j - 2, w_need)));
        if (q != j && same_clause(d, q, j) &&
            ((tin(d, q, w_fresh) && !wanted) || (q < j && tm(d, q, M(NEG)))))
            return true;
    }
    return false;
}

static const char *const w_guess[] = {"probably", "maybe",  "might", "think",   "guess", "sera",
                                      "creo",     "quizas", "tal",   "thought", NULL};

/* "nobody feels sick", "we all feel fine", "todos estamos bien", "no symptoms". */
static bool no_symptoms_said(const doc_t *d)
{
    for (int j = 0; j < d->n; j++) {
        bool ill =
            teq(d, j, "sick") || teq(d, j, "mal") || tpre(d, j, "symptom") || tpre(d, j, "sintoma");
        if (ill && near_m(d, j, -3, -1, M(NEG)) >= 0)
            return true;
        bool feel = teq(d, j, "feel") || teq(d, j, "feels") || teq(d, j, "estamos") ||
                    teq(d, j, "sentimos") || teq(d, j, "everyones") || teq(d, j, "everybodys");
        if (feel && (tm(d, j + 1, M(FINE)) || tm(d, j + 2, M(FINE))))
            return true;
    }
    return false;
}

/* A battery the caller only guesses at ("probably the battery", "¿será la pila?"). */
static bool battery_guessed(const doc_t *d, int j)
{
    bool battery =
        teq(d, j, "pila") || teq(d, j, "pilas") || tpre(d, j, "batte") || tpre(d, j, "bater");
    if (!battery)
        return false;
    for (int q = j - 5; q < j; q++) {
        if (same_clause(d, q, j) && tin(d, q, w_guess))
            return true;
    }
    return false;
}

static const char *const w_dust_usual[] = {"first",     "every",   "each", "season",  "always",
                                           "usually",   "siempre", "cada", "primera", "primer",
                                           "temporada", "year",    "ano",  NULL};

static bool dust_is_routine(const doc_t *d, int i)
{
    for (int j = i - 20; j <= i + 20; j++) {
        if (same_sent(d, i, j) && tin(d, j, w_dust_usual))
            return true;
    }
    return false;
}

static bool false_alarm_at(const doc_t *d, const cue_t *c)
{
    if (!(c->flags & (CF_ALARM | CF_SMOKE)))
        return false;
    for (int j = 0; j < d->n; j++) {
        bool fa = tm(d, j, M(FALSEAL)) || tm(d, j, M(TEST));
        if (!fa)
            continue;
        /* "it's not the battery", "the batteries are brand new": ruled out, not the cause. */
        if (tm(d, j, M(FALSEAL)) && battery_ruled_out(d, j))
            continue;
        /* "it's probably just the battery, but it's going off nonstop": the caller's guess does
         * not explain away an alarm that is sounding rather than chirping. */
        if ((c->flags & CF_ALARM) && tm(d, j, M(FALSEAL)) && battery_guessed(d, j) &&
            !no_symptoms_said(d))
            continue;
        /* Dust burning off explains a smell on the season's first run; a burning-dust smell
         * that is simply there now is a burning smell. */
        if ((teq(d, j, "dust") || teq(d, j, "polvo")) && !dust_is_routine(d, j))
            continue;
        bool relevant = (c->flags & CF_ALARM)
                            ? (same_sent(d, j, c->key) || tm(d, j, M(TEST)))
                            : (same_sent(d, j, c->key) && j >= c->key - 12 && j <= c->key + 12);
        if (!relevant)
            continue;
        bool again = false;
        for (int q = j + 1; q < d->n && q <= j + 12; q++)
            again = again || tm(d, q, M(STILL));
        if (!again)
            return true;
    }
    return false;
}

static void judge(doc_t *d, cue_t *c)
{
    if (c->status != ST_LIVE)
        return;
    cue_status_t h;
    if (!(c->flags & CF_NONEG) && negated_at(d, c->key))
        c->status = ST_NEG;
    else if ((h = hypo_at(d, c)) != ST_LIVE)
        c->status = h;
    else if (past_at(d, c))
        c->status = ST_PAST;
    else if (neighbor_at(d, c))
        c->status = ST_NEIGHBOR;
    else if (false_alarm_at(d, c))
        c->status = ST_FALSEAL;
    else if (resolved_after(d, c))
        c->status = ST_RESOLVED;
    else if ((c->flags & CF_WATER) && c->strength < 3 && clause_m(d, c->key, -4, 3, M(MINOR)) >= 0)
        c->status = ST_MINOR;
    else if ((c->flags & CF_WEAK) && clause_m(d, c->key, -12, 12, M(ROUTINE)) >= 0)
        c->status = ST_ROUTINE;
}

/* ----------------------------------------------------------------- result */

/* Higher is chosen first: the policy's "when several signals appear" rules. */
static int category_rank(act_emg_category_t cat, bool visible)
{
    switch (cat) {
    case ACT_EMG_GAS_LEAK:
        return 100;
    case ACT_EMG_CARBON_MONOXIDE:
        return 90;
    case ACT_EMG_FIRE_SMOKE:
        return visible ? 80 : 60;
    case ACT_EMG_ELECTRICAL_HAZARD:
        return 70;
    case ACT_EMG_WATER_HEATER_FAILURE:
        return 50;
    case ACT_EMG_SEWAGE_BACKUP:
        return 40;
    case ACT_EMG_FLOODING:
        return 30;
    case ACT_EMG_NO_WATER:
        return 25;
    case ACT_EMG_NO_HEAT_DANGER:
        return 20;
    case ACT_EMG_NO_COOLING_DANGER:
        return 10;
    default:
        return 0;
    }
}

#define MAX_FOUND 32

typedef struct {
    act_emg_category_t cat;
    cue_status_t status;
    uint8_t strength, visible;
    char label[LABEL_SZ];
} found_t;

typedef struct {
    found_t f[MAX_FOUND];
    int n;
    int en, es;
} findings_t;

static void findings_add(findings_t *fs, const cue_t *c)
{
    for (int i = 0; i < fs->n; i++) {
        found_t *f = &fs->f[i];
        if (f->cat == c->cat && f->status == c->status && strcmp(f->label, c->label) == 0) {
            if (c->strength > f->strength)
                f->strength = c->strength;
            return;
        }
    }
    if (fs->n >= MAX_FOUND) {
        /* Keep the live ones: replace the weakest non-live finding. */
        if (c->status != ST_LIVE)
            return;
        for (int i = 0; i < fs->n; i++) {
            if (fs->f[i].status != ST_LIVE) {
                fs->f[i] = fs->f[--fs->n];
                break;
            }
        }
        if (fs->n >= MAX_FOUND)
            return;
    }
    found_t *f = &fs->f[fs->n++];
    f->cat = c->cat;
    f->status = c->status;
    f->strength = c->strength;
    f->visible = c->visible;
    memcpy(f->label, c->label, sizeof f->label);
}

/* "but", "pero", "aunque" start a clause of their own: "no sparks, but I get zapped". The question
 * mark belongs to the last part of a clause it ended. */
static void split_clauses(doc_t *d)
{
    uint16_t old[MAX_TOK];
    uint8_t q_old[MAX_TOK + 2];
    memcpy(q_old, d->clause_q, sizeof q_old);
    memset(d->clause_q, 0, sizeof d->clause_q);
    int c = -1;
    for (int i = 0; i < d->n; i++) {
        old[i] = d->t[i].clause;
        if (i == 0 || old[i] != old[i - 1] || tm(d, i, M(CONJ)))
            c++;
        d->t[i].clause = (uint16_t)c;
    }
    for (int i = 0; i < d->n; i++) {
        if ((i == d->n - 1 || old[i + 1] != old[i]) && q_old[old[i]])
            d->clause_q[d->t[i].clause] = 1;
    }
    d->nclause = c + 1;
}

static void analyse_window(doc_t *d, const char *text, size_t len, findings_t *fs)
{
    doc_tokenize(d, text, len);
    for (int i = 0; i < d->n; i++) {
        const lex_entry_t *e = lexicon_find(d->t[i].w, d->t[i].n);
        if (e) {
            d->t[i].k = e->k;
            d->t[i].m = e->m;
        }
        if (d->t[i].m & M(EN))
            fs->en++;
        if (d->t[i].m & M(ES))
            fs->es++;
    }
    split_clauses(d);
    mark_numbers(d);
    fix_meanings(d);
    d->ncue = 0;
    d->unaffected = false;
    d->not_reached = false;
    mark_context(d);
    detect_gas(d);
    detect_co(d);
    detect_fire(d);
    detect_electrical(d);
    detect_water(d);
    detect_comfort(d);
    detect_no_water(d);
    for (int i = 0; i < d->ncue; i++) {
        judge(d, &d->cue[i]);
        findings_add(fs, &d->cue[i]);
    }
}

/* Where the window starting at start should end: at a sentence end if one is near, never inside
 * a UTF-8 sequence. */
static size_t window_end(const char *text, size_t len, size_t start)
{
    if (len - start <= WIN_RAW)
        return len;
    size_t end = start + WIN_RAW;
    for (size_t j = end; j > end - 400; j--) {
        char c = text[j - 1];
        if (c == '.' || c == '?' || c == '!' || c == '\n')
            return j;
    }
    for (size_t j = end; j > end - 100; j--) {
        if (text[j - 1] == ' ' || text[j - 1] == ',')
            return j;
    }
    while (end > start + 1 && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    return end;
}

static size_t window_next(const char *text, size_t end)
{
    size_t s = end - WIN_OVERLAP;
    while (s < end && text[s] != ' ')
        s++;
    return s < end ? s + 1 : end;
}

static int found_cmp_rank(const found_t *a)
{
    return category_rank(a->cat, a->visible) * 4 + a->strength;
}

/* The rules' verdict (everything above): negation, tense, the policy's thresholds. */
static void rules_classify(const char *text, size_t len, act_emg_industry_t industry,
                           act_emg_lang_t lang, act_emg_result_t *out, unsigned *explained,
                           unsigned *below)
{
    doc_t d;
    findings_t fs;
    memset(out, 0, sizeof *out);
    fs.n = 0;
    fs.en = 0;
    fs.es = 0;
    d.industry = industry;
    if (!text)
        len = 0;
    for (size_t start = 0; start < len;) {
        size_t end = window_end(text, len, start);
        analyse_window(&d, text + start, end - start, &fs);
        if (end >= len)
            break;
        size_t next = window_next(text, end);
        start = next > start ? next : end;
    }

    out->lang_used = lang != ACT_EMG_LANG_AUTO ? lang
                     : fs.es > fs.en           ? ACT_EMG_LANG_ES
                                               : ACT_EMG_LANG_EN;

    /* Order: live findings by rank, then the rest by strength. */
    int order[MAX_FOUND];
    int n = 0;
    for (int i = 0; i < fs.n; i++)
        order[n++] = i;
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0; j--) {
            const found_t *a = &fs.f[order[j - 1]], *b = &fs.f[order[j]];
            int ka = (a->status == ST_LIVE ? 1000 : 0) + found_cmp_rank(a);
            int kb = (b->status == ST_LIVE ? 1000 : 0) + found_cmp_rank(b);
            if (kb <= ka)
                break;
            int t = order[j - 1];
            order[j - 1] = order[j];
            order[j] = t;
        }
    }
    int nlive = 0, max_other = 0;
    *explained = 0;
    *below = 0;
    for (int i = 0; i < fs.n; i++) {
        if (fs.f[i].status == ST_NOTE)
            *below |= 1u << fs.f[i].cat;
        else if (fs.f[i].status != ST_LIVE)
            *explained |= 1u << fs.f[i].cat;
        if (fs.f[i].status == ST_LIVE)
            nlive++;
        else if (fs.f[i].status != ST_NOTE && fs.f[i].strength > max_other)
            max_other = fs.f[i].strength;
    }
    if (nlive > 0) {
        const found_t *best = &fs.f[order[0]];
        out->emergency = true;
        out->category = best->cat;
        out->score = 0.6 + 0.1 * best->strength + (nlive > 1 ? 0.05 : 0.0);
        if (out->score > 0.99)
            out->score = 0.99;
    } else {
        out->category = ACT_EMG_NONE;
        out->score = 0.05 + 0.1 * max_other;
    }
    for (int i = 0; i < n && out->ncues < ACT_EMG_MAX_CUES; i++) {
        const found_t *f = &fs.f[order[i]];
        char cue[ACT_EMG_CUE_SZ];
        join2(cue, sizeof cue, status_prefix[f->status], f->label);
        bool dup = false;
        for (int j = 0; j < out->ncues; j++)
            dup = dup || strcmp(out->cues[j], cue) == 0;
        if (!dup)
            memcpy(out->cues[out->ncues++], cue, sizeof cue);
    }
}

/*
 * The learned scorer (act_emg_model.h) and the rules, together. The rules
 * catch only wordings someone wrote down; the scorer has read a few thousand
 * labelled calls and generalises to new ones, but knows no logic. So:
 *   - the scorer alone raises an emergency when it is fairly sure
 *     (p(none) < MODEL_FLAG), with its most likely category and the caller's
 *     words that weighed most as the cue;
 *   - a rules finding stands unless the scorer is very sure there is nothing
 *     (p(none) >= MODEL_VETO) and has read the whole text;
 *   - the category is the rules' when they found one (they apply the policy's
 *     priority order), the scorer's otherwise.
 * The thresholds were chosen on blind batches (docs/emergency.md): on text
 * neither half had seen, rules alone recalled 0.76-0.87, the scorer alone
 * 0.96-0.98, the two together 0.98-1.00 at 2-6% false positives.
 */
#define MODEL_FLAG 0.7f
#define MODEL_VETO 0.97f
#define MODEL_FLAG_EXPLAINED 0.3f

static void cue_push_front(act_emg_result_t *out, const char *cue)
{
    int n = out->ncues < ACT_EMG_MAX_CUES ? out->ncues : ACT_EMG_MAX_CUES - 1;
    memmove(out->cues[1], out->cues[0], (size_t)n * sizeof(out->cues[0]));
    snprintf(out->cues[0], sizeof(out->cues[0]), "%s", cue);
    out->ncues = n + 1;
}

void act_emg_classify(const char *text, size_t len, act_emg_industry_t industry,
                      act_emg_lang_t lang, act_emg_result_t *out)
{
    unsigned explained, below;
    rules_classify(text, len, industry, lang, out, &explained, &below);
    act_emg_model_out_t m;
    act_emg_model_score(text, text ? len : 0, &m);
    float pnone = m.p[ACT_EMG_NONE];
    char cue[ACT_EMG_CUE_SZ];
    /* A hazard of the scorer's category that the rules saw and explained away
     * (negated, over, stopped, below the policy's threshold) takes a surer
     * scorer to overrule: the rules read negation and tense, the scorer does not. */
    float flag = explained & (1u << m.best) ? MODEL_FLAG_EXPLAINED : MODEL_FLAG;
    /* Thresholds (how cold, how hot, who is at risk, the whole home dry) are the
     * rules' to judge: the scorer cannot read a temperature. */
    if (below & (1u << m.best))
        flag = 0.0f;
    if (!out->emergency && pnone < flag) {
        out->emergency = true;
        out->category = m.best;
        snprintf(cue, sizeof(cue), "learned: \"%.50s\"", m.evidence);
        cue_push_front(out, cue);
    } else if (out->emergency && pnone >= MODEL_VETO && m.complete) {
        out->emergency = false;
        out->category = ACT_EMG_NONE;
        snprintf(cue, sizeof(cue), "learned: routine (%.0f%%)", 100.0 * pnone);
        cue_push_front(out, cue);
        for (int i = 1; i < out->ncues; i++) {
            char was[ACT_EMG_CUE_SZ];
            memcpy(was, out->cues[i], sizeof(was));
            snprintf(out->cues[i], sizeof(out->cues[i]), "overruled: %.50s", was);
        }
    } else if (out->emergency && m.evidence[0] && out->ncues < ACT_EMG_MAX_CUES) {
        snprintf(cue, sizeof(cue), "learned: \"%.50s\"", m.evidence);
        memcpy(out->cues[out->ncues++], cue, sizeof(cue));
    }
    /* >= 0.5 exactly when an emergency (below 0.49 otherwise, so no rounding blurs the
     * line); higher the surer the scorer is. */
    out->score = out->emergency ? 0.5 + 0.5 * (1.0 - pnone) : 0.49 * (1.0 - pnone);
}

bool act_emg_selfcheck(void)
{
    for (size_t i = 1; i < LEXICON_SIZE; i++) {
        if (strcmp(lexicon[i - 1].word, lexicon[i].word) >= 0)
            return false;
    }
    for (size_t i = 0; i < LEXICON_SIZE; i++) {
        const lex_entry_t *e = lexicon_find(lexicon[i].word, strlen(lexicon[i].word));
        if (e != &lexicon[i])
            return false;
    }
    return true;
}
