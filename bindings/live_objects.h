// The live owned streams and events (stream.h, event.h), so that the calls
// that destroy them wholesale (cudaDeviceReset, PyGPU.sim reset) can mark the
// objects as destroyed.
#ifndef PYGPU_BINDINGS_LIVE_OBJECTS_H
#define PYGPU_BINDINGS_LIVE_OBJECTS_H

#include <unordered_set>

namespace pygpu {

// Live owned streams or events. Touched with the GIL held only; never destroyed.
template <class T>
std::unordered_set<T*>& live_objects() {
    static auto* live = new std::unordered_set<T*>();
    return *live;
}

// Mark the streams or events that cudaDeviceReset destroyed on `device`.
template <class T>
void invalidate_of_device(int device) {
    auto& live = live_objects<T>();
    for (auto it = live.begin(); it != live.end();) {
        if ((*it)->device == device) {
            (*it)->destroyed = true;
            it = live.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_LIVE_OBJECTS_H
