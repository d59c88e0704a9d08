// Configuration of the simulated device, read from the environment once.
//
//   PYGPU_SIM_DEVICES  number of virtual devices (integer >= 1, default 1)
//   PYGPU_SIM_MEMORY   memory per device in bytes (default 4 GiB); a plain
//                      integer or one with a unit: K/M/G/T (1024-based), KB/MB/
//                      GB/TB (1000-based), KiB/MiB/GiB/TiB (1024-based); case
//                      does not matter and a space may separate number and unit.
//   PYGPU_SIM_CHAOS    chaos mode from the start (see chaos.h): "<seed>" or
//                      "<seed>:<max_delay_us>", a seed in [0, 2^64) and the
//                      longest delay in microseconds, in [0, 2^32) (default
//                      2000); unset or empty: off.
//   PYGPU_SIM_WORKERS  threads that run kernel blocks (grid.h), an integer in
//                      [1, 1024]; unset or empty: one per core.
//
// A bad value is an import error (PyGPU._backend_sim refuses to load with the
// message), never a silent fallback: a test run that believes it has two
// devices and silently gets one would test the wrong thing.
#ifndef PYGPU_SIM_CONFIG_H
#define PYGPU_SIM_CONFIG_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace pygpu {
namespace sim {

// Chaos delays (chaos.h): the default longest delay, in microseconds.
constexpr uint32_t kDefaultChaosDelayUs = 2000;

struct Config {
    int devices = 1;
    size_t memory_bytes = size_t(4) << 30;
    bool chaos = false;
    uint64_t chaos_seed = 0;
    uint32_t chaos_max_delay_us = kDefaultChaosDelayUs;
    unsigned workers = 0;  // 0: one per core
};

// Upper bound on PYGPU_SIM_DEVICES: each device holds a table of state and,
// once used, a worker thread for its default stream, so an absurd count is a
// typo.
constexpr int kMaxDevices = 1024;

// Parsers, exposed for tests. They return false and fill *why (a message
// naming the variable and the value) when the text is not acceptable.
bool parse_device_count(const char* text, int* out, std::string* why);
bool parse_memory_size(const char* text, size_t* out, std::string* why);
// Fills the chaos fields of *out (see PYGPU_SIM_CHAOS above).
bool parse_chaos(const char* text, Config* out, std::string* why);
// PYGPU_SIM_WORKERS: *out unchanged for an empty value.
constexpr unsigned kMaxWorkers = 1024;
bool parse_worker_count(const char* text, unsigned* out, std::string* why);

// The configuration parsed from the environment on first call (thread-safe,
// parsed once). Returns nullptr when it is valid, else the message.
const char* config_error();
const Config& config();  // only meaningful when config_error() is nullptr

// The module's import check: nullptr when the backend can load.
const char* init_check();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_CONFIG_H
