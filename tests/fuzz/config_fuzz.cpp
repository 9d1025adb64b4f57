// The configuration: TOML text and environment variables, through load() as the service reads
// them. An input is the TOML text, optionally followed by a line "#ENV" and then one variable
// per line (NAME=VALUE). Never a crash; the same input gives the same outcome; a refusal is one
// line; describe() never shows the SMTP password, the API token or the Slack webhook's path.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "config/config.h"
#include "orchestrator/schedule/cron_expression.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEnvMarker = "\n#ENV\n";

// A folder of this process for the TOML file, made once (the input is written there each time).
const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "orch-config-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::abort();
    }
    return fs::path(pattern);
  }();
  return dir;
}

orch::Result<orch::config::Config> load_once(const std::map<std::string, std::string>& env) {
  orch::config::LoadOptions options;
  options.working_dir = work_dir();
  options.env = env;
  options.default_pipeline = "/opt/orch/example-pipeline";
  options.sandbox_helper = "/opt/orch/orchestrator-sandbox";
  options.check_cron = [](std::string_view expression) -> orch::Result<void> {
    if (auto cron = orch::parse_cron(expression); !cron) {
      return cron.error();
    }
    return {};
  };
  return orch::config::load(options);
}

// Whether `secret` shows in what describe() prints, where it would not show had it been
// another value (a short secret may well be part of a key's name).
bool shows(orch::config::Config config, const std::string& secret,
           void (*set)(orch::config::Config&, const std::string&)) {
  if (secret.size() < 4) {
    return false;
  }
  const std::string with = orch::config::describe(config);
  set(config, "x");
  const std::string without = orch::config::describe(config);
  return with.find(secret) != std::string::npos && without.find(secret) == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t marker = input.find(kEnvMarker);
  const std::string_view toml = input.substr(0, marker);
  std::map<std::string, std::string> env;
  if (marker != std::string_view::npos) {
    std::string_view rest = input.substr(marker + kEnvMarker.size());
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      if (const std::size_t eq = line.find('='); eq != std::string_view::npos) {
        env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
      }
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  {
    std::ofstream out(work_dir() / "orchestrator.toml", std::ios::binary | std::ios::trunc);
    out.write(toml.data(), static_cast<std::streamsize>(toml.size()));
  }
  auto first = load_once(env);
  auto second = load_once(env);
  FUZZ_CHECK(first.has_value() == second.has_value());
  if (!first) {
    FUZZ_CHECK(first.error().message == second.error().message);
    FUZZ_CHECK(!first.error().message.empty());
    FUZZ_CHECK(first.error().message.find('\n') == std::string::npos);
    return 0;
  }
  const std::string described = orch::config::describe(*first);
  FUZZ_CHECK(described == orch::config::describe(*second));
  using orch::config::Config;
  FUZZ_CHECK(!shows(*first, first->notify.smtp.password,
                    [](Config& c, const std::string& v) { c.notify.smtp.password = v; }));
  FUZZ_CHECK(
      !shows(*first, first->api.token, [](Config& c, const std::string& v) { c.api.token = v; }));
  // The webhook's path is its secret: the part after the host.
  const std::string& webhook = first->notify.slack_webhook_url;
  if (const std::size_t scheme = webhook.find("://"); scheme != std::string::npos) {
    if (const std::size_t path = webhook.find('/', scheme + 3); path != std::string::npos) {
      const std::string secret = webhook.substr(path + 1);
      FUZZ_CHECK(!shows(*first, secret, [](Config& c, const std::string&) {
        c.notify.slack_webhook_url = "https://hooks.invalid/x";
      }));
    }
  }
  return 0;
}
