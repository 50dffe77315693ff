/* C twin of translators/edifact/_tokenize.py: split_block and body_segments (see there for
 * the contracts).
 *
 * Memory safety: every argument is type-checked; a part that is not an exact str, a cached
 * entry of an unexpected shape or a separator that is not one character stops the run (the
 * Python path handles it); all indexes are bounded by the part's length; every reference
 * taken is released on every path.  With the reader's dicts (str keys) no Python code runs
 * inside the loop; should a foreign key's __eq__ run during a lookup, the part, its element
 * list and its tag are held by strong references, and the list size is re-read at every step.
 * split_block reads only 1-byte texts (latin-1: a character is a byte), every index bounded
 * by the text's length, and runs no Python code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "../_c_kinds.h"
#include <string.h>

/* First index >= start and < end of ch in data, or -1. */
static Py_ssize_t
find(int kind, const void *data, Py_ssize_t start, Py_ssize_t end, Py_UCS4 ch)
{
    if (kind == PyUnicode_1BYTE_KIND) {
        if (ch > 0xff || start >= end)
            return -1;
        const Py_UCS1 *p = (const Py_UCS1 *)data;
        const Py_UCS1 *hit = memchr(p + start, (int)ch, (size_t)(end - start));
        return hit ? hit - p : -1;
    }
    for (Py_ssize_t k = start; k < end; k++)
        if (PyUnicode_READ(kind, data, k) == ch)
            return k;
    return -1;
}

static Py_ssize_t
count(int kind, const void *data, Py_ssize_t start, Py_ssize_t end, Py_UCS4 ch)
{
    Py_ssize_t n = 0;
    while ((start = find(kind, data, start, end, ch)) >= 0) {
        n++;
        start++;
    }
    return n;
}

#define NO_SEP ((Py_UCS4)-1)

/* part[start:end].split(sep) as a new list, each piece split again on sub unless sub is
 * NO_SEP; NULL with an exception set on failure.  The lists hold only str (or such lists):
 * they are untracked by the cyclic collector at once, as translators/_c_untrack.c would do
 * with them later (see there). */
static PyObject *
split(PyObject *part, int kind, const void *data, Py_ssize_t start, Py_ssize_t end, Py_UCS4 sep,
      Py_UCS4 sub)
{
    PyObject *list = PyList_New(count(kind, data, start, end, sep) + 1);
    if (list == NULL)
        return NULL;
    Py_ssize_t k = 0;
    for (;;) {
        Py_ssize_t stop = find(kind, data, start, end, sep);
        Py_ssize_t piece_end = stop < 0 ? end : stop;
        PyObject *item = sub == NO_SEP ? PyUnicode_Substring(part, start, piece_end)
                                       : split(part, kind, data, start, piece_end, sub, NO_SEP);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k++, item);
        if (stop < 0) {
            PyObject_GC_UnTrack(list);
            return list;
        }
        start = stop + 1;
    }
}

/* [x.split(c) for x in part.split(e)], or NULL with an exception set. */
static PyObject *
elements_of(PyObject *part, Py_UCS4 e, Py_UCS4 c)
{
    return split(part, PyUnicode_KIND(part), PyUnicode_DATA(part), 0, PyUnicode_GET_LENGTH(part),
                 e, c);
}

/* The one character of s, or NO_SEP when s is not a one-character str. */
static Py_UCS4
single(PyObject *s)
{
    if (!PyUnicode_Check(s) || PyUnicode_READY(s) < 0 || PyUnicode_GET_LENGTH(s) != 1) {
        PyErr_Clear();
        return NO_SEP;
    }
    return PyUnicode_READ_CHAR(s, 0);
}

/* The tag (borrowed) of an element list when it has the shape the reader builds, else NULL. */
static PyObject *
tag_of(PyObject *el)
{
    if (!PyList_CheckExact(el) || PyList_GET_SIZE(el) < 1)
        return NULL;
    PyObject *first = PyList_GET_ITEM(el, 0);
    if (!PyList_CheckExact(first) || PyList_GET_SIZE(first) < 1)
        return NULL;
    PyObject *tag = PyList_GET_ITEM(first, 0);
    return PyUnicode_CheckExact(tag) ? tag : NULL;
}

struct run {
    Py_UCS4 e, c, r;  /* r: NO_SEP when the block holds no release character */
    PyObject *young, *old, *kinds, *out;
    PyTypeObject *st;
    Py_ssize_t textmax, cachemax;
};

/* One part (a strong reference held by the caller): 1 when its Segment was appended to out,
 * 0 when the run stops here, -1 with an exception set.  References to the element list and
 * the tag are owned here, so dict lookups cannot free them under us. */
static int
read_part(PyObject *part, Py_ssize_t off, Py_ssize_t pos, const struct run *run)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(part);
    PyObject *el = PyDict_GetItemWithError(run->young, part);  /* borrowed */
    int insert = 0;
    if (el != NULL) {
        Py_INCREF(el);
    } else {
        if (PyErr_Occurred())
            return -1;
        el = PyDict_GetItemWithError(run->old, part);
        if (el != NULL) {
            Py_INCREF(el);
        } else {
            if (PyErr_Occurred())
                return -1;
            if (run->r != NO_SEP
                    && find(PyUnicode_KIND(part), PyUnicode_DATA(part), 0, n, run->r) >= 0)
                return 0;  /* released characters: the careful parser */
            el = elements_of(part, run->e, run->c);
            if (el == NULL)
                return -1;
        }
        insert = n <= run->textmax;
    }
    PyObject *tag = tag_of(el);
    Py_XINCREF(tag);
    int ok = tag == NULL ? 0 : kind_is_zero(run->kinds, tag);
    if (ok == 1 && insert) {
        if (PyDict_GET_SIZE(run->young) >= run->cachemax)
            ok = 0;  /* the cache must age first: the Python path does it */
        else if (PyDict_SetItem(run->young, part, el) < 0)
            ok = -1;
    }
    PyObject *offset = NULL, *position = NULL, *seg = NULL;
    if (ok == 1) {
        offset = PyLong_FromSsize_t(off);
        position = PyLong_FromSsize_t(pos + 1);
        seg = (offset && position) ? run->st->tp_alloc(run->st, 5) : NULL;
        if (seg == NULL)
            ok = -1;
    }
    if (ok != 1) {
        Py_XDECREF(offset);
        Py_XDECREF(position);
        Py_XDECREF(tag);
        Py_DECREF(el);
        return ok;
    }
    Py_INCREF(Py_None);
    int tracked = PyObject_GC_IsTracked(el);
    PyTuple_SET_ITEM(seg, 0, tag);  /* the four steal our references */
    PyTuple_SET_ITEM(seg, 1, el);
    PyTuple_SET_ITEM(seg, 2, offset);
    PyTuple_SET_ITEM(seg, 3, position);
    PyTuple_SET_ITEM(seg, 4, Py_None);
    if (!tracked && run->st->tp_dictoffset == 0)
        PyObject_GC_UnTrack(seg);  /* acyclic: str, untracked list, int, int, None */
    int rc = PyList_Append(run->out, seg);
    Py_DECREF(seg);
    return rc < 0 ? -1 : 1;
}

static PyObject *
body_segments(PyObject *self, PyObject *args)
{
    PyObject *parts, *es, *cs, *rs, *young, *old, *kinds, *out, *segtype;
    Py_ssize_t i, off, step, textmax, cachemax, pos;
    if (!PyArg_ParseTuple(args, "O!nnnUUOO!O!O!nnnO!O:body_segments",
                          &PyList_Type, &parts, &i, &off, &step, &es, &cs, &rs,
                          &PyDict_Type, &young, &PyDict_Type, &old, &PyDict_Type, &kinds,
                          &textmax, &cachemax, &pos, &PyList_Type, &out, &segtype))
        return NULL;
    if (!PyType_Check(segtype) || !PyType_IsSubtype((PyTypeObject *)segtype, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "body_segments: segment type must be a tuple subclass");
        return NULL;
    }
    if (rs != Py_None && !PyUnicode_Check(rs)) {
        PyErr_SetString(PyExc_TypeError, "body_segments: release must be a str or None");
        return NULL;
    }
    if (i < 0)
        i = 0;
    struct run run = {single(es), single(cs), rs == Py_None ? NO_SEP : single(rs),
                      young, old, kinds, out, (PyTypeObject *)segtype, textmax, cachemax};
    /* other separators, or a release "character" of another length: the Python path */
    if (run.e == NO_SEP || run.c == NO_SEP || (rs != Py_None && run.r == NO_SEP))
        return Py_BuildValue("(nnn)", i, off, pos);

    while (i < PyList_GET_SIZE(parts)) {
        PyObject *part = PyList_GET_ITEM(parts, i);
        if (!PyUnicode_CheckExact(part))
            break;
        if (PyUnicode_READY(part) < 0)
            return NULL;
        Py_ssize_t n = PyUnicode_GET_LENGTH(part);
        if (n == 0)
            break;
        Py_INCREF(part);
        int rc = read_part(part, off, pos, &run);
        Py_DECREF(part);
        if (rc < 0)
            return NULL;
        if (rc == 0)
            break;
        pos += 1;
        i += 1;
        off += n + step;
    }
    return Py_BuildValue("(nnn)", i, off, pos);
}

/* ------------------------------------------------------------------ split_block */

/* Whether the terminator at d[k] is released: an odd run of release characters right before
 * it (not looking before lo, the start of the current piece). */
static int
released_at(const Py_UCS1 *d, Py_ssize_t lo, Py_ssize_t k, Py_UCS4 r)
{
    Py_ssize_t m = k;
    while (m > lo && d[m - 1] == r)
        m--;
    return (k - m) & 1;
}

/* Index of the first real (unreleased) terminator at or after k and before n, or -1. */
static Py_ssize_t
next_real(const Py_UCS1 *d, Py_ssize_t lo, Py_ssize_t k, Py_ssize_t n, Py_UCS4 t, Py_UCS4 r)
{
    while (k < n) {
        const Py_UCS1 *hit = memchr(d + k, (int)t, (size_t)(n - k));
        if (hit == NULL)
            return -1;
        Py_ssize_t j = hit - d;
        if (r == NO_SEP || !released_at(d, lo, j, r))
            return j;
        k = j + 1;
    }
    return -1;
}

/* The layout test of the Python twin (_layout) over d[lo:n]: the length of the newline that
 * follows every real terminator (1 for LF or CR, 2 for CR LF) when there is no other CR/LF,
 * else 0. */
static int
layout(const Py_UCS1 *d, Py_ssize_t lo, Py_ssize_t n, Py_UCS4 t, Py_UCS4 r)
{
    Py_ssize_t n_real = 0, n_lf = 0, n_cr = 0, lf = 0, crlf = 0, cr = 0;
    for (Py_ssize_t k = lo; k < n; k++) {
        Py_UCS1 ch = d[k];
        if (ch == t) {
            Py_UCS1 next = k + 1 < n ? d[k + 1] : 0;
            if (r != NO_SEP && released_at(d, lo, k, r)) {
                if (next == '\r' || next == '\n')
                    return 0;  /* a released terminator followed by a newline */
                continue;
            }
            n_real++;
            if (next == '\n')
                lf++;
            else if (next == '\r') {
                cr++;
                if (k + 2 < n && d[k + 2] == '\n')
                    crlf++;
            }
        } else if (ch == '\n')
            n_lf++;
        else if (ch == '\r')
            n_cr++;
    }
    if (n_cr == 0 && n_lf == n_real)
        return lf == n_real ? 1 : 0;
    if (n_lf == n_real && n_cr == n_real)
        return crlf == n_real ? 2 : 0;
    if (n_lf == 0 && n_cr == n_real)
        return cr == n_real ? 1 : 0;
    return 0;
}

static PyObject *
split_block(PyObject *self, PyObject *args)
{
    PyObject *text, *ts, *rs;
    if (!PyArg_ParseTuple(args, "UUO:split_block", &text, &ts, &rs))
        return NULL;
    if (rs != Py_None && !PyUnicode_Check(rs)) {
        PyErr_SetString(PyExc_TypeError, "split_block: release must be a str or None");
        return NULL;
    }
    Py_UCS4 t = single(ts);
    Py_UCS4 r = rs == Py_None ? NO_SEP : single(rs);
    if (PyUnicode_READY(text) < 0)
        return NULL;
    /* wider characters, separators of another length, CR/LF as service characters: the
     * Python twin */
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND || t == NO_SEP || t > 0xff || t == '\r'
            || t == '\n' || (rs != Py_None && (r == NO_SEP || r > 0xff || r == '\r'
                                              || r == '\n' || r == t)))
        Py_RETURN_NONE;
    const Py_UCS1 *d = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_ssize_t lead = 0, step = 1;
    int clean = 1;
    if (n > 0 && (memchr(d, '\n', (size_t)n) != NULL || memchr(d, '\r', (size_t)n) != NULL)) {
        Py_ssize_t lo = 0;
        while (lo < n && (d[lo] == '\r' || d[lo] == '\n'))
            lo++;
        int newline = layout(d, lo, n, t, r);
        if (newline) {
            lead = lo;
            step = 1 + newline;
        } else
            clean = 0;
    }
    /* pieces between real terminators; the last one ends at the block's end: when the
     * terminator there is released, that piece is left for the next block */
    Py_ssize_t count = 1, last = lead;
    for (Py_ssize_t k; (k = next_real(d, last, last, n, t, r)) >= 0; last = k + step)
        count++;
    Py_ssize_t leftover = 0;
    if (r != NO_SEP && n > last && released_at(d, last, n, r)) {
        leftover = n - last + 1;
        count--;
    }
    PyObject *parts = PyList_New(count);
    if (parts == NULL)
        return NULL;
    Py_ssize_t start = lead;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t k = next_real(d, start, start, n, t, r);
        if (k < 0)
            k = n;
        PyObject *piece = PyUnicode_Substring(text, start, k);
        if (piece == NULL) {
            Py_DECREF(parts);
            return NULL;
        }
        PyList_SET_ITEM(parts, i, piece);
        start = k + step;
    }
    return Py_BuildValue("(nnNnO)", lead, step, parts, leftover, clean ? Py_True : Py_False);
}

static PyMethodDef methods[] = {
    {"split_block", split_block, METH_VARARGS,
     "split_block(text, t, r) -> (lead, step, parts, leftover, clean) or None;"
     " see translators/edifact/_tokenize.py"},
    {"body_segments", body_segments, METH_VARARGS,
     "body_segments(parts, i, off, step, e, c, r, young, old, kinds, textmax, cachemax, pos,"
     " out, Segment) -> (i, off, pos); see translators/edifact/_tokenize.py"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators.edifact._c_tokenize",
    "C twin of translators.edifact._tokenize (the EDIFACT reader's hot loop).", -1, methods
};

PyMODINIT_FUNC
PyInit__c_tokenize(void)
{
    return PyModule_Create(&module);
}
