// Where a database URL or connection string keeps its secrets, so that none is ever shown: in
// check-config, configuration errors, logs, `status`, and errors from libpq, which quotes the
// parts of a URL it cannot parse.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/config_internal.h"

namespace orch::config {
namespace {

// libpq's parameters that hold secrets (the others, sslkey and passfile included, are paths).
bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "password" || lower == "sslpassword";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A secret's place in the text: [begin, end).
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

struct Secrets {
  std::vector<Span> spans;
  std::vector<std::string> values;  // as libpq would read them
};

// Where a secret holds a character that ends a part of a URL ("a&b", "a@b"), libpq reads the
// rest as another part and may quote it in an error ("CRET@host"): such parts are secrets too,
// when long enough to tell apart from the words of a message.
constexpr std::size_t kShortestPart = 4;

void add(Secrets& found, std::string_view text, Span span, std::string value) {
  if (span.end <= span.begin) {
    return;
  }
  found.spans.push_back(span);
  const std::string_view written = text.substr(span.begin, span.end - span.begin);
  found.values.emplace_back(written);
  for (std::string_view whole : {written, std::string_view(value)}) {
    for (std::size_t begin = 0; begin < whole.size();) {
      std::size_t end = whole.find_first_of("&@/?#:", begin);
      end = end == std::string_view::npos ? whole.size() : end;
      if (end - begin >= kShortestPart && end - begin < whole.size()) {
        found.values.emplace_back(whole.substr(begin, end - begin));
        // libpq decodes such a part on its own ("p%40ss&x": the password "p@ss").
        found.values.push_back(percent_decoded(whole.substr(begin, end - begin)));
      }
      begin = end + 1;
    }
  }
  found.values.push_back(std::move(value));
}

// postgresql://user:password@host/db?password=...&sslpassword=...
void find_in_url(std::string_view url, std::size_t authority, Secrets& found) {
  // The password in the user information. libpq ends the user information at the first '@'
  // before any '/'; a password holding '@', '/' or '#' unencoded is still hidden whole by taking
  // the last '@' too: a later '@' can only make this hide too much, never too little.
  std::size_t libpq_at = url.find_first_of("@/", authority);
  if (libpq_at != std::string_view::npos && url[libpq_at] != '@') {
    libpq_at = std::string_view::npos;
  }
  for (std::size_t at : {libpq_at, url.rfind('@')}) {
    if (at == std::string_view::npos || at < authority) {
      continue;
    }
    const std::size_t colon = url.find(':', authority);
    if (colon != std::string_view::npos && colon < at) {
      const Span span{colon + 1, at};
      add(found, url, span, percent_decoded(url.substr(span.begin, span.end - span.begin)));
    }
  }
  // Query parameters. Every '?' or '&' may start one (a '?' inside a password too): a secret's
  // value runs to the next "&key=", so that an unencoded '&' in it does not leave a part shown.
  for (std::size_t pos = url.find_first_of("?&", authority); pos != std::string_view::npos;
       pos = url.find_first_of("?&", pos + 1)) {
    const std::size_t start = pos + 1;
    const std::size_t eq = url.find('=', start);
    const std::size_t amp = url.find('&', start);
    if (eq == std::string_view::npos || (amp != std::string_view::npos && amp < eq) ||
        !is_secret_key(percent_decoded(url.substr(start, eq - start)))) {
      continue;
    }
    std::size_t end = amp;
    while (end != std::string_view::npos) {
      const std::size_t next_eq = url.find('=', end + 1);
      const std::size_t next_amp = url.find('&', end + 1);
      if (next_eq != std::string_view::npos &&
          (next_amp == std::string_view::npos || next_eq < next_amp)) {
        break;  // "&key=": the next parameter
      }
      end = next_amp;
    }
    const Span span{eq + 1, end == std::string_view::npos ? url.size() : end};
    add(found, url, span, percent_decoded(url.substr(span.begin, span.end - span.begin)));
  }
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::size_t skip_spaces(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_space(text[pos])) {
    ++pos;
  }
  return pos;
}

// One value of libpq's key=value form, from `pos`: a word, or single-quoted, with backslash
// escapes in both.
struct Value {
  std::string text;     // unescaped
  std::size_t end = 0;  // just past it, its closing quote included
  bool closed = true;   // false: a quote opened and never closed
};

Value read_value(std::string_view text, std::size_t pos) {
  Value out;
  const bool quoted = pos < text.size() && text[pos] == '\'';
  if (quoted) {
    ++pos;
    out.closed = false;
  }
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (!quoted && is_space(c)) {
      break;
    }
    if (quoted && c == '\'') {
      ++pos;
      out.closed = true;
      break;
    }
    if (c == '\\' && pos + 1 < text.size()) {
      ++pos;
    }
    out.text += text[pos];
  }
  out.end = pos;
  return out;
}

// host=db user=app password='se cret' sslpassword=x: libpq's key=value form. Text it cannot
// read from some point on is hidden from there, whatever it holds.
void find_in_key_values(std::string_view text, Secrets& found) {
  for (std::size_t pos = skip_spaces(text, 0); pos < text.size(); pos = skip_spaces(text, pos)) {
    const std::size_t key_begin = pos;
    while (pos < text.size() && text[pos] != '=' && !is_space(text[pos])) {
      ++pos;
    }
    const std::string_view key = text.substr(key_begin, pos - key_begin);
    pos = skip_spaces(text, pos);
    if (pos >= text.size() || text[pos] != '=') {
      add(found, text, {key_begin, text.size()}, std::string(text.substr(key_begin)));
      return;
    }
    const std::size_t value_begin = skip_spaces(text, pos + 1);
    Value value = read_value(text, value_begin);
    if (!value.closed) {
      add(found, text, {value_begin, text.size()}, std::move(value.text));
      return;
    }
    if (is_secret_key(key)) {
      add(found, text, {value_begin, value.end}, std::move(value.text));
    }
    pos = value.end;
  }
}

// Whether `text` up to `scheme_end` is a URL's scheme ("postgresql"), blanks before it aside.
bool is_scheme(std::string_view text, std::size_t scheme_end) {
  std::size_t begin = 0;
  while (begin < scheme_end && is_space(text[begin])) {
    ++begin;
  }
  return begin < scheme_end &&
         std::all_of(text.begin() + static_cast<std::ptrdiff_t>(begin),
                     text.begin() + static_cast<std::ptrdiff_t>(scheme_end), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' ||
                              c == '-' || c == '.';
                     });
}

Secrets find_secrets(std::string_view text) {
  Secrets found;
  const std::size_t scheme_end = text.find("://");
  const bool has_equals = text.find('=') != std::string_view::npos;
  // A "://" in a key=value string's value (password='ab://cd') does not make it a URL.
  if (scheme_end != std::string_view::npos && (is_scheme(text, scheme_end) || !has_equals)) {
    find_in_url(text, scheme_end + 3, found);
  } else if (!text.starts_with("sqlite:") && has_equals) {
    find_in_key_values(text, found);
  }
  return found;
}

}  // namespace

std::string redact_url(const std::string& url) {
  Secrets found = find_secrets(url);
  if (found.spans.empty()) {
    return url;
  }
  // Overlapping spans (the two readings of the user information) are hidden as one.
  std::sort(found.spans.begin(), found.spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  std::size_t shown_to = 0;
  for (std::size_t i = 0; i < found.spans.size();) {
    Span merged = found.spans[i];
    for (++i; i < found.spans.size() && found.spans[i].begin <= merged.end; ++i) {
      merged.end = std::max(merged.end, found.spans[i].end);
    }
    out.append(url, shown_to, merged.begin - shown_to);
    out += internal::kSecretShown;
    shown_to = merged.end;
  }
  out.append(url, shown_to, std::string::npos);
  return out;
}

std::string hide_url_secrets(std::string text, const std::string& url) {
  std::vector<std::string> secrets = find_secrets(url).values;
  std::sort(secrets.begin(), secrets.end());
  secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
  // Every secret is looked for in the text as given, and each run of bytes one or more of them
  // cover shows as one "***". Replacing one secret after another instead searched the "***"
  // already written: a secret "*" listed n times made 3^n stars (found by fuzzing).
  std::vector<bool> hidden(text.size(), false);
  for (const std::string& secret : secrets) {
    if (secret.empty()) {
      continue;
    }
    std::size_t marked_to = 0;
    for (std::size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 1)) {
      for (std::size_t i = std::max(pos, marked_to); i < pos + secret.size(); ++i) {
        hidden[i] = true;
      }
      marked_to = pos + secret.size();
    }
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!hidden[i]) {
      out += text[i];
    } else if (i == 0 || !hidden[i - 1]) {
      out += internal::kSecretShown;
    }
  }
  return out;
}

}  // namespace orch::config
