/* C twin of translators/edifact/_scan.py: others and scan (see there for the contracts).
 *
 * Memory safety: arguments are type-checked; an item of another type than the segment type
 * makes scan return None (the caller then uses the Python twin); every reference taken is
 * released on every path.  Only exact dicts with int keys are searched and only None or exact
 * dicts are tested for repetitions, so no Python code runs inside the loops; list sizes are
 * re-read at every step anyway.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define SEEN 256  /* element lists whose known answer scan() remembers (direct-mapped) */

struct seen {
    PyObject *elements;
    PyObject *found;  /* borrowed from known, or NULL: not there */
};

static PyObject *
others(PyObject *self, PyObject *args)
{
    PyObject *events, *segtype;
    if (!PyArg_ParseTuple(args, "O!O:others", &PyList_Type, &events, &segtype))
        return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(events); i++) {
        if ((PyObject *)Py_TYPE(PyList_GET_ITEM(events, i)) == segtype)
            continue;
        PyObject *index = PyLong_FromSsize_t(i);
        if (index == NULL || PyList_Append(out, index) < 0) {
            Py_XDECREF(index);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(index);
    }
    return out;
}

/* 1 when the values of an element list (a list of lists of str) hold at most limit
 * characters, 0 when more, -1 when it has another shape (the Python twin decides then). */
static int
small(PyObject *elements, Py_ssize_t limit)
{
    if (!PyList_CheckExact(elements))
        return -1;
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(elements); i++) {
        PyObject *comps = PyList_GET_ITEM(elements, i);
        if (!PyList_CheckExact(comps))
            return -1;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(comps); j++) {
            PyObject *value = PyList_GET_ITEM(comps, j);
            if (!PyUnicode_CheckExact(value))
                return -1;
            total += PyUnicode_GET_LENGTH(value);
        }
    }
    return total <= limit;
}

static PyObject *
scan(PyObject *self, PyObject *args)
{
    PyObject *held, *known, *segtype;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "O!O!nO:scan", &PyList_Type, &held, &PyDict_Type, &known,
                          &limit, &segtype))
        return NULL;
    if (!PyType_Check(segtype) || !PyType_IsSubtype((PyTypeObject *)segtype, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "scan: segment type must be a tuple subclass");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(held);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *seg = PyList_GET_ITEM(held, i);
        if ((PyObject *)Py_TYPE(seg) != segtype || PyTuple_GET_SIZE(seg) < 5)
            Py_RETURN_NONE;
        PyObject *rep = PyTuple_GET_ITEM(seg, 4);
        if (rep != Py_None && !PyDict_CheckExact(rep))
            Py_RETURN_NONE;
    }
    /* The answers of known for the element lists met in this call (a message holds the same
     * list many times: identical segment texts share one): known does not change during the
     * call and no Python code runs, so a remembered answer (a borrowed reference, kept alive
     * by known) is the one the dict would give again. */
    struct seen seen[SEEN];
    memset(seen, 0, sizeof(seen));
    PyObject *tags = PyTuple_New(n);
    PyObject *unknown = PyList_New(0);
    PyObject *smalls = PyList_New(0);
    int repeats = 0;
    if (tags == NULL || unknown == NULL || smalls == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *seg = PyList_GET_ITEM(held, i);
        PyObject *tag = PyTuple_GET_ITEM(seg, 0);
        PyObject *rep = PyTuple_GET_ITEM(seg, 4);
        Py_INCREF(tag);
        PyTuple_SET_ITEM(tags, i, tag);
        if (rep != Py_None && PyDict_GET_SIZE(rep) > 0)
            repeats = 1;
        if (repeats)
            continue;
        PyObject *el = PyTuple_GET_ITEM(seg, 1);
        struct seen *slot = &seen[((uintptr_t)el >> 4) % SEEN];
        PyObject *found;
        if (slot->elements == el) {
            found = slot->found;
        } else {
            PyObject *ident = PyLong_FromVoidPtr(el);
            if (ident == NULL)
                goto fail;
            found = PyDict_GetItemWithError(known, ident);  /* borrowed */
            Py_DECREF(ident);
            if (found == NULL && PyErr_Occurred())
                goto fail;
            slot->elements = el;
            slot->found = found;
        }
        if (found == tag)
            continue;
        int is_small = small(PyTuple_GET_ITEM(seg, 1), limit);
        if (is_small < 0) {  /* an odd element list: the Python twin */
            Py_DECREF(tags);
            Py_DECREF(unknown);
            Py_DECREF(smalls);
            Py_RETURN_NONE;
        }
        PyObject *index = PyLong_FromSsize_t(i);
        if (index == NULL || PyList_Append(unknown, index) < 0
                || PyList_Append(smalls, is_small ? Py_True : Py_False) < 0) {
            Py_XDECREF(index);
            goto fail;
        }
        Py_DECREF(index);
    }
    if (repeats) {
        Py_DECREF(unknown);
        Py_DECREF(smalls);
        smalls = PyList_New(0);
        if (smalls == NULL)
            goto fail;
        return Py_BuildValue("(NON)", tags, Py_None, smalls);
    }
    return Py_BuildValue("(NNN)", tags, unknown, smalls);
fail:
    Py_XDECREF(tags);
    Py_XDECREF(unknown);
    Py_XDECREF(smalls);
    return NULL;
}

static PyMethodDef methods[] = {
    {"others", others, METH_VARARGS,
     "others(events, Segment) -> indexes of the events that are not segments;"
     " see translators/edifact/_scan.py"},
    {"scan", scan, METH_VARARGS,
     "scan(held, known, limit, Segment) -> (tags, indexes not known or None, small flags)"
     " or None;"
     " see translators/edifact/_scan.py"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators.edifact._c_scan",
    "C twin of translators.edifact._scan (the message validator's scans).", -1, methods
};

PyMODINIT_FUNC
PyInit__c_scan(void)
{
    return PyModule_Create(&module);
}
