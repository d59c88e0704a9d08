// What a reset destroys, marked before it runs.
//
// cudaDeviceReset and PyGPU.sim.reset() destroy streams, events and
// allocations inside the backend with the GIL released (they wait for queued
// work, which may be a Python host function needing the GIL). Another Python
// thread may run meanwhile, and a garbage collection there destroys whatever
// old stream, event or DeviceArray it finds: were those still marked alive,
// its destructor would destroy a handle the reset already killed (a warning
// about a failure that is none) or free an address the reset gave back and
// a new allocation took (corruption). So the bindings mark, with the GIL held
// and before the reset starts, every object and allocation it will destroy;
// a destructor running in the window sees the mark and leaves the handle to
// the reset. A reset that fails (an injected error: the backend destroyed
// nothing) gives the marks back, to the objects and allocations that still
// exist.
#ifndef PYGPU_BINDINGS_RESET_MARKS_H
#define PYGPU_BINDINGS_RESET_MARKS_H

#include <vector>

#include "event.h"
#include "live_objects.h"
#include "pointer.h"
#include "stream.h"

namespace pygpu {

class ResetMarks {
public:
    // Marks what a reset of `device` (-1: every device, PyGPU.sim.reset)
    // destroys; `call` names it in later messages about freed memory.
    ResetMarks(int device, const char* call)
        : streams_(mark<Stream>(device)), events_(mark<Event>(device)),
          allocations_(untrack_for_reset(device, call)) {}

    // After the reset: a failed one gives the marks back.
    void finish(bool reset_done) {
        unmark(streams_, reset_done);
        unmark(events_, reset_done);
        if (!reset_done) retrack(allocations_);
    }

private:
    template <class T>
    static std::vector<T*> mark(int device) {
        std::vector<T*> marked;
        auto& live = live_objects<T>();
        for (auto it = live.begin(); it != live.end();) {
            if (device < 0 || (*it)->device == device) {
                (*it)->destroyed = true;
                marked.push_back(*it);
                reset_marked_objects<T>().insert(*it);
                it = live.erase(it);
            } else {
                ++it;
            }
        }
        return marked;
    }

    template <class T>
    static void unmark(const std::vector<T*>& marked, bool reset_done) {
        auto& still_marked = reset_marked_objects<T>();
        for (T* object : marked) {
            if (still_marked.erase(object) == 0) continue;  // destroyed meanwhile
            if (!reset_done) {
                object->destroyed = false;
                live_objects<T>().insert(object);
            }
        }
    }

    std::vector<Stream*> streams_;
    std::vector<Event*> events_;
    std::vector<TrackedAllocation> allocations_;
};

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_RESET_MARKS_H
