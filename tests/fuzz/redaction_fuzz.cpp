// URL redaction: never a crash, and a secret given never shows. An input is a password, then a
// NUL byte, then free text (the rest of a URL, or an error message that quotes it). The password
// goes, percent-encoded or quoted as a user would write it, into a database URL's user
// information, its query and a libpq key=value string, and into a webhook URL's user
// information and path; the whole input is also redacted as it is.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "notify/webhook_redaction.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::string percent_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

// libpq's single-quoted value, with backslash escapes.
std::string libpq_quoted(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

// `secret` shows in `shown` though it is not part of `public_text` (what would show anyway).
bool leaks(const std::string& shown, const std::string& secret, const std::string& public_text) {
  return secret.size() >= 4 && shown.find(secret) != std::string::npos &&
         public_text.find(secret) == std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // Whatever it is given: no crash, the same answer twice.
  FUZZ_CHECK(orch::config::redact_url(input) == orch::config::redact_url(input));
  const std::string webhook_shown = orch::notify::redact_webhook(input);
  FUZZ_CHECK(webhook_shown == orch::notify::redact_webhook(input));
  // The plain rule: "***", or a scheme, host and port followed by "/***", never more.
  FUZZ_CHECK(webhook_shown == "***" ||
             (webhook_shown.ends_with("/***") && webhook_shown.find('@') == std::string::npos));

  const std::size_t nul = input.find('\0');
  if (nul == std::string::npos) {
    return 0;
  }
  const std::string password = input.substr(0, nul);
  const std::string rest = input.substr(nul + 1);
  // "***" is what redaction writes: a password made of it could be "found" in any output.
  if (password.empty() || password.find('*') != std::string::npos) {
    return 0;
  }
  const std::string encoded = percent_encoded(password);
  const std::string host = "db.example.com";

  // Each form: what comes before the password, the password as written there, what follows.
  struct Form {
    std::string before;
    std::string written;
    std::string after;
  };
  for (const Form& form : {
           Form{"postgresql://app:", encoded, "@" + host + "/" + rest},
           Form{"postgresql://" + host + "/sales?password=", encoded, "&" + rest},
           Form{"host=" + host + " password=", libpq_quoted(password), " " + rest},
       }) {
    const std::string url = form.before + form.written + form.after;
    const std::string shown = orch::config::redact_url(url);
    // What shows with no password at all ('*' is in no password here): a password found in it
    // there too is no leak (it is part of the host, or of the rest).
    const std::string public_text = form.before + "*" + form.after;
    FUZZ_CHECK(!leaks(shown, password, public_text));
    FUZZ_CHECK(!leaks(shown, encoded, public_text));
    // An error that quotes the URL, the password as written and as libpq decoded it.
    const std::string message = "could not connect: " + url + " (" + password + ") " + rest;
    const std::string hidden = orch::config::hide_url_secrets(message, url);
    // A part shorter than 4 bytes split off a secret is left, like a word of the message.
    FUZZ_CHECK(hidden.find(password) == std::string::npos || password.size() < 4);
  }

  const std::string webhook = "https://bot:" + encoded + "@hooks.example.com/services/" + encoded;
  const std::string shown = orch::notify::redact_webhook(webhook);
  FUZZ_CHECK(shown == "https://hooks.example.com/***");
  return 0;
}
