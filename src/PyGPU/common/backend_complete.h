// A compile-time check that a backend fills every entry of its table.
//
// A backend builds its table by member name in a constexpr function and
// asserts PYGPU_ASSERT_BACKEND_COMPLETE(table): the check runs over
// PYGPU_BACKEND_ENTRIES, so an entry added to pygpu/backend.h and forgotten by
// a backend is a build error, not a NULL call at run time.
//
// Not in the sanitizer build (PYGPU_SANITIZED_BUILD, CMakeLists.txt): there GCC
// cannot fold a function's address compared with nullptr (UBSan's null checks
// keep it a run-time value), so the static_assert would not compile. The
// ordinary build has made the same check by then, and tests/test_backend_table.py
// checks every entry of the loaded tables at run time, in both builds.
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

#ifdef PYGPU_SANITIZED_BUILD
#define PYGPU_ASSERT_BACKEND_COMPLETE(table) static_assert(sizeof(table) > 0, "")
#else
#define PYGPU_ASSERT_BACKEND_COMPLETE(table) \
    static_assert(pygpu_backend_complete(table), "an entry of PYGPU_BACKEND_ENTRIES is not filled")
#endif

#endif  // PYGPU_COMMON_BACKEND_COMPLETE_H
