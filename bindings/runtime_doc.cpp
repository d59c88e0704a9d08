// The docstrings of the runtime functions (runtime_doc.h), from the header
// the build generates (tools/gen_runtime_docs.py).
#include "runtime_doc.h"

#include <cstring>
#include <stdexcept>

#include "runtime_docs.h"

namespace pygpu {

std::string runtime_doc(const char* name, const char* summary) {
    for (const runtime_docs::Entry& entry : runtime_docs::kEntries) {
        if (std::strcmp(entry.name, name) != 0) continue;
        std::string doc = entry.signature;
        if (summary != nullptr && summary[0] != '\0') doc += std::string("\n\n") + summary;
        return doc + "\n\n" + entry.sections;
    }
    throw std::logic_error(std::string("PyGPU: ") + name +
                           " is not in python/PyGPU/_runtime_table.py: add it there with its errors");
}

}  // namespace pygpu
