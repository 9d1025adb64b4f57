#include "notify/webhook_redaction.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

// Plain string code, with no Poco: `teams list`, the notifications table and every log line
// redact webhook URLs in processes that never load the network plugin. The rule is plain on
// purpose: the scheme, the host and the port, then "/***". It does not try to read a URL the
// way a parser would; whatever does not look like a plain host name or address where the host
// belongs is hidden whole, so that a secret can never show by being mistaken for the host.

namespace orch::notify {
namespace {

constexpr std::string_view kHidden = "***";
constexpr int kLargestPort = 65535;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool all_of(std::string_view text, bool (*allowed)(unsigned char)) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [allowed](char c) { return allowed(c); });
}

bool is_name_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}

bool is_address_char(unsigned char c) {  // within the brackets of an IPv6 address
  return std::isxdigit(c) != 0 || c == ':' || c == '.';
}

bool is_digit(unsigned char c) {
  return std::isdigit(c) != 0;
}

// "1" to "65535" as written, or std::nullopt.
std::optional<int> port_number(std::string_view text) {
  if (text.size() > 5 || !all_of(text, is_digit)) {
    return std::nullopt;
  }
  int port = 0;
  for (char c : text) {
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= kLargestPort ? std::optional<int>(port) : std::nullopt;
}

// "host", "host:port", "[v6]" or "[v6]:port", lowercased, or std::nullopt when `authority`
// (user information already cut off) is not one of those.
std::optional<std::string> host_and_port(std::string_view authority) {
  std::string shown;
  std::string_view after_host;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    std::string_view address = authority.substr(1, close == std::string_view::npos ? 0 : close - 1);
    if (!all_of(address, is_address_char) || address.find(':') == std::string_view::npos) {
      return std::nullopt;
    }
    shown = "[" + lower(address) + "]";
    after_host = authority.substr(close + 1);
  } else {
    std::string_view name = authority.substr(0, authority.find(':'));
    if (!all_of(name, is_name_char)) {
      return std::nullopt;
    }
    shown = lower(name);
    after_host = authority.substr(name.size());
  }
  if (after_host.empty()) {
    return shown;
  }
  auto port = after_host[0] == ':' ? port_number(after_host.substr(1)) : std::nullopt;
  if (!port) {
    return std::nullopt;
  }
  return shown + ":" + std::to_string(*port);
}

}  // namespace

std::string redact_webhook(const std::string& url) {
  const std::string_view text(url);
  const auto scheme_end = text.find("://");
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme_end == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return std::string(kHidden);
  }
  const std::string_view rest = text.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // An '@' past the authority may end user information that holds a '/', '?' or '#'
  // ("user:pa/ss@host"): what stands where the host belongs would be part of the secret.
  if (rest.find('@', authority.size()) != std::string_view::npos) {
    return std::string(kHidden);
  }
  // User information ("user:password@") is a secret; the host follows its last '@'.
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto shown = host_and_port(authority);
  return shown ? scheme + "://" + *shown + "/***" : std::string(kHidden);
}

}  // namespace orch::notify
