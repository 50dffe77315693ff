/* Shared by the readers' C loops (translators/x12/_c_tokenize.c,
 * translators/edifact/_c_tokenize.c): what a reader's segment-kind table says of a tag. */
#ifndef TRANSLATORS_C_KINDS_H
#define TRANSLATORS_C_KINDS_H

#include <Python.h>

/* 1 when kinds[tag] is the int 0 (an ordinary body segment), 0 when not, -1 on error. */
static int
kind_is_zero(PyObject *kinds, PyObject *tag)
{
    PyObject *kind = PyDict_GetItemWithError(kinds, tag);  /* borrowed */
    if (kind == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyLong_CheckExact(kind))
        return 0;
    int overflow = 0;
    long kv = PyLong_AsLongAndOverflow(kind, &overflow);
    if (kv == -1 && PyErr_Occurred())
        return -1;
    return kv == 0 && !overflow;
}

#endif
