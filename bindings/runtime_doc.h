// The docstrings of the runtime functions (cudaMalloc, cudaMemcpy, ...): the
// signature line with the stub's types, the summary the binding gives, and
// the errors and notes of python/PyGPU/_runtime_table.py, the table the
// documentation renders. The build generates the signatures and sections
// (tools/gen_runtime_docs.py -> runtime_docs.h); nothing is read at import.
#ifndef PYGPU_BINDINGS_RUNTIME_DOC_H
#define PYGPU_BINDINGS_RUNTIME_DOC_H

#include <string>
#include <utility>

#include "backend_access.h"

namespace pygpu {

// The docstring of the runtime function `name` around `summary` (may be
// null); std::logic_error for a function the table does not list.
std::string runtime_doc(const char* name, const char* summary);

// For def_runtime: the summary among m.def's extra arguments (its one
// string), and the arguments with the summary replaced by the docstring.
template <class T>
const char* runtime_doc_summary(const T&, const char* found) { return found; }
inline const char* runtime_doc_summary(const char* summary, const char*) { return summary; }
template <class T>
const T& runtime_doc_arg(const T& extra, const std::string&) { return extra; }
inline const char* runtime_doc_arg(const char*, const std::string& doc) { return doc.c_str(); }

// m.def for a runtime function of the table, with m.def's arguments: the
// summary string becomes the whole docstring, whose first line replaces
// pybind11's signature (it would read `object` for every py::handle).
// pybind11 still checks the arguments, and names them in its TypeError.
template <class F, class... Extra>
void def_runtime(py::module_& m, const char* name, F&& f, const Extra&... extra) {
    const char* summary = nullptr;
    ((summary = runtime_doc_summary(extra, summary)), ...);
    const std::string doc = runtime_doc(name, summary);
    py::options options;  // until the end of this scope
    options.disable_function_signatures();
    m.def(name, std::forward<F>(f), runtime_doc_arg(extra, doc)...);
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_RUNTIME_DOC_H
