// Copies and memsets of the simulated device, with CUDA's documented
// synchronisation behaviour ("API synchronization behavior" in the CUDA
// runtime documentation) and a check of every pointer before any byte moves.
#ifndef PYGPU_SIM_COPY_H
#define PYGPU_SIM_COPY_H

#include <cstddef>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

int memcpy_sync(void* dst, const void* src, size_t count, int kind);
int memcpy_async(void* dst, const void* src, size_t count, int kind, pygpu_stream_t stream);
int memcpy_2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height, int kind);
int memcpy_2d_async(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height, int kind,
                    pygpu_stream_t stream);
int memcpy_peer(void* dst, int dst_device, const void* src, int src_device, size_t count);
int memcpy_peer_async(void* dst, int dst_device, const void* src, int src_device, size_t count, pygpu_stream_t stream);
int memset_sync(void* ptr, int value, size_t count);
int memset_async(void* ptr, int value, size_t count, pygpu_stream_t stream);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_COPY_H
