// The little JSON the inspection API writes: strings need escaping (labels
// are user text and may hold quotes, backslashes, control characters or
// broken UTF-8); everything else is integers, fixed-point numbers and
// structure, written in place.
#ifndef PYGPU_SIM_JSON_H
#define PYGPU_SIM_JSON_H

#include <cstdint>
#include <string>

namespace pygpu {
namespace sim {

// Appends `text` as a JSON string: quoted, with ", \ and control characters
// escaped, and any byte sequence that is not UTF-8 replaced by U+FFFD, so the
// result always parses.
void json_string(std::string& out, const std::string& text);
void json_string(std::string& out, const char* text);  // NULL: null
void json_uint(std::string& out, uint64_t value);
// Microseconds with three decimals (nanosecond resolution), as trace
// timestamps are written.
void json_micros(std::string& out, double micros);

// A malloc'd copy for the C API, released with free_text (std::free); NULL
// when the host is out of memory.
char* c_text(const std::string& text);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_JSON_H
