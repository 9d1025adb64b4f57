#pragma once

#include <string>

#include "config/base/time.h"

namespace date {
class time_zone;
}

namespace orch::testing {

// An instant written as ISO-8601 UTC ("2026-03-08T07:00:00Z"); a test failure when it is not one.
SysTime utc(const std::string& text);

// The IANA zone named `name`; a test failure (and UTC) when there is none.
const date::time_zone& zone(const std::string& name);

}  // namespace orch::testing
