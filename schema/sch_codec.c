/*
 * sch_codec: msgpack maps for tenant profiles and call state. Any thread.
 * Encoding uses msgpack-c's packer over an eng_buf_t; decoding uses a
 * zone-less unpack (msgpack_unpack_next into a msgpack_unpacked) and walks
 * the map by key.
 */
#include "sch_codec.h"
#include "eng_alloc.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

static int buf_write(void *data, const char *p, size_t len)
{
    eng_buf_append(data, p, len);
    return 0;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
    pack_str(pk, k);
    if (v)
        pack_str(pk, v);
    else
        msgpack_pack_nil(pk);
}

static void pack_kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
    pack_str(pk, k);
    msgpack_pack_int64(pk, v);
}

static void pack_kv_lines(msgpack_packer *pk, const char *k, char *const *lines, size_t n)
{
    pack_str(pk, k);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        pack_str(pk, lines[i]);
}

void sch_tenant_profile_pack(const sch_tenant_profile_t *p, eng_buf_t *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    msgpack_pack_map(&pk, 10);
    pack_kv_str(&pk, "id", p->id);
    pack_kv_str(&pk, "name", p->name);
    pack_kv_str(&pk, "industry", sch_industry_name(p->industry));
    pack_kv_str(&pk, "timezone", p->timezone);
    pack_kv_str(&pk, "language", sch_lang_name(p->language));
    pack_kv_str(&pk, "status", p->active ? "active" : "suspended");
    pack_kv_str(&pk, "greeting", p->greeting);
    pack_kv_str(&pk, "instructions", p->extra_instructions);
    pack_kv_lines(&pk, "hours", p->hours, p->nhours);
    pack_kv_lines(&pk, "services", p->services, p->nservices);
}

void sch_call_state_pack(const sch_call_state_t *s, eng_buf_t *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, buf_write);
    msgpack_pack_map(&pk, 15);
    pack_kv_str(&pk, "call_id", s->call_id);
    pack_kv_str(&pk, "tenant_id", s->tenant_id);
    pack_kv_str(&pk, "tenant_name", s->tenant_name);
    pack_kv_str(&pk, "language", sch_lang_name(s->language));
    pack_kv_str(&pk, "caller", s->caller_number);
    pack_kv_str(&pk, "dialed", s->dialed_number);
    pack_kv_str(&pk, "status", s->status);
    pack_kv_str(&pk, "last_event", s->last_event);
    pack_kv_int(&pk, "started_ms", s->started_ms);
    pack_kv_int(&pk, "last_event_ms", s->last_event_ms);
    pack_kv_str(&pk, "emergency_category", s->emergency_category);
    pack_kv_str(&pk, "emergency_cue", s->emergency_cue);
    pack_kv_str(&pk, "emergency_source", s->emergency_source);
    pack_kv_int(&pk, "emergency_ms", s->emergency_ms);
    pack_kv_str(&pk, "emergency_confirmed_by", s->emergency_confirmed_by);
}

/* ---- decoding ---- */

static bool key_is(const msgpack_object *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, name, n) == 0;
}

/* Copies a str or nil into *dst (replacing). false on another type. */
static bool take_str(const msgpack_object *v, char **dst)
{
    if (v->type == MSGPACK_OBJECT_NIL) {
        free(*dst);
        *dst = NULL;
        return true;
    }
    if (v->type != MSGPACK_OBJECT_STR)
        return false;
    free(*dst);
    *dst = eng_xmemdup(v->via.str.ptr, v->via.str.size);
    return true;
}

static bool take_int(const msgpack_object *v, int64_t *dst)
{
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (v->via.u64 > INT64_MAX)
            return false;
        *dst = (int64_t)v->via.u64;
        return true;
    }
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *dst = v->via.i64;
        return true;
    }
    return false;
}

static bool take_lines(const msgpack_object *v, char ***lines, size_t *n)
{
    if (v->type != MSGPACK_OBJECT_ARRAY)
        return false;
    size_t cnt = v->via.array.size;
    char **out = cnt ? eng_xcalloc(cnt, sizeof(*out)) : NULL;
    for (size_t i = 0; i < cnt; i++) {
        const msgpack_object *e = &v->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_STR) {
            for (size_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return false;
        }
        out[i] = eng_xmemdup(e->via.str.ptr, e->via.str.size);
    }
    for (size_t i = 0; i < *n; i++)
        free((*lines)[i]);
    free(*lines);
    *lines = out;
    *n = cnt;
    return true;
}

/*
 * msgpack-c allocates what a container header claims (a map "of 4 billion
 * entries" in 6 bytes), so a corrupt or hostile value in Redis could exhaust
 * memory before unpacking fails. This walks the headers first and accepts
 * only input whose containers could really hold their claimed elements (each
 * needs at least one byte), nested at most MP_MAX_DEPTH deep.
 */
#define MP_MAX_DEPTH 16

static uint32_t be_read(const unsigned char *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Checks one object at *pos; advances *pos past it. */
static bool mp_sane_obj(const unsigned char *d, size_t len, size_t *pos, int depth)
{
    if (*pos >= len || depth > MP_MAX_DEPTH)
        return false;
    unsigned char t = d[(*pos)++];
    size_t left = len - *pos;
    uint64_t skip = 0, count = 0;
    int lenbytes = 0;
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
        return true;
    if ((t & 0xf0) == 0x80) {
        count = 2u * (t & 0x0f);
    } else if ((t & 0xf0) == 0x90) {
        count = t & 0x0f;
    } else if ((t & 0xe0) == 0xa0) {
        skip = t & 0x1f;
    } else {
        switch (t) {
        case 0xc4:
        case 0xd9:
            lenbytes = 1;
            break; /* bin8, str8 */
        case 0xc5:
        case 0xda:
            lenbytes = 2;
            break;
        case 0xc6:
        case 0xdb:
            lenbytes = 4;
            break;
        case 0xc7:
            lenbytes = 1;
            skip = 1;
            break; /* ext8: len + type byte */
        case 0xc8:
            lenbytes = 2;
            skip = 1;
            break;
        case 0xc9:
            lenbytes = 4;
            skip = 1;
            break;
        case 0xca:
            skip = 4;
            break;
        case 0xcb:
            skip = 8;
            break;
        case 0xcc:
        case 0xd0:
            skip = 1;
            break;
        case 0xcd:
        case 0xd1:
            skip = 2;
            break;
        case 0xce:
        case 0xd2:
            skip = 4;
            break;
        case 0xcf:
        case 0xd3:
            skip = 8;
            break;
        case 0xd4:
            skip = 2;
            break;
        case 0xd5:
            skip = 3;
            break;
        case 0xd6:
            skip = 5;
            break;
        case 0xd7:
            skip = 9;
            break;
        case 0xd8:
            skip = 17;
            break;
        case 0xdc:
        case 0xdd: /* array16/32 */
        case 0xde:
        case 0xdf: /* map16/32 */ {
            int nb = (t == 0xdc || t == 0xde) ? 2 : 4;
            if (left < (size_t)nb)
                return false;
            count = be_read(d + *pos, nb) * (uint64_t)(t >= 0xde ? 2 : 1);
            *pos += (size_t)nb;
            left -= (size_t)nb;
            break;
        }
        default:
            return false; /* 0xc1 is never used */
        }
    }
    if (lenbytes) {
        if (left < (size_t)lenbytes)
            return false;
        skip += be_read(d + *pos, lenbytes);
        *pos += (size_t)lenbytes;
        left -= (size_t)lenbytes;
    }
    if (skip) {
        if (skip > left)
            return false;
        *pos += (size_t)skip;
        return true;
    }
    if (count > left)
        return false;
    for (uint64_t i = 0; i < count; i++)
        if (!mp_sane_obj(d, len, pos, depth + 1))
            return false;
    return true;
}

static bool mp_sane(const void *data, size_t len)
{
    size_t pos = 0;
    return mp_sane_obj(data, len, &pos, 0) && pos == len;
}

/* Unpacks one top-level map; calls fn for every key/value. */
static eng_err_t walk_map(const void *data, size_t len,
                          bool (*fn)(const msgpack_object *k, const msgpack_object *v, void *arg),
                          void *arg)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    eng_err_t err = ENG_ERR_PARSE;
    if (!mp_sane(data, len))
        goto out;
    if (msgpack_unpack_next(&up, data, len, &off) != MSGPACK_UNPACK_SUCCESS)
        goto out;
    if (up.data.type != MSGPACK_OBJECT_MAP || off != len)
        goto out;
    for (uint32_t i = 0; i < up.data.via.map.size; i++) {
        const msgpack_object_kv *kv = &up.data.via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR || !fn(&kv->key, &kv->val, arg))
            goto out;
    }
    err = ENG_OK;
out:
    msgpack_unpacked_destroy(&up);
    return err;
}

static bool profile_field(const msgpack_object *k, const msgpack_object *v, void *arg)
{
    sch_tenant_profile_t *p = arg;
    char *tmp = NULL;
    bool ok = true;
    if (key_is(k, "id"))
        return take_str(v, &p->id);
    if (key_is(k, "name"))
        return take_str(v, &p->name);
    if (key_is(k, "timezone"))
        return take_str(v, &p->timezone);
    if (key_is(k, "greeting"))
        return take_str(v, &p->greeting);
    if (key_is(k, "instructions"))
        return take_str(v, &p->extra_instructions);
    if (key_is(k, "hours"))
        return take_lines(v, &p->hours, &p->nhours);
    if (key_is(k, "services"))
        return take_lines(v, &p->services, &p->nservices);
    if (key_is(k, "industry")) {
        ok = take_str(v, &tmp) && sch_industry_parse(tmp, &p->industry);
    } else if (key_is(k, "language")) {
        ok = take_str(v, &tmp) && sch_lang_parse(tmp, &p->language);
    } else if (key_is(k, "status")) {
        ok = take_str(v, &tmp) && tmp;
        if (ok)
            p->active = strcmp(tmp, "active") == 0;
    }
    free(tmp);
    return ok; /* unknown keys are skipped */
}

eng_err_t sch_tenant_profile_unpack(const void *data, size_t len, sch_tenant_profile_t *p)
{
    eng_err_t err = walk_map(data, len, profile_field, p);
    if (err == ENG_OK && (!p->id || !p->name))
        err = ENG_ERR_PARSE;
    return err;
}

static bool state_field(const msgpack_object *k, const msgpack_object *v, void *arg)
{
    sch_call_state_t *s = arg;
    if (key_is(k, "call_id"))
        return take_str(v, &s->call_id);
    if (key_is(k, "tenant_id"))
        return take_str(v, &s->tenant_id);
    if (key_is(k, "tenant_name"))
        return take_str(v, &s->tenant_name);
    if (key_is(k, "caller"))
        return take_str(v, &s->caller_number);
    if (key_is(k, "dialed"))
        return take_str(v, &s->dialed_number);
    if (key_is(k, "status"))
        return take_str(v, &s->status);
    if (key_is(k, "last_event"))
        return take_str(v, &s->last_event);
    if (key_is(k, "started_ms"))
        return take_int(v, &s->started_ms);
    if (key_is(k, "last_event_ms"))
        return take_int(v, &s->last_event_ms);
    if (key_is(k, "emergency_category"))
        return take_str(v, &s->emergency_category);
    if (key_is(k, "emergency_cue"))
        return take_str(v, &s->emergency_cue);
    if (key_is(k, "emergency_source"))
        return take_str(v, &s->emergency_source);
    if (key_is(k, "emergency_ms"))
        return take_int(v, &s->emergency_ms);
    if (key_is(k, "emergency_confirmed_by"))
        return take_str(v, &s->emergency_confirmed_by);
    if (key_is(k, "language")) {
        char *tmp = NULL;
        bool ok = take_str(v, &tmp) && sch_lang_parse(tmp, &s->language);
        free(tmp);
        return ok;
    }
    return true;
}

eng_err_t sch_call_state_unpack(const void *data, size_t len, sch_call_state_t *s)
{
    eng_err_t err = walk_map(data, len, state_field, s);
    if (err == ENG_OK && !s->call_id)
        err = ENG_ERR_PARSE;
    return err;
}

void sch_call_state_deinit(sch_call_state_t *s)
{
    free(s->call_id);
    free(s->tenant_id);
    free(s->tenant_name);
    free(s->caller_number);
    free(s->dialed_number);
    free(s->status);
    free(s->last_event);
    free(s->emergency_category);
    free(s->emergency_cue);
    free(s->emergency_source);
    free(s->emergency_confirmed_by);
    memset(s, 0, sizeof(*s));
}
