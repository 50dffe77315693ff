/* run_end(batch, i, kind): the index of the first event of ``batch`` at or after ``i`` whose
 * type is not exactly ``kind`` (``len(batch)`` when there is none).
 *
 * The pipeline's filters and its walk pass runs of ordinary segments on as they are; this
 * finds where a run ends in one tight loop instead of a type test per event in compiled
 * Python.  Twin: translators/runs.py ``_run_end`` (same results; tests/test_runs.py).
 *
 * Memory safety: the batch is an exact list (checked), read with bounds from its current
 * size; no reference is taken; nothing can run Python code inside the loop.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
run_end(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "run_end(batch, i, kind) takes 3 arguments");
        return NULL;
    }
    PyObject *batch = args[0], *kind = args[2];
    if (!PyList_CheckExact(batch) || !PyType_Check(kind)) {
        PyErr_SetString(PyExc_TypeError, "run_end: a list and a type");
        return NULL;
    }
    Py_ssize_t i = PyLong_AsSsize_t(args[1]);
    if (i == -1 && PyErr_Occurred())
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(batch);
    if (i < 0)
        i = 0;
    PyObject **items = ((PyListObject *)batch)->ob_item;
    while (i < n && Py_TYPE(items[i]) == (PyTypeObject *)kind)
        i++;
    return PyLong_FromSsize_t(i < n ? i : n);
}

static PyMethodDef methods[] = {
    {"run_end", (PyCFunction)(void (*)(void))run_end, METH_FASTCALL,
     "run_end(batch, i, kind) -> index of the first event from i on whose type is not kind"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators._c_runs",
    "Where a run of events of one type ends (see translators/runs.py).", -1, methods,
};

PyMODINIT_FUNC
PyInit__c_runs(void)
{
    return PyModule_Create(&module);
}
