/* table_reader.cents_all compiled: a column of amounts in yuan to the cent, the same figures
 * to the bit (tests/test_amounts_compiled.py gives both the same columns). cents_all stays as
 * the reference and as the way where this module is not built (no C compiler).
 *
 * cents(values, factor, to_cents) -> list
 *   values: a list of amounts (float) or None; factor: the unit's yuan (1 or 10,000);
 *   to_cents(value, factor): the exact way, called for everything this loop does not settle
 *       (a product near half a cent, one at or past 1e15, NaN, infinity, anything not a float).
 *
 * Away from half a cent, cents_all takes round(product * 100) / 100: the integer nearest the
 * hundredths (never a tie there, so rint's rounding mode cannot matter) divided exactly
 * rounded, which is what dividing that integer, held exactly in a double, by 100.0 gives; and
 * + 0.0 because Python's round() returns an int, which has no negative zero. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

static PyObject *cents(PyObject *module, PyObject *args)
{
    PyObject *values, *exact, *out;
    long long factor;
    Py_ssize_t i, n;
    (void)module;
    if (!PyArg_ParseTuple(args, "O!LO:cents", &PyList_Type, &values, &factor, &exact))
        return NULL;
    n = PyList_GET_SIZE(values);
    out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v = PyList_GET_ITEM(values, i), *r;
        if (v == Py_None) {
            r = Py_NewRef(Py_None);
        } else {
            r = NULL;
            if (PyFloat_CheckExact(v)) {
                double product = PyFloat_AS_DOUBLE(v) * (double)factor;
                double hundredths = product * 100.0;
                if (fabs(product) < 1e15) {
                    double off = fabs(fabs(hundredths - trunc(hundredths)) - 0.5);
                    if (off > 1e-6 && off > fabs(hundredths) * 1e-12)
                        r = PyFloat_FromDouble(rint(hundredths) / 100.0 + 0.0);
                }
            }
            if (r == NULL && !PyErr_Occurred())
                r = PyObject_CallFunction(exact, "OL", v, factor);
            if (r == NULL) {
                Py_DECREF(out);
                return NULL;
            }
        }
        /* The list is new and holds nothing yet: SET_ITEM steals r. */
        PyList_SET_ITEM(out, i, r);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"cents", cents, METH_VARARGS,
     "cents(values, factor, to_cents): table_reader.cents_all, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "xltrack._amounts",
    "table_reader.cents_all compiled (see _amounts.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__amounts(void)
{
    return PyModule_Create(&module);
}
