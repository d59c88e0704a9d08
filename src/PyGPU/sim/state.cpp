#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {
// Far from 0x1 (cudaStreamLegacy) and 0x2 (cudaStreamPerThread), and spaced
// by 16 so that the low bits carry the handle kind.
constexpr uintptr_t kHandleBase = 0x5100000;
constexpr uintptr_t kHandleStep = 16;
}  // namespace

State::State(const Config& c) { build_devices(*this, c); }

void build_devices(State& st, const Config& c) {
    st.config = c;
    st.devices.clear();
    st.devices.reserve(static_cast<size_t>(c.devices));
    for (int i = 0; i < c.devices; ++i) {
        st.devices.emplace_back(new Device(i, c.memory_bytes, c.devices));
    }
    // Each device's legacy default stream exists from the start: NULL always
    // names it and it can never be destroyed.
    for (int i = 0; i < c.devices; ++i) {
        st.devices[static_cast<size_t>(i)]->legacy = make_stream(st, i, 0, 0, StreamKind::legacy);
    }
    st.stats.devices.assign(static_cast<size_t>(c.devices), AllocationCounters());
}

State& state() {
    // Never deleted, on purpose (see state.h). A function-local static, not
    // std::call_once: every API entry asks, and once made its guard is one
    // load (call_once sets thread-locals and calls pthread_once every time).
    static State* const global_state = new State(config());
    return *global_state;
}

uintptr_t new_handle(State& st, HandleKind kind) {
    ++st.handles_issued;
    return kHandleBase + st.handles_issued * kHandleStep + static_cast<uintptr_t>(kind);
}

bool was_issued(State& st, uintptr_t value, HandleKind kind) {
    if (value <= kHandleBase) return false;
    const uintptr_t offset = value - kHandleBase;
    if (offset % kHandleStep != static_cast<uintptr_t>(kind)) return false;
    const uintptr_t serial = offset / kHandleStep;
    return serial >= 1 && serial <= st.handles_issued;
}

}  // namespace sim
}  // namespace pygpu
