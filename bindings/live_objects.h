// The live owned streams and events (stream.h, event.h), so that the calls
// that destroy them wholesale (cudaDeviceReset, PyGPU.sim reset) can mark the
// objects as destroyed (reset_marks.h).
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

// Owned streams or events a reset in progress has marked destroyed
// (reset_marks.h): a destructor takes itself out, so that a failed reset
// gives back only objects that still exist.
template <class T>
std::unordered_set<T*>& reset_marked_objects() {
    static auto* marked = new std::unordered_set<T*>();
    return *marked;
}

// What an owned stream or event's destructor does first: forget the object.
template <class T>
void forget_object(T* object) {
    live_objects<T>().erase(object);
    reset_marked_objects<T>().erase(object);
}

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_LIVE_OBJECTS_H
