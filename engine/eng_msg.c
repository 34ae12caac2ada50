/* eng_msg: message allocation and reference counting. Loop thread. */
#include "eng_msg.h"
#include "eng_alloc.h"

#include <stdlib.h>

static const char *const class_names[ENG_CLASS__COUNT] = {"live", "timer", "background"};

const char *eng_class_name(eng_class_t cls)
{
    return (unsigned)cls < ENG_CLASS__COUNT ? class_names[cls] : "unknown";
}

void *eng_msg_new(size_t size, uint32_t type, eng_class_t cls, eng_msg_free_fn free_fn)
{
    if (size < sizeof(eng_msg_t))
        size = sizeof(eng_msg_t);
    eng_msg_t *m = eng_xcalloc(1, size);
    m->type = type;
    m->cls = cls;
    m->free_fn = free_fn;
    m->refs = 1;
    return m;
}

void eng_msg_retain(eng_msg_t *msg)
{
    msg->refs++;
}

void eng_msg_free(eng_msg_t *msg)
{
    if (!msg)
        return;
    if (msg->refs > 1) {
        msg->refs--;
        return;
    }
    if (msg->free_fn)
        msg->free_fn(msg);
    free(msg);
}
