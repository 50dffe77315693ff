/* The X12 schema validator's fast check of one segment's elements, in C.
 *
 * ``Checker(spec, component, repetition)`` compiles the description of a segment definition
 * that translators/x12/schema.py ``checker_spec`` builds; ``checker.check(elements)`` then
 * answers True only when ``schema.check_segment`` would find no problem at all (no error, no
 * warning) in ``elements`` (elements[0] is the tag).  False means "not sure": the validator then
 * runs its detailed Python checks, which decide.  So the C code may be stricter than the
 * Python checks (it is for digits outside ASCII, which Python's \d and isdigit accept), never
 * looser; tests/x12/test_segcheck.py holds it to that against check_segment.
 *
 * spec = (number of element definitions, elements, notes)
 *   element   = (position, mandatory, max repeats, simple or None, components, component notes)
 *   simple    = component = (type, min length, max length, frozenset of codes or None, mandatory)
 *   note      = (kind, positions): kind 1 P, 2 R, 3 C, 4 E, 5 L
 *   type      = 1 AN, 2 ID without code list, 3 ID with code list, 4 B, 5 N0..N9, 6 R, 7 DT,
 *               8 TM; anything else: never accepted (the Python checks decide)
 *
 * Memory safety: the spec is type-checked when the checker is built; check() accepts any
 * object and answers False for anything but a list of exact str; all reads are bounded by
 * the string lengths; every reference taken is released on every path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_POSITIONS 255  /* element or component positions (X12 segments have < 100) */

enum { T_AN = 1, T_ID = 2, T_CODES = 3, T_B = 4, T_N = 5, T_R = 6, T_DT = 7, T_TM = 8 };
enum { N_P = 1, N_R = 2, N_C = 3, N_E = 4, N_L = 5 };

typedef struct {
    int type;
    Py_ssize_t min, max;
    PyObject *codes; /* frozenset, or NULL */
    int mandatory;
    /* the last whole string that passed (a strong reference, so its address cannot be
     * reused): qualifiers and codes come back segment after segment, often as the very
     * same string (the reader shares short values), and then pass without a check */
    PyObject *last_ok;
} Simple;

typedef struct {
    int kind;
    Py_ssize_t npos;
    Py_ssize_t *pos;
    Py_ssize_t minpos;  /* the smallest of pos */
    /* positions below 64, all different (every note X12 defines): decided on bit masks */
    int small;
    unsigned long long first;  /* the bit of pos[0] */
    unsigned long long rest;  /* the bits of the other positions */
} Note;

typedef struct {
    Py_ssize_t seq;
    int mandatory;
    Py_ssize_t repeat;
    int is_simple;
    Simple simple;
    Py_ssize_t ncomps;
    Simple *comps;
    Py_ssize_t nnotes;
    Note *notes;
} Elem;

typedef struct {
    PyObject_HEAD
    Py_ssize_t ndefs;
    Py_ssize_t nelems;
    Elem *elems;             /* sorted by position */
    Py_ssize_t last_mandatory;  /* position of the last mandatory element, 0 if none */
    Py_ssize_t nnotes;
    Note *notes;
    /* every note on the bit masks: the answer depends on which elements are there and
     * nothing else, and the last set of elements the notes passed with is remembered
     * (segments of one kind come with the same elements, one after another) */
    int notes_small;
    int passed_known;
    unsigned long long passed_bits;
    Py_UCS4 component; /* (Py_UCS4)-1: none */
    Py_UCS4 repetition;
} Checker;

#define NO_CHAR ((Py_UCS4)-1)

/* ------------------------------------------------------------------ building */

static void
free_notes(Note *notes, Py_ssize_t n)
{
    if (notes == NULL)
        return;
    for (Py_ssize_t i = 0; i < n; i++)
        PyMem_Free(notes[i].pos);
    PyMem_Free(notes);
}

static void
clear_simple(Simple *s)
{
    Py_CLEAR(s->codes);
    Py_CLEAR(s->last_ok);
}

static void
free_elems(Elem *elems, Py_ssize_t n)
{
    if (elems == NULL)
        return;
    for (Py_ssize_t i = 0; i < n; i++) {
        Elem *e = &elems[i];
        clear_simple(&e->simple);
        if (e->comps != NULL) {
            for (Py_ssize_t k = 0; k < e->ncomps; k++)
                clear_simple(&e->comps[k]);
            PyMem_Free(e->comps);
        }
        free_notes(e->notes, e->nnotes);
    }
    PyMem_Free(elems);
}

static int
spec_error(const char *what)
{
    PyErr_Format(PyExc_ValueError, "segment checker spec: %s", what);
    return -1;
}

static int
get_size(PyObject *obj, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t *out, const char *what)
{
    if (!PyLong_Check(obj))
        return spec_error(what);
    Py_ssize_t v = PyLong_AsSsize_t(obj);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return spec_error(what);
    }
    if (v < lo || v > hi)
        return spec_error(what);
    *out = v;
    return 0;
}

static int
build_simple(PyObject *t, Simple *s)
{
    Py_ssize_t type, mandatory;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 5)
        return spec_error("a simple element is (type, min, max, codes, mandatory)");
    if (get_size(PyTuple_GET_ITEM(t, 0), 0, 100, &type, "type") < 0
        || get_size(PyTuple_GET_ITEM(t, 1), 0, PY_SSIZE_T_MAX, &s->min, "min length") < 0
        || get_size(PyTuple_GET_ITEM(t, 2), 0, PY_SSIZE_T_MAX, &s->max, "max length") < 0
        || get_size(PyTuple_GET_ITEM(t, 4), 0, 1, &mandatory, "mandatory flag") < 0)
        return -1;
    s->type = (int)type;
    s->mandatory = (int)mandatory;
    PyObject *codes = PyTuple_GET_ITEM(t, 3);
    if (codes == Py_None) {
        if (s->type == T_CODES)
            return spec_error("an ID with a code list needs its codes");
    }
    else {
        if (!PyFrozenSet_CheckExact(codes) || s->type != T_CODES)
            return spec_error("codes are a frozenset, for type 3 only");
        Py_INCREF(codes);
        s->codes = codes;
    }
    return 0;
}

static int
build_notes(PyObject *seq, Note **out, Py_ssize_t *count)
{
    if (!PyTuple_Check(seq))
        return spec_error("notes are a tuple");
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    *count = 0;
    *out = NULL;
    if (n == 0)
        return 0;
    Note *notes = PyMem_Calloc((size_t)n, sizeof(Note));
    if (notes == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *out = notes;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyTuple_GET_ITEM(seq, i);
        Py_ssize_t kind;
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(t, 1)))
            return spec_error("a note is (kind, positions)");
        if (get_size(PyTuple_GET_ITEM(t, 0), N_P, N_L, &kind, "note kind") < 0)
            return -1;
        PyObject *ps = PyTuple_GET_ITEM(t, 1);
        Py_ssize_t np = PyTuple_GET_SIZE(ps);
        if (np < 2)
            return spec_error("a note names at least two positions");
        notes[i].kind = (int)kind;
        notes[i].pos = PyMem_Calloc((size_t)np, sizeof(Py_ssize_t));
        if (notes[i].pos == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *count = i + 1;  /* freed with the others from here on */
        notes[i].npos = np;
        for (Py_ssize_t k = 0; k < np; k++)
            if (get_size(PyTuple_GET_ITEM(ps, k), 1, MAX_POSITIONS, &notes[i].pos[k], "note position") < 0)
                return -1;
        notes[i].minpos = notes[i].pos[0];
        for (Py_ssize_t k = 1; k < np; k++)
            if (notes[i].pos[k] < notes[i].minpos)
                notes[i].minpos = notes[i].pos[k];
        unsigned long long seen = 0;
        notes[i].small = 1;
        for (Py_ssize_t k = 0; k < np; k++) {
            Py_ssize_t p = notes[i].pos[k];
            if (p >= 64 || (seen & (1ULL << p))) {
                notes[i].small = 0;
                break;
            }
            seen |= 1ULL << p;
        }
        if (notes[i].small) {
            notes[i].first = 1ULL << notes[i].pos[0];
            notes[i].rest = seen & ~notes[i].first;
        }
    }
    return 0;
}

static int
by_position(const void *a, const void *b)
{
    Py_ssize_t x = ((const Elem *)a)->seq, y = ((const Elem *)b)->seq;
    return x < y ? -1 : x > y;
}

static int
build_elem(PyObject *t, Elem *e)
{
    Py_ssize_t mandatory;
    if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 6)
        return spec_error("an element is (position, mandatory, repeat, simple, components, notes)");
    if (get_size(PyTuple_GET_ITEM(t, 0), 1, MAX_POSITIONS, &e->seq, "element position") < 0
        || get_size(PyTuple_GET_ITEM(t, 1), 0, 1, &mandatory, "mandatory flag") < 0
        || get_size(PyTuple_GET_ITEM(t, 2), 1, PY_SSIZE_T_MAX, &e->repeat, "repeat") < 0)
        return -1;
    e->mandatory = (int)mandatory;
    PyObject *simple = PyTuple_GET_ITEM(t, 3);
    PyObject *comps = PyTuple_GET_ITEM(t, 4);
    if (!PyTuple_Check(comps))
        return spec_error("components are a tuple");
    if (simple != Py_None) {
        e->is_simple = 1;
        if (build_simple(simple, &e->simple) < 0)
            return -1;
    }
    else {
        Py_ssize_t nc = PyTuple_GET_SIZE(comps);
        if (nc < 1 || nc > MAX_POSITIONS)
            return spec_error("a composite has 1 to 255 components");
        e->comps = PyMem_Calloc((size_t)nc, sizeof(Simple));
        if (e->comps == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        e->ncomps = nc;
        for (Py_ssize_t k = 0; k < nc; k++)
            if (build_simple(PyTuple_GET_ITEM(comps, k), &e->comps[k]) < 0)
                return -1;
    }
    return build_notes(PyTuple_GET_ITEM(t, 5), &e->notes, &e->nnotes);
}

static int
delimiter(PyObject *obj, Py_UCS4 *out, const char *what)
{
    if (obj == Py_None) {
        *out = NO_CHAR;
        return 0;
    }
    if (!PyUnicode_Check(obj) || PyUnicode_GET_LENGTH(obj) > 1) {
        PyErr_Format(PyExc_ValueError, "segment checker: the %s separator is one character", what);
        return -1;
    }
    *out = PyUnicode_GET_LENGTH(obj) ? PyUnicode_READ_CHAR(obj, 0) : NO_CHAR;
    return 0;
}

static void
Checker_dealloc(Checker *self)
{
    free_elems(self->elems, self->nelems);
    free_notes(self->notes, self->nnotes);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Checker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *spec, *component, *repetition;
    static char *kwlist[] = {"spec", "component", "repetition", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO:Checker", kwlist, &PyTuple_Type, &spec,
                                     &component, &repetition))
        return NULL;
    Checker *self = (Checker *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    if (delimiter(component, &self->component, "component") < 0
        || delimiter(repetition, &self->repetition, "repetition") < 0)
        goto fail;
    if (PyTuple_GET_SIZE(spec) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(spec, 1))) {
        spec_error("spec is (number of elements, elements, notes)");
        goto fail;
    }
    if (get_size(PyTuple_GET_ITEM(spec, 0), 0, MAX_POSITIONS, &self->ndefs, "number of elements") < 0)
        goto fail;
    PyObject *elems = PyTuple_GET_ITEM(spec, 1);
    Py_ssize_t ne = PyTuple_GET_SIZE(elems);
    if (ne > 0) {
        self->elems = PyMem_Calloc((size_t)ne, sizeof(Elem));
        if (self->elems == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        self->nelems = ne;
        for (Py_ssize_t i = 0; i < ne; i++)
            if (build_elem(PyTuple_GET_ITEM(elems, i), &self->elems[i]) < 0)
                goto fail;
        /* checked in position order, so a check can stop at the segment's last element */
        qsort(self->elems, (size_t)ne, sizeof(Elem), by_position);
        for (Py_ssize_t i = 0; i < ne; i++)
            if (self->elems[i].mandatory && self->elems[i].seq > self->last_mandatory)
                self->last_mandatory = self->elems[i].seq;
    }
    if (build_notes(PyTuple_GET_ITEM(spec, 2), &self->notes, &self->nnotes) < 0)
        goto fail;
    self->notes_small = 1;
    for (Py_ssize_t i = 0; i < self->nnotes; i++)
        self->notes_small &= self->notes[i].small;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* ------------------------------------------------------------------ checking */

typedef struct {
    int kind;
    const void *data;
} Text;

#define CH(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static int
is_digit(Py_UCS4 c)
{
    return c >= '0' && c <= '9';
}

/* Eight 1-byte characters at a time (the common case: ASCII or latin-1 text).  Each test is
 * exact for any byte values: it only says whether some byte of the word matches. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline unsigned long long
load8(const Py_UCS1 *p)
{
    unsigned long long x;
    memcpy(&x, p, 8);  /* one unaligned load */
    return x;
}

/* any byte below 0x20 or equal to 0x7f (a control character) */
static inline int
word_has_control(unsigned long long x)
{
    unsigned long long y = x ^ (0x7f * ONES);
    return (((x - 0x20 * ONES) & ~x) | ((y - ONES) & ~y)) & HIGHS ? 1 : 0;
}

/* every byte '0'..'9': high nibble 3, low nibble + 6 without a carry into bit 4 */
static inline int
word_all_digits(unsigned long long x)
{
    return (x & (0xF0 * ONES)) == 0x30 * ONES
           && (((x & (0x0F * ONES)) + 0x06 * ONES) & (0x10 * ONES)) == 0;
}

static int
digits(const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    if (t->kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *p = (const Py_UCS1 *)t->data;
        for (; a + 8 <= b; a += 8)
            if (!word_all_digits(load8(p + a)))
                return 0;
    }
    for (Py_ssize_t i = a; i < b; i++)
        if (!is_digit(CH(t, i)))
            return 0;
    return 1;
}

static long
number(const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    long v = 0;
    for (Py_ssize_t i = a; i < b; i++)
        v = v * 10 + (long)(CH(t, i) - '0');
    return v;
}

static int
valid_date(const Text *t, Py_ssize_t a, Py_ssize_t len)
{
    long year, month, day;
    if (len == 8) {
        year = number(t, a, a + 4);
        a += 4;
    }
    else if (len == 6) {
        year = 2000 + number(t, a, a + 2);
        a += 2;
    }
    else
        return 0;
    month = number(t, a, a + 2);
    day = number(t, a + 2, a + 4);
    if (year < 1 || month < 1 || month > 12 || day < 1)
        return 0;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long last = days[month - 1];
    if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
        last = 29;
    return day <= last;
}

static int value_check(const Simple *s, PyObject *str, const Text *t, Py_ssize_t a,
                       Py_ssize_t b);

/* 1 when schema.check_value finds nothing in text[a:b], 0 when it may, -1 on error. */
static int
value_ok(Simple *s, PyObject *str, const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    int whole = a == 0 && b == PyUnicode_GET_LENGTH(str);
    if (whole && str == s->last_ok)
        return 1;  /* the same (immutable) string passed this very check */
    int r = value_check(s, str, t, a, b);
    if (r == 1 && whole) {
        Py_INCREF(str);
        Py_XSETREF(s->last_ok, str);
    }
    return r;
}

static int
value_check(const Simple *s, PyObject *str, const Text *t, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t len = b - a;
    switch (s->type) {
    case T_CODES: {
        if (a == 0 && b == PyUnicode_GET_LENGTH(str))
            return PySet_Contains(s->codes, str);
        PyObject *sub = PyUnicode_Substring(str, a, b);
        if (sub == NULL)
            return -1;
        int r = PySet_Contains(s->codes, sub);
        Py_DECREF(sub);
        return r;
    }
    case T_AN:
    case T_ID:
        if (t->kind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *p = (const Py_UCS1 *)t->data;
            Py_ssize_t i = a;
            for (; i + 8 <= b; i += 8)
                if (word_has_control(load8(p + i)))
                    return 0;
            for (; i < b; i++)
                if (p[i] < 0x20 || p[i] == 0x7f)
                    return 0;
            return len >= s->min && len <= s->max;
        }
        for (Py_ssize_t i = a; i < b; i++) {
            Py_UCS4 c = CH(t, i);
            if (c < 0x20 || c == 0x7f)
                return 0;
        }
        /* fall through */
    case T_B:
        return len >= s->min && len <= s->max;
    case T_N: {
        Py_ssize_t i = a;
        if (i < b && CH(t, i) == '-')
            i++;
        if (i == b || !digits(t, i, b))
            return 0;
        Py_ssize_t n = b - i;
        return n >= s->min && n <= s->max;
    }
    case T_R: {
        Py_ssize_t i = a, n = 0, before = 0, after = 0;
        int dot = 0;
        if (i < b && CH(t, i) == '-')
            i++;
        for (; i < b; i++) {
            Py_UCS4 c = CH(t, i);
            if (is_digit(c)) {
                if (dot)
                    after++;
                else
                    before++;
            }
            else if (c == '.' && !dot)
                dot = 1;
            else
                return 0;
        }
        if (before == 0 && after == 0)
            return 0;
        n = before + after;
        return n >= s->min && n <= s->max;
    }
    case T_DT:
        return len >= s->min && len <= s->max && digits(t, a, b) && valid_date(t, a, len);
    case T_TM:
        if (len < s->min || len > s->max || !digits(t, a, b))
            return 0;
        if (len != 4 && len != 6 && len != 7 && len != 8)
            return 0;
        if (number(t, a, a + 2) >= 24 || number(t, a + 2, a + 4) >= 60)
            return 0;
        return len < 6 || number(t, a + 4, a + 6) < 60;
    default:
        return 0;
    }
}

/* present[p] for p < size; positions from size on are absent.  ``bits``: the same for the
 * positions below 64, one bit each. */
static int
notes_ok(const Note *notes, Py_ssize_t n, const char *present, Py_ssize_t size,
         unsigned long long bits)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        const Note *note = &notes[i];
        if (note->small) {
            unsigned long long first = bits & note->first, rest = bits & note->rest;
            int ok;
            switch (note->kind) {
            case N_P:  /* all or none */
                ok = first ? rest == note->rest : rest == 0;
                break;
            case N_R:  /* at least one */
                ok = (first | rest) != 0;
                break;
            case N_C:  /* the first requires all the others */
                ok = !first || rest == note->rest;
                break;
            case N_E:  /* at most one */
                ok = ((first | rest) & ((first | rest) - 1)) == 0;
                break;
            default:  /* N_L: the first requires at least one other */
                ok = !first || rest != 0;
            }
            if (!ok)
                return 0;
            continue;
        }
        if (note->minpos >= size) {
            /* none of its elements is there: only "at least one required" (R) fails */
            if (note->kind == N_R)
                return 0;
            continue;
        }
        Py_ssize_t count = 0;
        int first = 0, rest = 0, rest_all = 1;
        for (Py_ssize_t k = 0; k < note->npos; k++) {
            Py_ssize_t p = note->pos[k];
            int v = p < size ? present[p] : 0;
            count += v;
            if (k == 0)
                first = v;
            else {
                rest |= v;
                rest_all &= v;
            }
        }
        switch (note->kind) {
        case N_P:
            if (count && count != note->npos)
                return 0;
            break;
        case N_R:
            if (!count)
                return 0;
            break;
        case N_C:
            if (first && !rest_all)
                return 0;
            break;
        case N_E:
            if (count > 1)
                return 0;
            break;
        default: /* N_L */
            if (first && !rest)
                return 0;
        }
    }
    return 1;
}

static Py_ssize_t
find_char(const Text *t, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c)
{
    if (c == NO_CHAR || b <= a)
        return -1;
    if (t->kind == PyUnicode_1BYTE_KIND) {
        if (c > 0xff)
            return -1;
        const Py_UCS1 *p = (const Py_UCS1 *)t->data;
        const Py_UCS1 *f = memchr(p + a, (int)c, (size_t)(b - a));
        return f == NULL ? -1 : f - p;
    }
    for (Py_ssize_t i = a; i < b; i++)
        if (CH(t, i) == c)
            return i;
    return -1;
}

/* One repetition text[a:b] of a composite element. */
static int
composite_ok(const Checker *self, const Elem *e, PyObject *str, const Text *t, Py_ssize_t a,
             Py_ssize_t b)
{
    char present[MAX_POSITIONS + 1];
    unsigned long long bits = 0;
    memset(present, 0, (size_t)e->ncomps + 1);
    Py_ssize_t k = 0; /* component index, 0-based */
    Py_ssize_t start = a;
    for (;;) {
        Py_ssize_t end = self->component == NO_CHAR ? -1 : find_char(t, start, b, self->component);
        if (end < 0)
            end = b;
        if (k >= e->ncomps) {
            if (end > start)
                return 0; /* a non-empty component past the last one */
        }
        else if (end > start) {
            present[k + 1] = 1;
            if (k + 1 < 64)
                bits |= 1ULL << (k + 1);
            int r = value_ok(&e->comps[k], str, t, start, end);
            if (r != 1)
                return r;
        }
        k++;
        if (end == b)
            break;
        start = end + 1;
    }
    for (Py_ssize_t j = 0; j < e->ncomps; j++)
        if (!present[j + 1] && e->comps[j].mandatory)
            return 0;
    return notes_ok(e->notes, e->nnotes, present, e->ncomps + 1, bits);
}

static PyObject *
Checker_check(Checker *self, PyObject *elements)
{
    if (!PyList_Check(elements))
        Py_RETURN_FALSE;
    Py_ssize_t n = PyList_GET_SIZE(elements) - 1;
    if (n < 0)
        Py_RETURN_FALSE;
    for (Py_ssize_t i = self->ndefs + 1; i <= n; i++) {
        PyObject *v = PyList_GET_ITEM(elements, i);
        if (!PyUnicode_CheckExact(v) || PyUnicode_GET_LENGTH(v) != 0)
            Py_RETURN_FALSE;
    }
    /* from here on positions past top are absent (the loop above saw them empty) */
    Py_ssize_t top = n < self->ndefs ? n : self->ndefs;
    if (self->last_mandatory > top)
        Py_RETURN_FALSE;  /* a mandatory element is missing */
    char present[MAX_POSITIONS + 1];
    unsigned long long bits = 0;
    memset(present, 0, (size_t)top + 1);
    for (Py_ssize_t j = 0; j < self->nelems; j++) {
        Elem *e = &self->elems[j];
        if (e->seq > top)
            break;  /* sorted: the rest are absent, and none is mandatory */
        PyObject *v = PyList_GET_ITEM(elements, e->seq);
        if (!PyUnicode_CheckExact(v))
            Py_RETURN_FALSE;
        Py_ssize_t len = PyUnicode_GET_LENGTH(v);
        if (len == 0) {
            if (e->mandatory)
                Py_RETURN_FALSE;
            continue;
        }
        present[e->seq] = 1;
        if (e->seq < 64)
            bits |= 1ULL << e->seq;
        if (e->is_simple && v == e->simple.last_ok)
            continue;  /* this very string passed this element whole: one repetition, no
                        * component separator, a valid value */
        Text t = {PyUnicode_KIND(v), PyUnicode_DATA(v)};
        Py_ssize_t start = 0, reps = 0;
        for (;;) {
            Py_ssize_t end = find_char(&t, start, len, self->repetition);
            if (end < 0)
                end = len;
            if (++reps > e->repeat)
                Py_RETURN_FALSE;
            int r;
            if (e->is_simple) {
                if (find_char(&t, start, end, self->component) >= 0)
                    Py_RETURN_FALSE;
                r = value_ok(&e->simple, v, &t, start, end);
            }
            else
                r = composite_ok(self, e, v, &t, start, end);
            if (r < 0)
                return NULL;
            if (r == 0)
                Py_RETURN_FALSE;
            if (end == len)
                break;
            start = end + 1;
        }
    }
    if (self->notes_small) {
        if (!(self->passed_known && bits == self->passed_bits)) {
            if (!notes_ok(self->notes, self->nnotes, present, top + 1, bits))
                Py_RETURN_FALSE;
            self->passed_known = 1;
            self->passed_bits = bits;
        }
    }
    else if (!notes_ok(self->notes, self->nnotes, present, top + 1, bits))
        Py_RETURN_FALSE;
    Py_RETURN_TRUE;
}

static PyMethodDef Checker_methods[] = {
    {"check", (PyCFunction)Checker_check, METH_O,
     "check(elements) -> True when the segment has no problem at all, False when the detailed "
     "checks must decide"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CheckerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "translators.x12._c_segcheck.Checker",
    .tp_basicsize = sizeof(Checker),
    .tp_dealloc = (destructor)Checker_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Checker(spec, component, repetition): fast element check of one segment definition",
    .tp_methods = Checker_methods,
    .tp_new = Checker_new,
};

/* ------------------------------------------------------------------ the validator's hot loop */

#define MEMO_SIZE 64  /* a power of two; the hash below takes 6 bits */
#define MEMO_PROBES 4

typedef struct {
    PyObject *trans, *tag;  /* borrowed; trans NULL: empty */
    Py_ssize_t target, kind, depth, limit;
    Checker *checker;
} RowMemo;

static int
get_index(PyObject *t, Py_ssize_t k, Py_ssize_t *out)
{
    PyObject *v = PyTuple_GET_ITEM(t, k);
    if (!PyLong_CheckExact(v))
        return -1;
    *out = PyLong_AsSsize_t(v);
    if (*out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return 0;
}

/* advance(batch, i, emitted, table, state, rep, counts, segment_type) -> (i, state, rep)
 *
 * ``emitted``: the validator's output list, or None while it passes the batch as it is.
 * The hot path of translators/x12/validator.py validate_batches, for a run of segments
 * that each fit where they are (a plain transition within the limits) and pass their C
 * check: each is appended to emitted and the state, repetition count and loop counters
 * move on exactly as the Python loop would move them.  Stops, changing nothing for it, at
 * the first event that is anything else (not a Segment, no transition, a limit reached,
 * mandatory segments skipped, no C checker, a check that fails): the Python loop takes it.
 * A row is (target, kind, depth, limit, skipped, matchers, memo, check), see validator.py. */
static PyObject *
advance(PyObject *self, PyObject *args)
{
    PyObject *batch, *emitted, *table, *counts, *segtype;
    Py_ssize_t i, state, rep;
    if (!PyArg_ParseTuple(args, "O!nOO!nnO!O!:advance", &PyList_Type, &batch, &i,
                          &emitted, &PyTuple_Type, &table, &state, &rep,
                          &PyList_Type, &counts, &PyType_Type, &segtype))
        return NULL;
    if (emitted != Py_None && !PyList_Check(emitted)) {
        PyErr_SetString(PyExc_TypeError, "advance: emitted is a list or None");
        return NULL;
    }
    if (i < 0)
        i = 0;
    /* Transitions met in this call, by (transition dict, tag): the same few come back segment
     * after segment.  Valid for the call only: nothing runs Python code meanwhile (the
     * checks are C), so the dicts, the tags (held by the batch) and the rows (held by the
     * dicts, which the table holds) stay as they are. */
    RowMemo memo[MEMO_SIZE];
    memset(memo, 0, sizeof(memo));
    while (i < PyList_GET_SIZE(batch)) {
        if (state < 0 || state >= PyTuple_GET_SIZE(table))
            break;
        PyObject *trans = PyTuple_GET_ITEM(table, state);
        PyObject *ev = PyList_GET_ITEM(batch, i);
        if (Py_TYPE(ev) != (PyTypeObject *)segtype || !PyTuple_Check(ev) || PyTuple_GET_SIZE(ev) < 2
            || !PyDict_CheckExact(trans))
            break;
        PyObject *tag = PyTuple_GET_ITEM(ev, 0);
        PyObject *els = PyTuple_GET_ITEM(ev, 1);
        if (!PyUnicode_CheckExact(tag))
            break;
        /* the transition: from the call's memo, else looked up and decoded into it */
        size_t h = (size_t)((((unsigned long long)(size_t)trans >> 4)
                             ^ ((unsigned long long)(size_t)tag >> 4)) * 0x9E3779B97F4A7C15ULL >> 58);
        RowMemo *m = NULL;
        for (int probe = 0; probe < MEMO_PROBES; probe++) {
            RowMemo *c = &memo[(h + (size_t)probe) & (MEMO_SIZE - 1)];
            if (c->trans == trans && c->tag == tag) {
                m = c;
                break;
            }
            if (m == NULL && c->trans == NULL)
                m = c;  /* the first free slot, should it be a miss */
        }
        if (m == NULL)
            m = &memo[h & (MEMO_SIZE - 1)];  /* all taken: replace the first */
        if (m->trans != trans || m->tag != tag) {
            PyObject *row = PyDict_GetItemWithError(trans, tag);  /* borrowed */
            if (row == NULL) {
                if (PyErr_Occurred())
                    return NULL;
                break;
            }
            if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) < 8)
                break;
            if (get_index(row, 0, &m->target) < 0 || get_index(row, 1, &m->kind) < 0
                || get_index(row, 2, &m->depth) < 0 || get_index(row, 3, &m->limit) < 0) {
                m->trans = NULL;
                break;
            }
            PyObject *check = PyTuple_GET_ITEM(row, 7);
            if (!PyCFunction_Check(check) || PyCFunction_GET_SELF(check) == NULL
                || Py_TYPE(PyCFunction_GET_SELF(check)) != &CheckerType) {
                m->trans = NULL;
                break;
            }
            m->checker = (Checker *)PyCFunction_GET_SELF(check);
            m->trans = trans;
            m->tag = tag;
        }
        Py_ssize_t target = m->target, kind = m->kind, depth = m->depth, limit = m->limit;
        Py_ssize_t new_rep = 1, new_count = -1;  /* -1: counts unchanged */
        if (kind == 0) {
        }
        else if (kind == 3 || kind == 2) {
            if (depth < 0 || depth >= PyList_GET_SIZE(counts))
                break;
            if (kind == 3) {
                PyObject *c = PyList_GET_ITEM(counts, depth);
                if (!PyLong_CheckExact(c))
                    break;
                new_count = PyLong_AsSsize_t(c);
                if (new_count == -1 && PyErr_Occurred()) {
                    PyErr_Clear();
                    break;
                }
                new_count += 1;
                if (new_count > limit)
                    break;
            }
            else
                new_count = 1;
        }
        else if (kind == 1) {
            new_rep = rep + 1;
            if (new_rep > limit)
                break;
        }
        else
            break;  /* passes over mandatory segments: reported by the Python loop */
        PyObject *ok = Checker_check(m->checker, els);
        if (ok == NULL)
            return NULL;
        Py_DECREF(ok);  /* Py_True or Py_False: immortal enough, a reference is held by us */
        if (ok != Py_True)
            break;
        if (new_count >= 0) {
            PyObject *c = PyLong_FromSsize_t(new_count);
            if (c == NULL)
                return NULL;
            PyObject *old = PyList_GET_ITEM(counts, depth);
            PyList_SET_ITEM(counts, depth, c);
            Py_DECREF(old);
        }
        if (emitted != Py_None && PyList_Append(emitted, ev) < 0)
            return NULL;
        state = target;
        rep = new_rep;
        i++;
    }
    return Py_BuildValue("(nnn)", i, state, rep);
}

static PyMethodDef module_methods[] = {
    {"advance", advance, METH_VARARGS,
     "advance(batch, i, emitted, table, state, rep, counts, segment_type) -> (i, state, rep): "
     "the validator's hot loop over segments that fit and pass their check"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_c_segcheck",
    "Fast element checks of X12 segments (see translators/x12/schema.py checker_spec).", -1,
    module_methods,
};

PyMODINIT_FUNC
PyInit__c_segcheck(void)
{
    if (PyType_Ready(&CheckerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CheckerType);
    if (PyModule_AddObject(m, "Checker", (PyObject *)&CheckerType) < 0) {
        Py_DECREF(&CheckerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
