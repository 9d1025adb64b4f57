#include "orchestrator/core/version.h"

namespace orch {

std::string_view version() {
  return ORCH_VERSION;
}

}  // namespace orch
