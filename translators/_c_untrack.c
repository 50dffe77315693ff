/* untrack_events(events, frozen=(), itself=False): take acyclic reader events out of the
 * cyclic collector's care (with ``itself``, the list too when every event in it could be: a
 * reader's batch, which the pipeline's stages read or copy but never add to).
 *
 * A reader's events (Segment named tuples holding lists of str, or lists of lists of str)
 * are allocated by the hundred thousand and live until the pipeline has consumed them.
 * They cannot be part of a reference cycle, but the cyclic collector does not know that and
 * scans each of them at least once (CPython untracks only exact tuples and dicts of atomic
 * values, and only while collecting).  This does what CPython does for those, for our shapes:
 * a container is untracked only when everything it holds is a str, int, float, bool or None,
 * or a container already found to be such, up to MAX_DEPTH levels; an instance of a subclass
 * only when it has no __dict__ (named tuples).  Instances of the exact types the caller lists
 * in ``frozen`` (the EDIFACT reader's frozen, slotted dataclass events: MessageStart, Finding,
 * Position...) are containers too, of what their tp_traverse visits.  Anything else is left
 * as it is.
 *
 * Untracked objects are still freed by reference counting.  The only cost of a wrong use would
 * be a cycle made later through such an object (nothing in the translators mutates events),
 * which the collector would then not free.  The pure-Python fallback (translators/gcpause.py)
 * does nothing; results are identical either way.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define MAX_DEPTH 4

static int
atomic(PyObject *o)
{
    return PyUnicode_CheckExact(o) || PyLong_CheckExact(o) || o == Py_None
        || PyBool_Check(o) || PyFloat_CheckExact(o);
}

/* Instances of these exact types (a tuple given by the caller: frozen dataclasses with
 * __slots__ and no __dict__) are settled like tuples, through what their tp_traverse visits. */
struct walk {
    PyObject *frozen;  /* tuple of types, or NULL */
    PyObject *self;    /* the instance being traversed (its type is visited too: skipped) */
    int depth;
};

static int settle(PyObject *o, int depth, PyObject *frozen);

static int
visit_settle(PyObject *o, void *arg)
{
    struct walk *w = (struct walk *)arg;
    if (o == (PyObject *)Py_TYPE(w->self))
        return 0;
    return settle(o, w->depth + 1, w->frozen) ? 0 : 1;  /* nonzero stops the traversal */
}

static int
frozen_instance(PyObject *o, PyObject *frozen)
{
    if (frozen == NULL || Py_TYPE(o)->tp_dictoffset != 0 || Py_TYPE(o)->tp_traverse == NULL)
        return 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(frozen); k++)
        if ((PyObject *)Py_TYPE(o) == PyTuple_GET_ITEM(frozen, k))
            return 1;
    return 0;
}

/* 1 if o is atomic or an acyclic container (then untracked), else 0. */
static int
settle(PyObject *o, int depth, PyObject *frozen)
{
    if (atomic(o))
        return 1;
    if (depth >= MAX_DEPTH)
        return 0;
    int list = PyList_CheckExact(o);
    if (!list && !PyTuple_Check(o)) {
        if (!frozen_instance(o, frozen))
            return 0;
        if (!PyObject_GC_IsTracked(o))
            return 1;
        struct walk w = {frozen, o, depth};
        if (Py_TYPE(o)->tp_traverse(o, visit_settle, &w) != 0)
            return 0;
        PyObject_GC_UnTrack(o);
        return 1;
    }
    if (!list && !PyTuple_CheckExact(o) && Py_TYPE(o)->tp_dictoffset != 0)
        return 0;  /* instances with a __dict__ may hold anything later */
    if (!PyObject_GC_IsTracked(o))
        return 1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject **items = PySequence_Fast_ITEMS(o);
    for (Py_ssize_t k = 0; k < n; k++)
        if (!settle(items[k], depth + 1, frozen))
            return 0;
    PyObject_GC_UnTrack(o);
    return 1;
}

static PyObject *
untrack_events(PyObject *self, PyObject *args)
{
    PyObject *events, *frozen = NULL;
    int itself = 0;
    if (!PyArg_ParseTuple(args, "O|O!p:untrack_events", &events, &PyTuple_Type, &frozen,
                          &itself))
        return NULL;
    if (frozen != NULL) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(frozen); k++)
            if (!PyType_Check(PyTuple_GET_ITEM(frozen, k))) {
                PyErr_SetString(PyExc_TypeError, "untrack_events: frozen must be a tuple of types");
                return NULL;
            }
    }
    if (!PyList_CheckExact(events)) {
        PyErr_SetString(PyExc_TypeError, "untrack_events: a list of events is expected");
        return NULL;
    }
    /* No Python code runs below (only type checks and untracking), so the list cannot
     * change under us; its size is re-read at every step anyway. */
    int all = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(events); i++)
        all &= settle(PyList_GET_ITEM(events, i), 0, frozen);
    /* ``itself``: the caller hands the list on and puts nothing more into it */
    if (itself && all && PyObject_GC_IsTracked(events))
        PyObject_GC_UnTrack(events);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"untrack_events", untrack_events, METH_VARARGS,
     "untrack_events(events, frozen=(), itself=False) -> None: acyclic events (and with "
     "itself, the list when it holds only such events) are no longer scanned by the cyclic "
     "collector (see translators/_c_untrack.c)."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators._c_untrack",
    "Take acyclic reader events out of the cyclic garbage collector's care.", -1, methods
};

PyMODINIT_FUNC
PyInit__c_untrack(void)
{
    return PyModule_Create(&module);
}
