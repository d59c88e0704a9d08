#include "PyGPU/sim/config.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "PyGPU/sim/errors.h"

namespace pygpu {
namespace sim {

namespace {

constexpr const char* kDevicesVar = "PYGPU_SIM_DEVICES";
constexpr const char* kMemoryVar = "PYGPU_SIM_MEMORY";
constexpr const char* kChaosVar = "PYGPU_SIM_CHAOS";
constexpr const char* kWorkersVar = "PYGPU_SIM_WORKERS";

// Strips leading and trailing white space.
std::string trim(const char* text) {
    std::string s(text);
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

// Reads the leading decimal digits of s from *pos; false on overflow of
// uint64_t. Sets *any when at least one digit was read.
bool read_digits(const std::string& s, size_t* pos, uint64_t* value, bool* any) {
    uint64_t v = 0;
    *any = false;
    while (*pos < s.size() && std::isdigit(static_cast<unsigned char>(s[*pos]))) {
        const uint64_t d = static_cast<uint64_t>(s[*pos] - '0');
        if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
        v = v * 10 + d;
        *any = true;
        ++*pos;
    }
    *value = v;
    return true;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

struct Loaded {
    Config config;
    std::string error;  // empty when valid
};

// Held by a pointer that is never deleted: the configuration must outlive
// every worker thread, including those still blocked at interpreter exit.
Loaded* load() {
    Loaded* l = new Loaded();
    std::string why;
    if (const char* v = std::getenv(kDevicesVar)) {
        if (!parse_device_count(v, &l->config.devices, &why)) l->error = why;
    }
    if (l->error.empty()) {
        if (const char* v = std::getenv(kMemoryVar)) {
            if (!parse_memory_size(v, &l->config.memory_bytes, &why)) l->error = why;
        }
    }
    if (l->error.empty()) {
        if (const char* v = std::getenv(kChaosVar)) {
            if (!parse_chaos(v, &l->config, &why)) l->error = why;
        }
    }
    if (l->error.empty()) {
        if (const char* v = std::getenv(kWorkersVar)) {
            if (!parse_worker_count(v, &l->config.workers, &why)) l->error = why;
        }
    }
    return l;
}

// Read once, on first use. A function-local static rather than
// std::call_once: every call asks (api() does), and once it is made its
// guard is one load, where call_once sets thread-locals and calls
// pthread_once every time.
const Loaded& loaded() {
    static const Loaded* const l = load();
    return *l;
}

}  // namespace

bool parse_device_count(const char* text, int* out, std::string* why) {
    const std::string s = trim(text);
    if (s.empty()) return true;  // set but empty: the same as unset (shell habit)
    size_t pos = 0;
    uint64_t value = 0;
    bool any = false;
    const bool fits = read_digits(s, &pos, &value, &any);
    if (!s.empty() && s[0] == '-') {
        *why = format("%s=\"%s\" is negative; set it to the number of simulated devices, an integer >= 1",
                      kDevicesVar, text);
        return false;
    }
    if (!any || pos != s.size()) {
        *why = format("%s=\"%s\" is not an integer; set it to the number of simulated devices, an integer >= 1",
                      kDevicesVar, text);
        return false;
    }
    if (!fits || value > static_cast<uint64_t>(kMaxDevices)) {
        *why = format("%s=\"%s\" is too large; at most %d simulated devices are supported", kDevicesVar,
                      text, kMaxDevices);
        return false;
    }
    if (value == 0) {
        *why = format("%s=\"%s\": the simulator needs at least 1 device", kDevicesVar, text);
        return false;
    }
    *out = static_cast<int>(value);
    return true;
}

bool parse_memory_size(const char* text, size_t* out, std::string* why) {
    static const char* const kHelp =
        "give bytes per device as an integer with an optional unit: K/M/G/T or KiB/MiB/GiB/TiB "
        "(powers of 1024), KB/MB/GB/TB (powers of 1000), e.g. \"512MiB\" or \"4 GiB\"";
    const std::string s = trim(text);
    if (s.empty()) return true;  // set but empty: the same as unset
    if (s[0] == '-') {
        *why = format("%s=\"%s\" is negative; %s", kMemoryVar, text, kHelp);
        return false;
    }
    size_t pos = 0;
    uint64_t number = 0;
    bool any = false;
    if (!read_digits(s, &pos, &number, &any)) {
        *why = format("%s=\"%s\" is too large to represent; %s", kMemoryVar, text, kHelp);
        return false;
    }
    if (!any) {
        *why = format("%s=\"%s\" is not a size; %s", kMemoryVar, text, kHelp);
        return false;
    }
    while (pos < s.size() && s[pos] == ' ') ++pos;
    const std::string unit = lower(s.substr(pos));
    // The GNU coreutils convention: a bare letter and "iB" are binary, "B" is
    // decimal (so "512M" is what most people mean by 512 megabytes of GPU memory).
    struct Unit {
        const char* name;
        uint64_t factor;
    };
    static const Unit kUnits[] = {
        {"", 1},
        {"b", 1},
        {"k", uint64_t(1) << 10},
        {"kib", uint64_t(1) << 10},
        {"kb", 1000ull},
        {"m", uint64_t(1) << 20},
        {"mib", uint64_t(1) << 20},
        {"mb", 1000ull * 1000},
        {"g", uint64_t(1) << 30},
        {"gib", uint64_t(1) << 30},
        {"gb", 1000ull * 1000 * 1000},
        {"t", uint64_t(1) << 40},
        {"tib", uint64_t(1) << 40},
        {"tb", 1000ull * 1000 * 1000 * 1000},
    };
    const Unit* found = nullptr;
    for (const Unit& u : kUnits) {
        if (unit == u.name) found = &u;
    }
    if (found == nullptr) {
        *why = format("%s=\"%s\" has an unknown unit \"%s\"; %s", kMemoryVar, text, s.substr(pos).c_str(),
                      kHelp);
        return false;
    }
    if (number == 0) {
        *why = format("%s=\"%s\": a simulated device needs more than 0 bytes of memory", kMemoryVar, text);
        return false;
    }
    if (number > std::numeric_limits<size_t>::max() / found->factor) {
        *why = format("%s=\"%s\" is too large: it overflows a %zu-bit size", kMemoryVar, text,
                      sizeof(size_t) * 8);
        return false;
    }
    *out = static_cast<size_t>(number * found->factor);
    return true;
}

bool parse_chaos(const char* text, Config* out, std::string* why) {
    static const char* const kHelp =
        "set it to an integer seed, optionally followed by \":\" and the longest delay in microseconds "
        "(at most 4294967295), e.g. \"42\" or \"42:500\"";
    const std::string s = trim(text);
    if (s.empty()) return true;  // set but empty: the same as unset
    const size_t colon = s.find(':');
    const std::string seed_text = s.substr(0, colon);
    size_t pos = 0;
    uint64_t seed = 0;
    bool any = false;
    const bool seed_fits = read_digits(seed_text, &pos, &seed, &any);
    if (!seed_fits) {
        *why = format("%s=\"%s\": the seed is too large (at most 18446744073709551615); %s", kChaosVar, text, kHelp);
        return false;
    }
    if (!any || pos != seed_text.size()) {
        *why = format("%s=\"%s\" is not <seed> or <seed>:<max_delay_us>; %s", kChaosVar, text, kHelp);
        return false;
    }
    uint64_t delay = kDefaultChaosDelayUs;
    if (colon != std::string::npos) {
        const std::string delay_text = s.substr(colon + 1);
        pos = 0;
        const bool fits = read_digits(delay_text, &pos, &delay, &any);
        if (!fits || (any && pos == delay_text.size() && delay > std::numeric_limits<uint32_t>::max())) {
            *why = format("%s=\"%s\": the delay is too long; %s", kChaosVar, text, kHelp);
            return false;
        }
        if (!any || pos != delay_text.size()) {
            *why = format("%s=\"%s\": the part after \":\" is not a delay in microseconds; %s", kChaosVar, text,
                          kHelp);
            return false;
        }
    }
    out->chaos = true;
    out->chaos_seed = seed;
    out->chaos_max_delay_us = static_cast<uint32_t>(delay);
    return true;
}

bool parse_worker_count(const char* text, unsigned* out, std::string* why) {
    const std::string s = trim(text);
    if (s.empty()) return true;  // set but empty: the default
    size_t pos = 0;
    uint64_t value = 0;
    bool any = false;
    const bool fits = read_digits(s, &pos, &value, &any);
    if (!any || pos != s.size() || !fits || value == 0 || value > kMaxWorkers) {
        *why = format("%s=\"%s\" is not a worker count; set it to the number of threads that run kernel blocks, "
                      "an integer in [1, %u], or leave it unset for one per core",
                      kWorkersVar, text, kMaxWorkers);
        return false;
    }
    *out = static_cast<unsigned>(value);
    return true;
}

const char* config_error() {
    const Loaded& l = loaded();
    return l.error.empty() ? nullptr : l.error.c_str();
}

const Config& config() {
    return loaded().config;
}

const char* init_check() { return config_error(); }

}  // namespace sim
}  // namespace pygpu
