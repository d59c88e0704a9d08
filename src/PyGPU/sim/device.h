// Simulated devices: their properties, the per-thread current device,
// device-wide synchronisation and reset (reset.h), and peer access.
#ifndef PYGPU_SIM_DEVICE_H
#define PYGPU_SIM_DEVICE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "PyGPU/sim/limit.h"
#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct Stream;
struct ResetScope;
struct ResetBatch;

struct Device {
    Device(int index_, size_t capacity_, int device_count)
        : index(index_), capacity(capacity_), peer_enabled(static_cast<size_t>(device_count), 0) {}

    const int index;
    const size_t capacity;  // configured memory, bytes
    // Guarded by State::mu:
    size_t used = 0;                               // bytes charged by live allocations
    std::shared_ptr<Stream> legacy;                // the legacy default stream (handle NULL)
    std::vector<std::shared_ptr<Stream>> streams;  // every other stream, destroyed ones until drained
    std::vector<char> peer_enabled;                // [peer] = 1 once enabled from this device
    uint64_t generation = 0;                       // bumped by a reset (reset.h)
    DeviceLimits limits;                           // cudaDeviceSetLimit (limit.h)
};

// The calling host thread's current device (CUDA: per host thread, 0 until
// cudaSetDevice is called).
int current_device();
// The calling thread's current device becomes 0 (PyGPU.sim reset).
void reset_current_device();
// Every thread's current device becomes 0 (PyGPU.sim configure replaced the devices).
void forget_current_devices();

// Reset (reset.h), mu held: peer mappings from and to the reset device (all
// of them) go with the contexts being destroyed.
void reset_peer_access(State& st, const ResetScope& scope, ResetBatch& batch);

// 0 when `device` is a valid ordinal, else fails with cudaErrorInvalidDevice
// and a message that names `what` ("device", "peer device", ...).
int check_device(const State& st, int device, const char* what);

// The device's properties as reported by get_device_properties.
void fill_properties(const Device& d, pygpu_device_prop* prop);

int get_device_count(int* count);
int get_device(int* device);
int set_device(int device);
int device_synchronize();
int device_reset();
int get_device_properties(pygpu_device_prop* prop, int device);
int mem_get_info(size_t* free_bytes, size_t* total_bytes);
int driver_get_version(int* version);
int runtime_get_version(int* version);
int device_can_access_peer(int* can_access, int device, int peer_device);
int device_enable_peer_access(int peer_device, unsigned int flags);
int device_disable_peer_access(int peer_device);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_DEVICE_H
