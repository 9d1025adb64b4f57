#pragma once

#include <string>
#include <string_view>

namespace orch {

// Who a change in the audit log came from.

// The command line's user: "cli:" and the name of the effective user ("cli:alice"), or its
// numeric uid when the user database has no name for it ("cli:1001").
std::string cli_actor();

// A caller of the HTTP API: "api:" and the name of its token ("api:ops"), never the token.
std::string api_actor(std::string_view token_name);

}  // namespace orch
