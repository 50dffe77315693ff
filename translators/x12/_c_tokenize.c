/* C twin of translators/x12/_tokenize.py: body_segments (see there for the contract).
 *
 * It reads the segments straight out of the reader's buffer: no string is made for a
 * segment's text, only its element list and elements.  Tags and short element values
 * (qualifiers, codes, dates, small numbers: 2-8 characters) are made once and shared by
 * the segments that hold them, through a small table: the reader's ``Shared`` table, kept
 * from call to call, or one that the call releases at its end.
 *
 * It takes ASCII text and a one-character terminator and element separator (what the
 * reader passes on its fast path); anything else returns (cur, pos) unchanged, which the
 * reader's general path then reads segment by segment with the same results.
 *
 * Memory safety: every argument is type-checked; all indexes are bounded by the text's
 * length; every reference taken is released on every path.  No Python code can run inside
 * the loop (exact str keys in an exact dict: hashing and comparison are C; the collector is
 * paused by the reader, and nothing made here is tracked), so neither the text nor the
 * kinds can change under us.  A tag's kind is looked up once per call (the reader may add
 * kinds between calls, never within one).
 *
 * The element lists (str only) and the Segments (str, that list, two ints) are acyclic and
 * never modified: they are taken out of the cyclic collector's care as they are made, as
 * translators/_c_untrack.c would do for them afterwards (which then finds nothing to do).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "../_c_kinds.h"
#include <string.h>

#define SLOT_BITS 10
#define SLOTS (1 << SLOT_BITS)  /* short strings remembered */
#define SHARED_MAX 8   /* element values and tags up to this length are shared */
#define INTERN_MAX 3   /* and interned up to this length: tags, qualifiers, codes */
#define PROBES 8       /* slots a string may take: its hash slot and the next ones */
#define MAX_SEPS 64    /* element separators a segment's split remembers in one pass */

typedef struct {
    unsigned long long code;  /* the string's bytes */
    Py_ssize_t len;
    PyObject *str;       /* strong reference */
    int kind;            /* as a tag: 1 body segment (kinds[tag] == 0), 0 not; good while
                          * the table's kind_epoch of the slot is its epoch */
} Slot;

typedef struct {
    Slot slot[SLOTS];
    unsigned char used[SLOTS];  /* 0 free, 1 held, 2 held and met again since (kept longer) */
    /* a slot's kind is good for the call that looked it up only (the reader may add kinds
     * between calls): it carries the number of that call */
    unsigned long long epoch;
    unsigned long long kind_epoch[SLOTS];
} Table;

/* A table kept from call to call (``Shared()``, one per reader): the short strings of one
 * transaction set are those of the next (tags, qualifiers, codes, units, dates, small
 * numbers), so they are made once per run of the reader instead of once per call, and the
 * consumers meet the very same string objects again (hashes cached, identity hits in the
 * checker's and the mappings' memos).  At most SLOTS strings of up to SHARED_MAX
 * characters: a full probe window evicts a string not met again since it was last passed
 * over (second chance: tags and codes met all the time stay, one-off values go).  Strings
 * of up to INTERN_MAX characters are interned. */
typedef struct {
    PyObject_HEAD
    Table table;
} Shared;

static void
table_clear(Table *t)
{
    for (int k = 0; k < SLOTS; k++)
        if (t->used[k]) {
            t->used[k] = 0;
            Py_CLEAR(t->slot[k].str);
        }
}

static void
Shared_dealloc(Shared *self)
{
    table_clear(&self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Shared_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (!_PyArg_NoPositional("Shared", args) || !_PyArg_NoKeywords("Shared", kwds))
        return NULL;
    Shared *self = (Shared *)type->tp_alloc(type, 0);  /* zeroed: an empty table */
    return (PyObject *)self;
}

static PyObject *
Shared_len(Shared *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t n = 0;
    for (int k = 0; k < SLOTS; k++)
        n += self->table.used[k] != 0;
    return PyLong_FromSsize_t(n);
}

static PyMethodDef Shared_methods[] = {
    {"size", (PyCFunction)Shared_len, METH_NOARGS, "size() -> strings held"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SharedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "translators.x12._c_tokenize.Shared",
    .tp_basicsize = sizeof(Shared),
    .tp_dealloc = (destructor)Shared_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Shared(): the short strings body_segments shares, kept from call to call "
              "(holds str only)",
    .tp_methods = Shared_methods,
    .tp_new = Shared_new,
};

static int
is_ws(Py_UCS1 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\x0b' || c == '\x0c';
}

static PyObject *
ascii_str(const Py_UCS1 *p, Py_ssize_t n)
{
    if (n == 0)
        return PyUnicode_New(0, 0);  /* the empty singleton */
    if (n == 1)
        return PyUnicode_FromOrdinal(p[0]);  /* cached for ASCII */
    PyObject *s = PyUnicode_New(n, 127);
    if (s != NULL)
        memcpy(PyUnicode_1BYTE_DATA(s), p, (size_t)n);
    return s;
}

/* The bytes p[0:n] (n <= 8) as one number, p[0] lowest: the table's key.  ``end`` is the
 * end of the buffer: with 8 bytes readable from p, one load and a mask. */
static unsigned long long
key_of(const Py_UCS1 *p, Py_ssize_t n, const Py_UCS1 *end)
{
    unsigned long long code = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (end - p >= 8) {
        memcpy(&code, p, 8);  /* a single unaligned load */
        return n == 8 ? code : code & ((1ULL << (8 * n)) - 1);
    }
#endif
    for (Py_ssize_t k = 0; k < n; k++)
        code |= (unsigned long long)p[k] << (8 * k);
    return code;
}

/* The table's slot for p[0:n] (1-8 bytes), filled with a new string if need be (a full
 * probe window evicts a string not met again since it was last passed over); NULL on a
 * Python error. */
static Slot *
table_slot(Table *t, const Py_UCS1 *p, Py_ssize_t n, const Py_UCS1 *end)
{
    unsigned long long code = key_of(p, n, end);  /* n <= 8: the bytes themselves are the key */
    unsigned long h = (unsigned long)(((code + (unsigned long long)n) * 0x9E3779B97F4A7C15ULL)
                                      >> (64 - SLOT_BITS));
    long i = -1;
    int probe;
    for (probe = 0; probe < PROBES; probe++) {
        unsigned long k = (h + (unsigned long)probe) & (SLOTS - 1);
        if (!t->used[k]) {
            i = (long)k;
            break;
        }
        Slot *slot = &t->slot[k];
        if (slot->code == code && slot->len == n) {
            t->used[k] = 2;
            return slot;
        }
    }
    if (i < 0) {
        /* full: the first slot of the window not met again since it was last passed over
         * (a second chance: tags and codes met all the time stay, one-off values go) */
        i = (long)(h & (SLOTS - 1));
        for (probe = 0; probe < PROBES; probe++) {
            unsigned long k = (h + (unsigned long)probe) & (SLOTS - 1);
            if (t->used[k] == 1) {
                i = (long)k;
                break;
            }
            t->used[k] = 1;
        }
    }
    PyObject *str = ascii_str(p, n);
    if (str == NULL)
        return NULL;
    /* tags, qualifiers and codes interned: then the very objects of the same literals in the
     * compiled consumers (their comparisons and dict lookups check identity first) */
    if (n <= INTERN_MAX)
        PyUnicode_InternInPlace(&str);
    Slot *slot = &t->slot[i];
    if (t->used[i])
        Py_DECREF(slot->str);  /* evicted: the segments that hold it keep their references */
    t->used[i] = 1;
    slot->code = code;
    slot->len = n;
    slot->str = str;
    t->kind_epoch[i] = 0;  /* its kind is not known in this call */
    return slot;
}

/* A new reference to the string p[0:n]: shared through the table when short. */
static PyObject *
element_str(Table *t, const Py_UCS1 *p, Py_ssize_t n, const Py_UCS1 *end)
{
    if (n >= 2 && n <= SHARED_MAX) {
        Slot *slot = table_slot(t, p, n, end);
        if (slot == NULL)
            return NULL;
        Py_INCREF(slot->str);
        return slot->str;
    }
    return ascii_str(p, n);
}

/* The element list of p[0:n] split on es, its first element being tag (a new reference
 * stolen); NULL with an exception on failure. */
static PyObject *
split_elements(Table *t, const Py_UCS1 *p, Py_ssize_t n, Py_UCS1 es, PyObject *tag,
               Py_ssize_t tn, const Py_UCS1 *buf_end)
{
    /* one pass finds the separators (a segment has well under MAX_SEPS; past that they are
     * found again while splitting) */
    Py_ssize_t seps[MAX_SEPS];
    Py_ssize_t count = 1, k;
    for (k = tn; k < n; k++)
        if (p[k] == es) {
            if (count <= MAX_SEPS)
                seps[count - 1] = k;
            count++;
        }
    PyObject *el = PyList_New(count);
    if (el == NULL) {
        Py_DECREF(tag);
        return NULL;
    }
    PyList_SET_ITEM(el, 0, tag);
    Py_ssize_t start = tn + 1;
    for (Py_ssize_t idx = 1; idx < count; idx++) {
        Py_ssize_t end;
        if (idx == count - 1)
            end = n;
        else if (count <= MAX_SEPS)
            end = seps[idx];
        else
            for (end = start; end < n && p[end] != es; end++)
                ;
        PyObject *v = element_str(t, p + start, end - start, buf_end);
        if (v == NULL) {
            Py_DECREF(el);
            return NULL;
        }
        PyList_SET_ITEM(el, idx, v);
        start = end + 1;
    }
    return el;
}

static PyObject *
body_segments(PyObject *self, PyObject *args)
{
    PyObject *text, *term, *rs, *es, *kinds, *out, *segtype, *shared = Py_None;
    Py_ssize_t cur, base, maxlen, pos;
    if (!PyArg_ParseTuple(args, "UnnUUUO!nnO!O|O:body_segments",
                          &text, &cur, &base, &term, &rs, &es,
                          &PyDict_Type, &kinds, &maxlen, &pos, &PyList_Type, &out, &segtype,
                          &shared))
        return NULL;
    if (shared != Py_None && !PyObject_TypeCheck(shared, &SharedType)) {
        PyErr_SetString(PyExc_TypeError, "body_segments: shared must be a Shared table or None");
        return NULL;
    }
    if (!PyType_Check(segtype) || !PyType_IsSubtype((PyTypeObject *)segtype, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "body_segments: segment type must be a tuple subclass");
        return NULL;
    }
    PyTypeObject *st = (PyTypeObject *)segtype;
    /* a tuple subclass laid out as a tuple (a named tuple): its Segments are made with
     * PyObject_GC_NewVar, as tuples make themselves, and never tracked (they are untracked
     * at once anyway); any other subclass through its tp_alloc */
    int plain_layout = st->tp_alloc == PyType_GenericAlloc
                       && st->tp_basicsize == PyTuple_Type.tp_basicsize
                       && st->tp_itemsize == PyTuple_Type.tp_itemsize
                       && st->tp_dictoffset == 0 && st->tp_weaklistoffset == 0;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (cur < 0 || cur > len || !PyUnicode_IS_ASCII(text) || PyUnicode_GET_LENGTH(term) != 1
        || PyUnicode_GET_LENGTH(es) != 1)
        return Py_BuildValue("(nn)", cur, pos);
    Py_UCS4 term_c = PyUnicode_READ_CHAR(term, 0), es_c = PyUnicode_READ_CHAR(es, 0);
    if (term_c > 127 || es_c > 127)  /* cannot occur in ASCII text */
        return Py_BuildValue("(nn)", cur, pos);
    const Py_UCS1 *data = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t rs_len = PyUnicode_GET_LENGTH(rs);
    int rs_kind = PyUnicode_KIND(rs);
    const void *rs_data = PyUnicode_DATA(rs);
    Table *table;
    if (shared != Py_None) {
        table = &((Shared *)shared)->table;
    }
    else {
        table = PyMem_Malloc(sizeof(Table));
        if (table == NULL)
            return PyErr_NoMemory();
        memset(table->used, 0, sizeof(table->used));
        table->epoch = 0;
    }
    table->epoch++;  /* kinds looked up in earlier calls are not trusted in this one */
    PyObject *result = NULL;

    while (cur < len) {
        const Py_UCS1 *p = data + cur;
        const Py_UCS1 *t = memchr(p, (int)term_c, (size_t)(len - cur));
        if (t == NULL)
            break;  /* the tail: not a complete segment */
        Py_ssize_t n = t - p;
        Py_ssize_t a = 0;
        while (a < n && is_ws(p[a]))
            a++;
        Py_ssize_t m = n - a;  /* length after lstrip */
        Py_ssize_t b = n;
        if (rs_len) {
            while (b > a) {
                Py_UCS4 c = p[b - 1];
                Py_ssize_t k;
                for (k = 0; k < rs_len; k++)
                    if (PyUnicode_READ(rs_kind, rs_data, k) == c)
                        break;
                if (k == rs_len)
                    break;
                b--;
            }
        }
        if (b > a) {
            if (m > maxlen)
                break;
            const Py_UCS1 *s = p + a;
            Py_ssize_t sn = b - a;
            const Py_UCS1 *sep = memchr(s, (int)es_c, (size_t)sn);
            Py_ssize_t tn = sep ? sep - s : sn;
            if (tn < 1 || tn > SHARED_MAX)
                break;  /* the reader's kinds hold 2-3 character tags only */
            /* the tag: shared, its kind looked up once per call */
            Slot *slot = table_slot(table, s, tn, data + len);
            if (slot == NULL)
                goto done;
            Py_ssize_t si = slot - table->slot;
            if (table->kind_epoch[si] != table->epoch) {
                int kind = kind_is_zero(kinds, slot->str);
                if (kind < 0)
                    goto done;
                slot->kind = kind;
                table->kind_epoch[si] = table->epoch;
            }
            int body = slot->kind;
            PyObject *tag = slot->str;
            Py_INCREF(tag);
            if (!body) {
                Py_DECREF(tag);
                break;
            }
            Py_INCREF(tag);  /* one for the Segment, one stolen by the list */
            PyObject *el = split_elements(table, s, sn, (Py_UCS1)es_c, tag, tn, data + len);
            if (el == NULL) {
                Py_DECREF(tag);
                goto done;
            }
            PyObject *offset = PyLong_FromSsize_t(base + cur + a);
            PyObject *position = PyLong_FromSsize_t(pos + 1);
            PyObject *seg = NULL;
            if (offset && position)
                seg = plain_layout ? (PyObject *)PyObject_GC_NewVar(PyTupleObject, st, 4)
                                   : st->tp_alloc(st, 4);
            if (seg == NULL) {
                Py_XDECREF(offset);
                Py_XDECREF(position);
                Py_DECREF(el);
                Py_DECREF(tag);
                goto done;
            }
            if (PyObject_GC_IsTracked(el))
                PyObject_GC_UnTrack(el);
            PyTuple_SET_ITEM(seg, 0, tag);  /* steals the second reference */
            PyTuple_SET_ITEM(seg, 1, el);  /* steals el */
            PyTuple_SET_ITEM(seg, 2, offset);
            PyTuple_SET_ITEM(seg, 3, position);
            if (PyObject_GC_IsTracked(seg))
                PyObject_GC_UnTrack(seg);
            int rc = PyList_Append(out, seg);
            Py_DECREF(seg);
            if (rc < 0)
                goto done;
            pos += 1;
        }
        cur += n + 1;
    }
    result = Py_BuildValue("(nn)", cur, pos);
done:
    if (shared == Py_None) {
        table_clear(table);
        PyMem_Free(table);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"body_segments", body_segments, METH_VARARGS,
     "body_segments(text, cur, base, term, rs, es, kinds, maxlen, pos, out, Segment[, shared])"
     " -> (cur, pos); see translators/x12/_tokenize.py"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators.x12._c_tokenize",
    "C twin of translators.x12._tokenize (the X12 reader's hot loop).", -1, methods
};

PyMODINIT_FUNC
PyInit__c_tokenize(void)
{
    if (PyType_Ready(&SharedType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SharedType);
    if (PyModule_AddObject(m, "Shared", (PyObject *)&SharedType) < 0) {
        Py_DECREF(&SharedType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
