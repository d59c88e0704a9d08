// A compile-time check that a backend fills every entry of its table.
//
// A backend builds its table by member name in a constexpr function and
// asserts `static_assert(pygpu_backend_complete(table), ...)`: the check runs
// over PYGPU_BACKEND_ENTRIES, so an entry added to pygpu/backend.h and
// forgotten by a backend is a build error, not a NULL call at run time.
#ifndef PYGPU_COMMON_BACKEND_COMPLETE_H
#define PYGPU_COMMON_BACKEND_COMPLETE_H

#include "pygpu/backend.h"

constexpr bool pygpu_backend_complete(const pygpu_backend& t) {
#define PYGPU_REPORT_SET_(ret, member, params) t.member != nullptr &&
#define PYGPU_CALL_SET_(ret, member, cuda_name, params) t.member != nullptr &&
    return PYGPU_BACKEND_ENTRIES(PYGPU_REPORT_SET_, PYGPU_CALL_SET_) t.extension != nullptr;
#undef PYGPU_REPORT_SET_
#undef PYGPU_CALL_SET_
}

#endif  // PYGPU_COMMON_BACKEND_COMPLETE_H
