#pragma once

#include <span>
#include <string_view>

namespace orch::api {

// One file of the dashboard, built into the binary (embed_assets.cmake generates the list).
struct StaticAsset {
  std::string_view path;          // "/assets/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // "\"<hash of the content>\"", quotes included
  std::string_view body;
};

// Every file of orchestrator/api/dashboard/, sorted by path. Immutable; thread-safe.
std::span<const StaticAsset> dashboard_assets();

}  // namespace orch::api
