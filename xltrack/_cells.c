/* sheet_xml's fast pass over a sheet's cells, compiled: the same grammar and the same steps
 * as sheet_xml._fast_pass, which stays as the pass where this module is not built (a machine
 * without a C compiler) and as its reference (tests/test_sheet_compiled.py gives both the
 * same sheets; tests/test_sheet_fast.py gives this one every sheet against lxml).
 *
 * beyond_z99999(data) -> bool: intake's extent search (its regular expression stays as the
 *   reference and the way without this module; tests/test_extent_compiled.py).
 *
 * fast_pass(body, p, attributes, text, unescape) -> True, or None where the sheet declines.
 *   body: the bytes between <sheetData> and </sheetData>;
 *   p: the sheet_xml._Pass to fill (its cells, laid_out, fact and place);
 *   attributes(raw: bytes) -> bool | None: whether attributes after r= say hidden, None where
 *       XML would refuse them;
 *   text(raw: bytes) -> str: a text holding `&`, decoded as lxml decodes it (raises to
 *       decline);
 *   unescape(text: str) -> str: Excel's _xHHHH_ escapes decoded.
 * Exceptions from p.fact, p.place and the callables are raised as they are: read_sheet_fast
 * turns those that mean "decline" into None, as for the pass in Python.
 *
 * The grammar (sheet_xml._TOKEN), token after token, every byte of the body in one:
 *   <c r="[A-Z]{1,3}[1-9][0-9]{0,6}"( s="[0-9]{1,9}")?( t="[A-Za-z]{1,9}")?
 *       (/> | >(<f ATTRS(/>|>TEXT</f>))?(<v>TEXT</v>)?(<is><t( xml:space="preserve")?>TEXT</t></is>)?</c>)
 *   </row>
 *   <row r="[1-9][0-9]{0,6}" ATTRS /?>
 * ATTRS: ( NAME(:NAME)?="[^"<&\x00-\x1f]*")*  NAME: [A-Za-z_][A-Za-z0-9_.-]*
 * TEXT: [^<\x00-\x08\x0b-\x1f]*
 * A regex alternative that fails here can never be followed by one that holds (each starts
 * with bytes the next part of the grammar refuses), so the first failure declines the sheet,
 * as the regex's catch-all token does. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_ROW 1048576
#define MAX_COL 16384

typedef struct {
    const unsigned char *s;
    Py_ssize_t n;
} span;

static int starts(const unsigned char *b, Py_ssize_t i, Py_ssize_t n, const char *lit)
{
    Py_ssize_t k = (Py_ssize_t)strlen(lit);
    return n - i >= k && memcmp(b + i, lit, (size_t)k) == 0;
}

static int name_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* The end of ATTRS from i: as many whole attributes as stand there. */
static Py_ssize_t attrs_end(const unsigned char *b, Py_ssize_t i, Py_ssize_t n)
{
    for (;;) {
        Py_ssize_t j = i;
        if (j >= n || b[j] != ' ')
            return i;
        j++;
        if (j >= n || !name_start(b[j]))
            return i;
        while (j < n && name_char(b[j]))
            j++;
        if (j < n && b[j] == ':') {
            j++;
            if (j >= n || !name_start(b[j]))
                return i;
            while (j < n && name_char(b[j]))
                j++;
        }
        if (n - j < 2 || b[j] != '=' || b[j + 1] != '"')
            return i;
        j += 2;
        while (j < n && b[j] != '"' && b[j] != '<' && b[j] != '&' && b[j] >= 0x20)
            j++;
        if (j >= n || b[j] != '"')
            return i;
        i = j + 1;
    }
}

/* The end of TEXT from i. */
static Py_ssize_t text_end(const unsigned char *b, Py_ssize_t i, Py_ssize_t n)
{
    while (i < n) {
        unsigned char c = b[i];
        if (c == '<' || c <= 0x08 || (c >= 0x0b && c <= 0x1f))
            break;
        i++;
    }
    return i;
}

/* [1-9][0-9]{0,max-1} then a quote: the end (at the quote), or -1. */
static Py_ssize_t number_end(const unsigned char *b, Py_ssize_t i, Py_ssize_t n, int max)
{
    Py_ssize_t j = i;
    if (j >= n || b[j] < '1' || b[j] > '9')
        return -1;
    while (j < n && j - i < max && b[j] >= '0' && b[j] <= '9')
        j++;
    return (j < n && b[j] == '"') ? j : -1;
}

/* TEXT from i into *text, then the literal close: the end, or -1. */
static Py_ssize_t texted(const unsigned char *b, Py_ssize_t i, Py_ssize_t n, const char *close,
                        span *text)
{
    Py_ssize_t k = text_end(b, i, n);
    text->s = b + i;
    text->n = k - i;
    return starts(b, k, n, close) ? k + (Py_ssize_t)strlen(close) : -1;
}

typedef struct {
    span letters, digits, style, kind, f_attrs, formula, stored, text;
    int f, v, inline_;
} cell;

/* A cell token at i (b[i:] starts with <c r="): its end, or -1. */
static Py_ssize_t read_cell(const unsigned char *b, Py_ssize_t i, Py_ssize_t n, cell *c)
{
    Py_ssize_t j = i + 6, k;
    memset(c, 0, sizeof(*c));
    c->letters.s = b + j;
    while (j < n && j - (i + 6) < 3 && b[j] >= 'A' && b[j] <= 'Z')
        j++;
    c->letters.n = j - (i + 6);
    if (c->letters.n == 0)
        return -1;
    k = number_end(b, j, n, 7);
    if (k < 0)
        return -1;
    c->digits.s = b + j;
    c->digits.n = k - j;
    j = k + 1;
    if (starts(b, j, n, " s=\"")) {
        j += 4;
        c->style.s = b + j;
        while (j < n && b[j] >= '0' && b[j] <= '9' && (b + j) - c->style.s < 9)
            j++;
        c->style.n = (b + j) - c->style.s;
        if (c->style.n == 0 || j >= n || b[j] != '"')
            return -1;
        j++;
    }
    if (starts(b, j, n, " t=\"")) {
        j += 4;
        c->kind.s = b + j;
        while (j < n && ((b[j] >= 'A' && b[j] <= 'Z') || (b[j] >= 'a' && b[j] <= 'z'))
               && (b + j) - c->kind.s < 9)
            j++;
        c->kind.n = (b + j) - c->kind.s;
        if (c->kind.n == 0 || j >= n || b[j] != '"')
            return -1;
        j++;
    }
    if (starts(b, j, n, "/>"))
        return j + 2;
    if (j >= n || b[j] != '>')
        return -1;
    j++;
    if (starts(b, j, n, "<f")) {
        c->f = 1;
        j += 2;
        k = attrs_end(b, j, n);
        c->f_attrs.s = b + j;
        c->f_attrs.n = k - j;
        j = k;
        c->formula.s = b + j;
        if (starts(b, j, n, "/>")) {
            j += 2;
        } else if (j < n && b[j] == '>') {
            j = texted(b, j + 1, n, "</f>", &c->formula);
            if (j < 0)
                return -1;
        } else {
            return -1;
        }
    }
    if (starts(b, j, n, "<v>")) {
        c->v = 1;
        j = texted(b, j + 3, n, "</v>", &c->stored);
        if (j < 0)
            return -1;
    }
    if (starts(b, j, n, "<is>")) {
        c->inline_ = 1;
        j += 4;
        if (!starts(b, j, n, "<t"))
            return -1;
        j += 2;
        if (starts(b, j, n, " xml:space=\"preserve\""))
            j += 21;
        if (j >= n || b[j] != '>')
            return -1;
        j = texted(b, j + 1, n, "</t></is>", &c->text);
        if (j < 0)
            return -1;
    }
    if (!starts(b, j, n, "</c>"))
        return -1;
    return j + 4;
}

static int has(span s, unsigned char c)
{
    return s.n > 0 && memchr(s.s, c, (size_t)s.n) != NULL;
}

static int same(span a, span b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.s, b.s, (size_t)a.n) == 0);
}

typedef struct {
    PyObject *p, *fact, *place, *attributes, *text, *unescape, *checked, *plain_styles;
    PyObject *laid_name, *empty, *marker;
    Py_ssize_t laid;
    span last_style;  /* the style last looked up in plain_styles, and what it gave */
    int last_plain;
} pass;

/* A text of the body as a str: UTF-8 where it holds no `&`, else text(raw). */
static PyObject *decoded(pass *st, span s)
{
    PyObject *raw, *out;
    if (!has(s, '&'))
        return PyUnicode_DecodeUTF8((const char *)s.s, s.n, NULL);
    raw = PyBytes_FromStringAndSize((const char *)s.s, s.n);
    if (raw == NULL)
        return NULL;
    out = PyObject_CallOneArg(st->text, raw);
    Py_DECREF(raw);
    return out;
}

/* An inline string's value: decoded, its _xHHHH_ escapes too. */
static PyObject *inline_value(pass *st, span s)
{
    PyObject *text = decoded(st, s), *out;
    Py_ssize_t at;
    if (text == NULL)
        return NULL;
    at = PyUnicode_GetLength(text) < 2 ? -1 : PyUnicode_Find(
        text, st->marker, 0, PY_SSIZE_T_MAX, 1);
    if (at == -2) {
        Py_DECREF(text);
        return NULL;
    }
    if (at < 0)
        return text;
    out = PyObject_CallOneArg(st->unescape, text);
    Py_DECREF(text);
    return out;
}

/* A cell's place "B12" (its r=, letters and digits side by side in the body). */
static PyObject *where_of(const cell *c)
{
    return PyUnicode_DecodeASCII((const char *)c->letters.s, c->letters.n + c->digits.n, NULL);
}

/* value into the row at column (1-based), as _fast_pass does: appended where it is the next
 * cell, else by p.place, which lays out the gap, counts it and refuses a sheet too large. */
static int put(pass *st, PyObject *values, long column, PyObject *value, const cell *c)
{
    PyObject *where, *laid, *done;
    if (column == PyList_GET_SIZE(values) + 1) {
        if (PyList_Append(values, value) < 0)
            return -1;
        st->laid++;
        return 0;
    }
    laid = PyLong_FromSsize_t(st->laid);
    if (laid == NULL)
        return -1;
    if (PyObject_SetAttr(st->p, st->laid_name, laid) < 0) {
        Py_DECREF(laid);
        return -1;
    }
    Py_DECREF(laid);
    where = where_of(c);
    if (where == NULL)
        return -1;
    done = PyObject_CallFunction(st->place, "OlOO", values, column, value, where);
    Py_DECREF(where);
    if (done == NULL)
        return -1;
    Py_DECREF(done);
    laid = PyObject_GetAttr(st->p, st->laid_name);
    if (laid == NULL)
        return -1;
    st->laid = PyLong_AsSsize_t(laid);
    Py_DECREF(laid);
    return (st->laid == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* attributes(raw), once per spelling: 1 hidden, 0 not, -1 declines, -2 an error. */
static int attributes(pass *st, span s)
{
    PyObject *raw = PyBytes_FromStringAndSize((const char *)s.s, s.n), *found;
    if (raw == NULL)
        return -2;
    found = PyDict_GetItemWithError(st->checked, raw);
    if (found == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(raw);
            return -2;
        }
        found = PyObject_CallOneArg(st->attributes, raw);
        if (found == NULL || PyDict_SetItem(st->checked, raw, found) < 0) {
            Py_XDECREF(found);
            Py_DECREF(raw);
            return -2;
        }
        Py_DECREF(found);  /* the dict holds it */
    }
    Py_DECREF(raw);
    if (found == Py_None)
        return -1;
    return PyObject_IsTrue(found) ? 1 : 0;
}

/* Whether s= names a style that shows a number as a number (p.book.number_styles_bytes). */
static int plain_style(pass *st, span style)
{
    PyObject *key;
    int found;
    if (st->last_plain >= 0 && same(style, st->last_style))
        return st->last_plain;
    key = PyBytes_FromStringAndSize((const char *)style.s, style.n);
    if (key == NULL)
        return -1;
    found = PySet_Contains(st->plain_styles, key);
    Py_DECREF(key);
    if (found < 0)
        return -1;
    st->last_style = style;
    st->last_plain = found;
    return found;
}

/* A plain number as float() reads its bytes (no whitespace, no underscore, ASCII): into
 * *out; 0 where float() would refuse it or it is not finite, -1 on an error. */
static int plain_number(span s, double *out)
{
    char buf[64];
    char *end;
    double x;
    Py_ssize_t i;
    if (s.n == 0 || s.n >= (Py_ssize_t)sizeof(buf))
        return 0;  /* long spellings go the general way, through fact() */
    for (i = 0; i < s.n; i++) {
        unsigned char ch = s.s[i];
        if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' || ch == '+'
              || ch == '-'))
            return 0;  /* whitespace, inf, nan, hex: float()'s other readings, left to it */
    }
    memcpy(buf, s.s, (size_t)s.n);
    buf[s.n] = '\0';
    x = PyOS_string_to_double(buf, &end, NULL);
    if (x == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_ValueError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    if (end != buf + s.n || !(x - x == 0.0))
        return 0;
    *out = x;
    return 1;
}

static PyObject *call_fact(pass *st, const cell *c, const char *kind_e)
{
    PyObject *where = NULL, *style = NULL, *kind = NULL, *stored = NULL, *formula = NULL;
    PyObject *text = NULL, *out = NULL;
    where = where_of(c);
    if (where == NULL)
        goto done;
    if (c->style.n) {
        style = PyUnicode_DecodeASCII((const char *)c->style.s, c->style.n, NULL);
    } else {
        style = Py_NewRef(Py_None);
    }
    if (style == NULL)
        goto done;
    if (kind_e != NULL)
        kind = PyUnicode_FromString(kind_e);
    else if (c->kind.n)
        kind = PyUnicode_DecodeASCII((const char *)c->kind.s, c->kind.n, NULL);
    else
        kind = Py_NewRef(Py_None);
    if (kind == NULL)
        goto done;
    stored = c->v ? decoded(st, c->stored) : Py_NewRef(Py_None);
    if (stored == NULL)
        goto done;
    formula = c->f ? decoded(st, c->formula) : Py_NewRef(Py_None);
    if (formula == NULL)
        goto done;
    text = c->inline_ ? inline_value(st, c->text) : Py_NewRef(Py_None);
    if (text == NULL)
        goto done;
    out = PyObject_CallFunctionObjArgs(st->fact, where, style, kind, stored, formula, text,
                                       NULL);
done:
    Py_XDECREF(where);
    Py_XDECREF(style);
    Py_XDECREF(kind);
    Py_XDECREF(stored);
    Py_XDECREF(formula);
    Py_XDECREF(text);
    return out;
}

/* A value read (a new reference, NULL on an error) into the row unless it is "": 0 or -1. */
static int put_read(pass *st, PyObject *values, long column, PyObject *value, const cell *c)
{
    int r;
    if (value == NULL)
        return -1;
    r = PyObject_RichCompareBool(value, st->empty, Py_NE);
    if (r > 0)
        r = put(st, values, column, value, c);
    Py_DECREF(value);
    return r < 0 ? -1 : 0;
}

/* One cell of the open row: 0 read, 1 declines, -1 an error. */
static int one_cell(pass *st, const cell *c, PyObject *values, long column)
{
    PyObject *value;
    int r;
    if (!(c->v || c->f || c->inline_)) {
        if (c->kind.n == 1 && c->kind.s[0] == 'e') {
            value = call_fact(st, c, "e");
            if (value == NULL)
                return -1;
            Py_DECREF(value);
        }
        return 0;
    }
    if (c->v && !c->f && (c->kind.n == 0 || (c->kind.n == 1 && c->kind.s[0] == 'n'))) {
        int plain = plain_style(st, c->style);
        if (plain < 0)
            return -1;
        if (plain && c->stored.n) {
            double x;
            int ok = plain_number(c->stored, &x);
            if (ok < 0)
                return -1;
            if (ok) {
                value = PyFloat_FromDouble(x);
                if (value == NULL)
                    return -1;
                r = put(st, values, column, value, c);
                Py_DECREF(value);
                return r;
            }
            /* else as _fast_pass: float() refuses it or it is not finite: through fact() */
        }
    } else if (c->inline_ && c->kind.n == 9 && memcmp(c->kind.s, "inlineStr", 9) == 0
               && !(c->f || c->v)) {
        return put_read(st, values, column, inline_value(st, c->text), c);
    }
    if (c->f_attrs.n) {
        r = attributes(st, c->f_attrs);
        if (r == -2)
            return -1;
        if (r == -1)
            return 1;
    }
    return put_read(st, values, column, call_fact(st, c, NULL), c);
}

static long column_of(span letters)
{
    long column = 0;
    Py_ssize_t i;
    for (i = 0; i < letters.n; i++)
        column = column * 26 + (letters.s[i] - 'A' + 1);
    return column <= MAX_COL ? column : 0;  /* 0: no column, which declines */
}

static long row_number(span digits)
{
    long number = 0;
    Py_ssize_t i;
    for (i = 0; i < digits.n; i++)
        number = number * 10 + (digits.s[i] - '0');
    return number;
}

/* The pass itself: 1 read, 0 declines, -1 an error. */
static int cells_pass(pass *st, const unsigned char *b, Py_ssize_t n, PyObject *rows,
                      PyObject *hidden)
{
    Py_ssize_t i = 0, k;
    long number = 0, last_row = 0, last_col = 0;
    span digits = {NULL, 0};
    PyObject *values = NULL;
    cell c;
    int r;
    while (i < n) {
        if (starts(b, i, n, "<c r=\"")) {
            long column;
            k = read_cell(b, i, n, &c);
            if (k < 0 || !number || !same(c.digits, digits))
                goto declined;  /* not a cell's spelling, outside a row, not of its row */
            column = column_of(c.letters);
            if (column <= last_col)
                goto declined;  /* not a column, twice, out of order */
            last_col = column;
            r = one_cell(st, &c, values, column);
            if (r < 0)
                goto failed;
            if (r > 0)
                goto declined;
            i = k;
        } else if (starts(b, i, n, "</row>")) {
            if (!number)
                goto declined;
            if (PyList_GET_SIZE(values)) {
                PyObject *key = PyLong_FromLong(number);
                if (key == NULL)
                    goto failed;
                r = PyDict_SetItem(rows, key, values);
                Py_DECREF(key);
                if (r < 0)
                    goto failed;
            }
            Py_CLEAR(values);
            number = 0;
            digits.n = 0;
            i += 6;
        } else if (starts(b, i, n, "<row r=\"")) {
            Py_ssize_t j = i + 8, a;
            long found;
            span attrs;
            int closed = 0;
            k = number_end(b, j, n, 7);
            if (k < 0)
                goto declined;
            found = row_number((span){b + j, k - j});
            a = attrs_end(b, k + 1, n);
            attrs = (span){b + k + 1, a - (k + 1)};
            if (starts(b, a, n, "/>")) {
                closed = 1;
                a += 2;
            } else if (a < n && b[a] == '>') {
                a += 1;
            } else {
                goto declined;
            }
            if (number || found <= last_row || found > MAX_ROW)
                goto declined;
            last_row = found;
            if (attrs.n) {
                r = attributes(st, attrs);
                if (r == -2)
                    goto failed;
                if (r == -1)
                    goto declined;
                if (r == 1) {
                    PyObject *key = PyLong_FromLong(found);
                    if (key == NULL)
                        goto failed;
                    r = PySet_Add(hidden, key);
                    Py_DECREF(key);
                    if (r < 0)
                        goto failed;
                }
            }
            if (!closed) {
                number = found;
                digits = (span){b + j, k - j};
                values = PyList_New(0);
                if (values == NULL)
                    goto failed;
                last_col = 0;
            }
            i = a;
        } else {
            goto declined;  /* anything the grammar does not know */
        }
    }
    if (number)
        goto declined;  /* a row left open */
    return 1;
declined:
    Py_XDECREF(values);
    return 0;
failed:
    Py_XDECREF(values);
    return -1;
}

static PyObject *fast_pass(PyObject *module, PyObject *args)
{
    PyObject *body, *cells = NULL, *rows = NULL, *hidden = NULL, *laid = NULL, *frozen;
    PyObject *book = NULL, *out = NULL;
    pass st;
    int r;
    (void)module;
    memset(&st, 0, sizeof(st));
    st.last_plain = -1;
    if (!PyArg_ParseTuple(args, "SOOOO:fast_pass", &body, &st.p, &st.attributes, &st.text,
                          &st.unescape))
        return NULL;
    st.fact = PyObject_GetAttrString(st.p, "fact");
    st.place = PyObject_GetAttrString(st.p, "place");
    cells = PyObject_GetAttrString(st.p, "cells");
    book = PyObject_GetAttrString(st.p, "book");
    if (st.fact == NULL || st.place == NULL || cells == NULL || book == NULL)
        goto done;
    st.plain_styles = PyObject_GetAttrString(book, "number_styles_bytes");
    rows = PyObject_GetAttrString(cells, "rows");
    laid = PyObject_GetAttrString(st.p, "laid_out");
    st.laid_name = PyUnicode_InternFromString("laid_out");
    st.empty = PyUnicode_FromString("");
    st.marker = PyUnicode_FromString("_x");
    st.checked = PyDict_New();
    hidden = PySet_New(NULL);
    if (st.plain_styles == NULL || rows == NULL || laid == NULL || st.laid_name == NULL
        || st.empty == NULL || st.marker == NULL || st.checked == NULL || hidden == NULL)
        goto done;
    if (!PyDict_Check(rows) || !PyAnySet_Check(st.plain_styles)) {
        PyErr_SetString(PyExc_TypeError, "fast_pass: cells.rows is a dict, "
                        "book.number_styles_bytes a set");
        goto done;
    }
    st.laid = PyLong_AsSsize_t(laid);
    if (st.laid == -1 && PyErr_Occurred())
        goto done;
    r = cells_pass(&st, (const unsigned char *)PyBytes_AS_STRING(body),
                   PyBytes_GET_SIZE(body), rows, hidden);
    if (r < 0)
        goto done;
    if (r == 0) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    Py_DECREF(laid);
    laid = PyLong_FromSsize_t(st.laid);
    if (laid == NULL || PyObject_SetAttr(st.p, st.laid_name, laid) < 0)
        goto done;
    frozen = PyFrozenSet_New(hidden);
    if (frozen == NULL)
        goto done;
    r = PyObject_SetAttrString(cells, "hidden_rows", frozen);
    Py_DECREF(frozen);
    if (r < 0)
        goto done;
    out = Py_NewRef(Py_True);
done:
    Py_XDECREF(st.fact);
    Py_XDECREF(st.place);
    Py_XDECREF(cells);
    Py_XDECREF(book);
    Py_XDECREF(st.plain_styles);
    Py_XDECREF(rows);
    Py_XDECREF(laid);
    Py_XDECREF(st.laid_name);
    Py_XDECREF(st.empty);
    Py_XDECREF(st.marker);
    Py_XDECREF(st.checked);
    Py_XDECREF(hidden);
    return out;
}

/* intake's _BEYOND_Z99999 search, compiled: whether an attribute r= (of whatever element)
 * holds a reference beyond column Z or row 99,999. The regular expression's bytes, read the
 * same way: an `r` not after a word character ([A-Za-z0-9_]), white space ([ \t\n\r\f\v])
 * or none, `=`, white space or none, a quote, then two letters or more and a digit, or at
 * most one letter and six digits. memchr finds each `r` (the expression's engine tries
 * every position with one). */
static int is_word(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
        || ch == '_';
}

static int is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static int is_letter(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(unsigned char ch)
{
    return ch >= '0' && ch <= '9';
}

static int beyond_at(const unsigned char *b, const unsigned char *end, const unsigned char *r)
{
    const unsigned char *q = r + 1;
    Py_ssize_t letters = 0, digits = 0;
    if (r > b && is_word(r[-1]))
        return 0;
    while (q < end && is_space(*q))
        q++;
    if (q >= end || *q != '=')
        return 0;
    q++;
    while (q < end && is_space(*q))
        q++;
    if (q >= end || (*q != '"' && *q != '\''))
        return 0;
    q++;
    while (q + letters < end && is_letter(q[letters]))
        letters++;
    if (letters >= 2)
        return q + letters < end && is_digit(q[letters]);
    q += letters;
    while (digits < 6 && q + digits < end && is_digit(q[digits]))
        digits++;
    return digits == 6;
}

static PyObject *beyond_z99999(PyObject *module, PyObject *data)
{
    const unsigned char *b, *end, *r;
    (void)module;
    if (!PyBytes_Check(data)) {
        PyErr_SetString(PyExc_TypeError, "beyond_z99999: bytes expected");
        return NULL;
    }
    b = (const unsigned char *)PyBytes_AS_STRING(data);
    end = b + PyBytes_GET_SIZE(data);
    for (r = b; r < end && (r = memchr(r, 'r', (size_t)(end - r))) != NULL; r++)
        if (beyond_at(b, end, r))
            Py_RETURN_TRUE;
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"fast_pass", fast_pass, METH_VARARGS,
     "fast_pass(body, p, attributes, text, unescape): sheet_xml's fast pass, compiled."},
    {"beyond_z99999", beyond_z99999, METH_O,
     "beyond_z99999(data): intake's _BEYOND_Z99999.search(data) is not None, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "xltrack._cells",
    "sheet_xml's fast pass over a sheet's cells, and intake's extent search, compiled (see "
    "_cells.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__cells(void)
{
    return PyModule_Create(&module);
}
