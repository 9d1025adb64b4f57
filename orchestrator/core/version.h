#pragma once

#include <string_view>

namespace orch {

// This build's version ("0.1.0"), as `--version`, `status` and the `ready` log line show it.
std::string_view version();

}  // namespace orch
