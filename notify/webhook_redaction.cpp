#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "notify/webhook_client.h"

// Plain string code, with no Poco: `teams list`, the notifications table and every log line
// redact webhook URLs in processes that never load the network plugin. It reads a URL as
// Poco::URI (which sends the request) does, so that what is shown names the host the request
// goes to: the scheme and host lowercased, user information up to the last '@', a port only
// when one is written, and percent escapes of the path checked.

namespace orch::notify {
namespace {

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

int hex_value(char c) {
  return c <= '9' ? c - '0' : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

// `text` percent-decoded; std::nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2])) {
      return std::nullopt;
    }
    out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
    i += 2;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The port Poco reads from `text` (its NumberParser: leading blanks, a sign, digits with ','
// as a thousands separator), or std::nullopt when that is not a port from 1 to 65535.
std::optional<int> parse_port(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
    ++i;
  }
  bool negative = i < text.size() && text[i] == '-';
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    ++i;
  }
  long port = 0;
  bool digits = false;
  for (; i < text.size(); ++i) {
    if (text[i] == ',') {
      continue;
    }
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    digits = true;
    port = std::min(port * 10 + (text[i] - '0'), 1000000L);
  }
  if (!digits || negative || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<int>(port);
}

struct Authority {
  bool has_user_info = false;
  std::string host;  // lowercased
  std::optional<int> port;
};

// "user@host:port"; std::nullopt when Poco would refuse it (a bad port, an unterminated IPv6
// address) or there is no host.
std::optional<Authority> parse_authority(std::string_view text) {
  Authority out;
  // Poco keeps the user information between the last two '@' (or before the only one).
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    std::string_view before = text.substr(0, at);
    auto previous = before.rfind('@');
    out.has_user_info = previous == std::string_view::npos ? at > 0 : at > previous + 1;
    text = text.substr(at + 1);
  }
  std::string_view host = text;
  std::optional<std::string_view> port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size() && text[close + 1] == ':') {
      port = text.substr(close + 2);
    }
  } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port && !port->empty()) {
    out.port = parse_port(*port);
    if (!out.port) {
      return std::nullopt;
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  out.host = lower(host);
  return out;
}

// Whether "path?query#fragment" carries anything beyond "/"; std::nullopt when the path or the
// fragment does not decode (Poco refuses a broken escape).
std::optional<bool> has_path_etc(std::string_view text) {
  auto fragment = text.find('#');
  auto query = text.substr(0, fragment).find('?');
  std::string_view fragment_text =
      fragment == std::string_view::npos ? std::string_view() : text.substr(fragment + 1);
  std::string_view query_text = query == std::string_view::npos
                                    ? std::string_view()
                                    : text.substr(0, fragment).substr(query + 1);
  auto path = decode(text.substr(0, std::min(query, fragment)));
  if (!path || !decode(fragment_text)) {
    return std::nullopt;
  }
  return !query_text.empty() || !fragment_text.empty() || !(path->empty() || *path == "/");
}

}  // namespace

std::string redact_webhook(const std::string& url) {
  const std::string_view text(url);
  // scheme "://" authority path?query#fragment; anything else (no scheme, no authority) is not
  // a webhook anyone could post to, and shows as nothing at all.
  auto colon = text.find_first_of(":?#/");
  if (text.empty() || text[0] == '.' || colon == std::string_view::npos || colon == 0 ||
      text[colon] != ':' || text.substr(colon + 1, 2) != "//") {
    return "***";
  }
  std::string_view rest = text.substr(colon + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = parse_authority(rest.substr(0, authority_end));
  auto more = has_path_etc(authority_end == std::string_view::npos ? std::string_view()
                                                                   : rest.substr(authority_end));
  if (!authority || !more) {
    return "***";
  }
  std::string out = lower(text.substr(0, colon)) + "://";
  // User information (user:password@) is a secret too.
  if (authority->has_user_info) {
    out += "***@";
  }
  bool ipv6 = authority->host.find(':') != std::string::npos;
  out += ipv6 ? "[" + authority->host + "]" : authority->host;
  if (authority->port) {
    out += ":" + std::to_string(*authority->port);
  }
  return *more ? out + "/***" : out;
}

}  // namespace orch::notify
