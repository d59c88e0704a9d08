// assert in host code of a kernel library stays the C library's: the
// process aborts with glibc's message.
#include <cassert>

#include "harness.h"

int main(int argc, char**) {
    std::printf("before\n");
    std::fflush(stdout);
    assert(argc == 42);
    std::printf("not reached\n");
    return 0;
}
