/* sch_tenant: tenant profile helpers and E.164 normalisation. Any thread. */
#include "sch_tenant.h"
#include "eng_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const industry_names[] = {"hvac", "plumbing", "electrical"};

const char *sch_industry_name(sch_industry_t ind)
{
    return (unsigned)ind < 3 ? industry_names[ind] : "hvac";
}

bool sch_industry_parse(const char *s, sch_industry_t *out)
{
    if (!s)
        return false;
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, industry_names[i]) == 0) {
            *out = (sch_industry_t)i;
            return true;
        }
    }
    return false;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

static char **copy_lines(char *const *lines, size_t n)
{
    if (n == 0)
        return NULL;
    char **out = eng_xcalloc(n, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = eng_xstrdup(lines[i]);
    return out;
}

void sch_tenant_profile_deinit(sch_tenant_profile_t *p)
{
    free(p->id);
    free(p->name);
    free(p->timezone);
    free(p->greeting);
    free(p->extra_instructions);
    free_lines(p->hours, p->nhours);
    free_lines(p->services, p->nservices);
    memset(p, 0, sizeof(*p));
}

void sch_tenant_profile_copy(sch_tenant_profile_t *dst, const sch_tenant_profile_t *src)
{
    dst->id = eng_xstrdup(src->id);
    dst->name = eng_xstrdup(src->name);
    dst->industry = src->industry;
    dst->timezone = eng_xstrdup(src->timezone);
    dst->language = src->language;
    dst->active = src->active;
    dst->greeting = eng_xstrdup(src->greeting);
    dst->extra_instructions = eng_xstrdup(src->extra_instructions);
    dst->nhours = src->nhours;
    dst->hours = copy_lines(src->hours, src->nhours);
    dst->nservices = src->nservices;
    dst->services = copy_lines(src->services, src->nservices);
}

eng_err_t sch_phone_normalize(const char *in, char *out, size_t outsz)
{
    if (!in || outsz < 17)
        return ENG_ERR_INVALID;
    const char *p = in;
    while (isspace((unsigned char)*p))
        p++;
    if (strncmp(p, "tel:", 4) == 0)
        p += 4;
    bool plus = false;
    if (*p == '+') {
        plus = true;
        p++;
    } else if (p[0] == '0' && p[1] == '0') {
        plus = true;
        p += 2;
    }
    char digits[20];
    size_t n = 0;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isdigit(c)) {
            if (n >= 15)
                return ENG_ERR_INVALID; /* E.164 allows at most 15 digits */
            digits[n++] = (char)c;
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') {
            continue;
        } else {
            return ENG_ERR_INVALID;
        }
    }
    digits[n] = '\0';
    if (!plus) {
        /* North American numbers written without a country code */
        if (n == 10 && digits[0] >= '2')
            return snprintf(out, outsz, "+1%s", digits) > 0 ? ENG_OK : ENG_ERR_INVALID;
        if (n == 11 && digits[0] == '1' && digits[1] >= '2')
            return snprintf(out, outsz, "+%s", digits) > 0 ? ENG_OK : ENG_ERR_INVALID;
        return ENG_ERR_INVALID;
    }
    if (n < 8 || digits[0] == '0')
        return ENG_ERR_INVALID;
    if (digits[0] == '1' && (n != 11 || digits[1] < '2'))
        return ENG_ERR_INVALID; /* NANP: +1 and ten digits, area code not 0/1 */
    snprintf(out, outsz, "+%s", digits);
    return ENG_OK;
}
