// cudaStream_t objects (stream.cpp) and stream arguments.
#ifndef PYGPU_BINDINGS_STREAM_H
#define PYGPU_BINDINGS_STREAM_H

#include <string>

#include "backend_access.h"
#include "live_objects.h"

namespace pygpu {

struct Stream {
    Stream() = default;
    Stream(const Stream&) = delete;  // owns its handle: never copied
    Stream& operator=(const Stream&) = delete;
    pygpu_stream_t handle = nullptr;
    int device = -1;
    bool owned = false;
    bool destroyed = false;
    int last_status = 0;
    ~Stream();
};

// Convert a stream argument: None, 0, a cudaStream_t, or an int handle.
// Returns false (with `why` set) for a destroyed stream object.
bool stream_arg(py::handle obj, pygpu_stream_t& out, std::string& why);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_STREAM_H
