/* The EDIFACT message validator's fast element check of one segment, in C.
 *
 * ``Checker(spec)`` compiles the description of a segment definition that
 * translators/edifact/schema.py ``checker_spec`` builds; ``checker.check(elements)`` then gives
 * the answer of the generated Python checker (schema.py ``_compile_fast``, its pure-Python
 * twin) for the same definition: True only when ``SegmentSpec.errors`` would find nothing,
 * False when the detailed Python checks must decide.  It also answers False for anything but a
 * list of lists of exact str (the reader makes nothing else), where the twin could answer
 * otherwise or raise: False is always safe.  tests/edifact/test_segcheck_twins.py compares the
 * twins over every segment definition of every directory.
 *
 * spec     = (number of constituents, last mandatory position, constituents)
 * constituent = (position, mandatory, value or None, components, last mandatory component)
 *            a simple data element has a value and no components, a composite the reverse
 * value    = (position, kind, min length, max length, frozenset of codes or None, mandatory,
 *             picture sibling index or -1, dict code -> picture or None)
 * kind     = 1 a, 2 n, 3 an
 *
 * Memory safety: the spec is type-checked when the checker is built (TypeError otherwise);
 * check() accepts any object; all reads are bounded by the lengths of the lists and strings;
 * only exact str are hashed (frozenset and dict lookups run no Python code); every reference
 * taken is released on every path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

enum { K_A = 1, K_N = 2, K_AN = 3 };

typedef struct {
    Py_ssize_t position;
    int kind;
    Py_ssize_t min, max;
    PyObject *codes;    /* frozenset or NULL */
    int mandatory;
    Py_ssize_t picture_from;  /* -1: none */
    PyObject *pictures; /* dict or NULL */
} Value;

typedef struct {
    Py_ssize_t position;
    int mandatory;
    int simple;
    Value value;        /* simple data element */
    Py_ssize_t ncomps;  /* composite */
    Value *comps;
    Py_ssize_t last_cm;
} Constituent;

typedef struct {
    PyObject_HEAD
    Py_ssize_t nspecs;
    Py_ssize_t last_mandatory;
    Constituent *specs;
} Checker;

/* ------------------------------------------------------------------ building */

static void
clear_value(Value *v)
{
    Py_CLEAR(v->codes);
    Py_CLEAR(v->pictures);
}

static void
Checker_dealloc(Checker *self)
{
    if (self->specs != NULL) {
        for (Py_ssize_t i = 0; i < self->nspecs; i++) {
            Constituent *c = &self->specs[i];
            clear_value(&c->value);
            if (c->comps != NULL) {
                for (Py_ssize_t j = 0; j < c->ncomps; j++)
                    clear_value(&c->comps[j]);
                PyMem_Free(c->comps);
            }
        }
        PyMem_Free(self->specs);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
bad_spec(const char *what)
{
    PyErr_Format(PyExc_TypeError, "Checker: malformed spec (%s)", what);
    return -1;
}

static int
get_size(PyObject *t, Py_ssize_t k, Py_ssize_t *out, Py_ssize_t lo)
{
    PyObject *v = PyTuple_GET_ITEM(t, k);
    if (!PyLong_CheckExact(v))
        return bad_spec("an int is expected");
    *out = PyLong_AsSsize_t(v);
    if (*out == -1 && PyErr_Occurred())
        return -1;
    if (*out < lo)
        return bad_spec("an int out of range");
    return 0;
}

static int
get_flag(PyObject *t, Py_ssize_t k, int *out)
{
    PyObject *v = PyTuple_GET_ITEM(t, k);
    if (!PyBool_Check(v))
        return bad_spec("a bool is expected");
    *out = v == Py_True;
    return 0;
}

static int
build_value(PyObject *t, Value *v)
{
    Py_ssize_t kind;
    if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 8)
        return bad_spec("a value is a tuple of 8");
    if (get_size(t, 0, &v->position, 1) < 0 || get_size(t, 1, &kind, K_A) < 0
            || get_size(t, 2, &v->min, 0) < 0 || get_size(t, 3, &v->max, 0) < 0
            || get_flag(t, 5, &v->mandatory) < 0 || get_size(t, 6, &v->picture_from, -1) < 0)
        return -1;
    if (kind > K_AN)
        return bad_spec("unknown kind");
    v->kind = (int)kind;
    PyObject *codes = PyTuple_GET_ITEM(t, 4);
    PyObject *pictures = PyTuple_GET_ITEM(t, 7);
    if (codes != Py_None && !PyFrozenSet_CheckExact(codes))
        return bad_spec("codes are a frozenset or None");
    if (pictures != Py_None && !PyDict_CheckExact(pictures))
        return bad_spec("pictures are a dict or None");
    if ((pictures == Py_None) != (v->picture_from < 0))
        return bad_spec("pictures and their sibling go together");
    if (pictures != Py_None) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(pictures, &pos, &key, &value))
            if (!PyUnicode_CheckExact(key) || !PyUnicode_CheckExact(value))
                return bad_spec("pictures map str to str");
    }
    if (codes != Py_None) {
        Py_INCREF(codes);
        v->codes = codes;
    }
    if (pictures != Py_None) {
        Py_INCREF(pictures);
        v->pictures = pictures;
    }
    return 0;
}

static int
build_constituent(PyObject *t, Constituent *c)
{
    if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) != 5)
        return bad_spec("a constituent is a tuple of 5");
    if (get_size(t, 0, &c->position, 1) < 0 || get_flag(t, 1, &c->mandatory) < 0
            || get_size(t, 4, &c->last_cm, 0) < 0)
        return -1;
    PyObject *value = PyTuple_GET_ITEM(t, 2);
    PyObject *comps = PyTuple_GET_ITEM(t, 3);
    if (!PyTuple_CheckExact(comps))
        return bad_spec("components are a tuple");
    c->simple = value != Py_None;
    if (c->simple) {
        if (PyTuple_GET_SIZE(comps) != 0)
            return bad_spec("a simple element has no components");
        if (build_value(value, &c->value) < 0)
            return -1;
        if (c->value.pictures != NULL)
            return bad_spec("a simple element has no picture");
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(comps);
    c->comps = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Value));
    if (c->comps == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    c->ncomps = n;
    for (Py_ssize_t j = 0; j < n; j++) {
        if (build_value(PyTuple_GET_ITEM(comps, j), &c->comps[j]) < 0)
            return -1;
        if (c->comps[j].position > n || c->comps[j].picture_from >= n)
            return bad_spec("a component position beyond the composite");
    }
    if (c->last_cm > n)
        return bad_spec("a mandatory component beyond the composite");
    return 0;
}

static PyObject *
Checker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *spec;
    if (!PyArg_ParseTuple(args, "O!:Checker", &PyTuple_Type, &spec))
        return NULL;
    Checker *self = (Checker *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_ssize_t n;
    PyObject *specs;
    if (PyTuple_GET_SIZE(spec) != 3) {
        bad_spec("spec is a tuple of 3");
        goto fail;
    }
    specs = PyTuple_GET_ITEM(spec, 2);
    if (get_size(spec, 0, &n, 0) < 0 || get_size(spec, 1, &self->last_mandatory, 0) < 0)
        goto fail;
    if (!PyTuple_CheckExact(specs) || PyTuple_GET_SIZE(specs) != n) {
        bad_spec("the constituents are a tuple of their number");
        goto fail;
    }
    self->specs = PyMem_Calloc(n ? (size_t)n : 1, sizeof(Constituent));
    if (self->specs == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    self->nspecs = n;
    for (Py_ssize_t i = 0; i < n; i++)
        if (build_constituent(PyTuple_GET_ITEM(specs, i), &self->specs[i]) < 0)
            goto fail;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* ------------------------------------------------------------------ checking */

static int
is_digit(Py_UCS4 ch)
{
    return ch >= '0' && ch <= '9';
}

/* -?[0-9]+(?:[.,][0-9]+)? over the whole string (the twin's NUM, ASCII digits only) */
static int
numeric(int kind, const void *data, Py_ssize_t n)
{
    Py_ssize_t k = 0;
    if (k < n && PyUnicode_READ(kind, data, k) == '-')
        k++;
    Py_ssize_t start = k;
    while (k < n && is_digit(PyUnicode_READ(kind, data, k)))
        k++;
    if (k == start)
        return 0;
    if (k == n)
        return 1;
    Py_UCS4 mark = PyUnicode_READ(kind, data, k);
    if (mark != '.' && mark != ',')
        return 0;
    k++;
    start = k;
    while (k < n && is_digit(PyUnicode_READ(kind, data, k)))
        k++;
    return k > start && k == n;
}

/* 1 when value (an exact, non-empty str) passes the value tests of v, 0 when not, -1 on
 * error.  siblings: the composite holding it (a list of exact str), or NULL. */
static int
value_ok(const Value *v, PyObject *value, PyObject *siblings)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    if (n > v->max || (v->min > 1 && n < v->min))
        return 0;
    int kind = PyUnicode_KIND(value);
    const void *data = PyUnicode_DATA(value);
    if (v->kind == K_N) {
        Py_ssize_t k = 0;
        while (k < n && is_digit(PyUnicode_READ(kind, data, k)))
            k++;
        /* a sign or decimal mark does not count towards a minimum length: such values
         * go to the detailed checks, which count the digits */
        if (k < n && (v->min > 1 || !numeric(kind, data, n)))
            return 0;
    } else if (v->kind == K_A) {
        for (Py_ssize_t k = 0; k < n; k++)
            if (is_digit(PyUnicode_READ(kind, data, k)))
                return 0;
    }
    if (v->codes != NULL) {
        int found = PySet_Contains(v->codes, value);
        if (found <= 0)
            return found;
    }
    if (v->pictures != NULL && siblings != NULL
            && PyList_GET_SIZE(siblings) > v->picture_from) {
        PyObject *code = PyList_GET_ITEM(siblings, v->picture_from);  /* an exact str */
        PyObject *picture = PyDict_GetItemWithError(v->pictures, code);  /* borrowed */
        if (picture == NULL)
            return PyErr_Occurred() ? -1 : 1;
        Py_ssize_t m = PyUnicode_GET_LENGTH(picture);
        if (m != n)
            return 0;
        int pkind = PyUnicode_KIND(picture);
        const void *pdata = PyUnicode_DATA(picture);
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_UCS4 want = PyUnicode_READ(pkind, pdata, k);
            Py_UCS4 got = PyUnicode_READ(kind, data, k);
            if (want == '-' ? got != '-' : !is_digit(got))
                return 0;
        }
    }
    return 1;
}

/* 1 when x is a list of exact str, else 0; *any: whether one of them is non-empty. */
static int
str_list(PyObject *x, int *any)
{
    if (!PyList_CheckExact(x))
        return 0;
    *any = 0;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(x); k++) {
        PyObject *s = PyList_GET_ITEM(x, k);
        if (!PyUnicode_CheckExact(s))
            return 0;
        if (PyUnicode_GET_LENGTH(s))
            *any = 1;
    }
    return 1;
}

/* 1 pass, 0 not sure, -1 error */
static int
composite_ok(const Constituent *c, PyObject *x, int any)
{
    Py_ssize_t m = PyList_GET_SIZE(x);
    if (m > c->ncomps)
        return 0;
    if (c->last_cm == 0) {
        if (c->mandatory && !any)
            return 0;
    } else if (!c->mandatory && !any)
        return 1;  /* an absent optional composite */
    if (c->last_cm && m < c->last_cm)
        return 0;
    for (Py_ssize_t j = 0; j < c->ncomps; j++) {
        const Value *v = &c->comps[j];
        if (v->position > m)
            continue;  /* beyond the components given (never a mandatory one here) */
        PyObject *value = PyList_GET_ITEM(x, v->position - 1);
        if (PyUnicode_GET_LENGTH(value)) {
            int r = value_ok(v, value, x);
            if (r <= 0)
                return r;
        } else if (v->mandatory)
            return 0;
    }
    return 1;
}

static PyObject *
Checker_check(Checker *self, PyObject *elements)
{
    if (!PyList_CheckExact(elements))
        Py_RETURN_FALSE;
    Py_ssize_t n = PyList_GET_SIZE(elements);
    if (n > self->nspecs + 1)
        Py_RETURN_FALSE;
    if (self->last_mandatory && n <= self->last_mandatory)
        Py_RETURN_FALSE;
    for (Py_ssize_t i = 0; i < self->nspecs; i++) {
        const Constituent *c = &self->specs[i];
        if (c->position >= n)
            continue;  /* not given (never a mandatory one: see above) */
        PyObject *x = PyList_GET_ITEM(elements, c->position);
        int any;
        if (!str_list(x, &any))
            Py_RETURN_FALSE;
        int r;
        if (c->simple) {
            if (PyList_GET_SIZE(x) != 1)
                Py_RETURN_FALSE;
            PyObject *value = PyList_GET_ITEM(x, 0);
            if (PyUnicode_GET_LENGTH(value))
                r = value_ok(&c->value, value, NULL);
            else
                r = !c->mandatory;
        } else
            r = composite_ok(c, x, any);
        if (r < 0)
            return NULL;
        if (r == 0)
            Py_RETURN_FALSE;
    }
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
    .tp_name = "translators.edifact._c_segcheck.Checker",
    .tp_basicsize = sizeof(Checker),
    .tp_dealloc = (destructor)Checker_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Checker(spec): fast element check of one EDIFACT segment definition",
    .tp_methods = Checker_methods,
    .tp_new = Checker_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "translators.edifact._c_segcheck",
    "Fast element checks of EDIFACT segments (see translators/edifact/schema.py checker_spec).",
    -1, NULL,
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
