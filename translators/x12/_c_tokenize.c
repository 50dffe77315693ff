/* C twin of translators/x12/_tokenize.py: body_segments (see there for the contract).
 *
 * Memory safety: every argument is type-checked; parts that are not ASCII str stop the run
 * (the Python path handles them); all indexes are bounded by the part's length; every
 * reference taken is released on every path.  No Python code can run inside the loop
 * (exact str keys in an exact dict: hashing and comparison are C), so parts cannot change
 * under us; the list size is re-read at every step anyway.
 *
 * The element lists (str only) and the Segments (str, that list, two ints) are acyclic and
 * never modified: they are taken out of the cyclic collector's care as they are made, as
 * translators/_c_untrack.c would do for them afterwards (which then finds nothing to do).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int
is_ws(Py_UCS1 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\x0b' || c == '\x0c';
}

static PyObject *
body_segments(PyObject *self, PyObject *args)
{
    PyObject *parts, *rs, *es, *kinds, *out, *segtype;
    Py_ssize_t i, base, cur, tl, maxlen, pos;
    if (!PyArg_ParseTuple(args, "O!nnnnUUO!nnO!O:body_segments",
                          &PyList_Type, &parts, &i, &base, &cur, &tl, &rs, &es,
                          &PyDict_Type, &kinds, &maxlen, &pos, &PyList_Type, &out, &segtype))
        return NULL;
    if (!PyType_Check(segtype) || !PyType_IsSubtype((PyTypeObject *)segtype, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "body_segments: segment type must be a tuple subclass");
        return NULL;
    }
    PyTypeObject *st = (PyTypeObject *)segtype;
    if (i < 0)
        i = 0;
    Py_ssize_t rs_len = PyUnicode_GET_LENGTH(rs);
    int rs_kind = PyUnicode_KIND(rs);
    const void *rs_data = PyUnicode_DATA(rs);
    if (PyUnicode_GET_LENGTH(es) == 0)  /* str.split would raise: let the Python path do it */
        return Py_BuildValue("(nnn)", i, cur, pos);

    while (i < PyList_GET_SIZE(parts)) {
        PyObject *part = PyList_GET_ITEM(parts, i);
        if (!PyUnicode_CheckExact(part) || !PyUnicode_IS_ASCII(part))
            break;
        Py_ssize_t n = PyUnicode_GET_LENGTH(part);
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(part);
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
            PyObject *s = PyUnicode_Substring(part, a, b);
            if (s == NULL)
                return NULL;
            PyObject *el = PyUnicode_Split(s, es, -1);
            Py_DECREF(s);
            if (el == NULL)
                return NULL;
            if (!PyList_Check(el) || PyList_GET_SIZE(el) < 1) {
                Py_DECREF(el);
                break;
            }
            PyObject *tag = PyList_GET_ITEM(el, 0);
            PyObject *kind = PyDict_GetItemWithError(kinds, tag);  /* borrowed */
            if (kind == NULL) {
                Py_DECREF(el);
                if (PyErr_Occurred())
                    return NULL;
                break;
            }
            if (!PyLong_CheckExact(kind)) {
                Py_DECREF(el);
                break;
            }
            int overflow = 0;
            long kv = PyLong_AsLongAndOverflow(kind, &overflow);
            if (kv != 0 || overflow) {
                Py_DECREF(el);
                if (kv == -1 && PyErr_Occurred())
                    return NULL;
                break;
            }
            PyObject *offset = PyLong_FromSsize_t(base + cur + n - m);
            PyObject *position = PyLong_FromSsize_t(pos + 1);
            PyObject *seg = (offset && position) ? st->tp_alloc(st, 4) : NULL;
            if (seg == NULL) {
                Py_XDECREF(offset);
                Py_XDECREF(position);
                Py_DECREF(el);
                return NULL;
            }
            Py_INCREF(tag);
            if (PyObject_GC_IsTracked(el))
                PyObject_GC_UnTrack(el);
            PyTuple_SET_ITEM(seg, 0, tag);
            PyTuple_SET_ITEM(seg, 1, el);  /* steals el */
            PyTuple_SET_ITEM(seg, 2, offset);
            PyTuple_SET_ITEM(seg, 3, position);
            if (PyObject_GC_IsTracked(seg))
                PyObject_GC_UnTrack(seg);
            int rc = PyList_Append(out, seg);
            Py_DECREF(seg);
            if (rc < 0)
                return NULL;
            pos += 1;
        }
        i += 1;
        cur += n + tl;
    }
    return Py_BuildValue("(nnn)", i, cur, pos);
}

static PyMethodDef methods[] = {
    {"body_segments", body_segments, METH_VARARGS,
     "body_segments(parts, i, base, cur, tl, rs, es, kinds, maxlen, pos, out, Segment)"
     " -> (i, cur, pos); see translators/x12/_tokenize.py"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators.x12._c_tokenize",
    "C twin of translators.x12._tokenize (the X12 reader's hot loop).", -1, methods
};

PyMODINIT_FUNC
PyInit__c_tokenize(void)
{
    return PyModule_Create(&module);
}
