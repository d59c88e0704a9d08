// cudaEvent_t objects (event.cpp) and event arguments.
#ifndef PYGPU_BINDINGS_EVENT_H
#define PYGPU_BINDINGS_EVENT_H

#include <string>

#include "backend_access.h"
#include "live_objects.h"

namespace pygpu {

struct Event {
    Event() = default;
    Event(const Event&) = delete;  // owns its handle: never copied
    Event& operator=(const Event&) = delete;
    pygpu_event_t handle = nullptr;
    int device = -1;
    bool destroyed = false;
    int last_status = 0;
    ~Event();
};

// Convert an event argument: a cudaEvent_t. Returns false for a destroyed one.
bool event_arg(py::handle obj, pygpu_event_t& out, std::string& why);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_EVENT_H
