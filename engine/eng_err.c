/* eng_err: strings for the generated error enum. Any thread. */
#include "eng_err.h"

static const char *const err_strings[] = {
#define ENG_ERR_STR(name, str) str,
    ENG_ERR_LIST(ENG_ERR_STR)
#undef ENG_ERR_STR
};

static const char *const err_names[] = {
#define ENG_ERR_NAME(name, str) #name,
    ENG_ERR_LIST(ENG_ERR_NAME)
#undef ENG_ERR_NAME
};

const char *eng_err_str(eng_err_t err)
{
    if ((unsigned)err >= ENG_ERR__COUNT)
        return "unknown error";
    return err_strings[err];
}

const char *eng_err_name(eng_err_t err)
{
    if ((unsigned)err >= ENG_ERR__COUNT)
        return "ENG_ERR_UNKNOWN";
    return err_names[err];
}
