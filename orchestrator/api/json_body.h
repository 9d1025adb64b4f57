#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/base/result.h"

namespace orch::api {

// The JSON object a POST sends, read field by field with the field's name in every error, so that
// a 400 says what to fix. No nlohmann types in this header: handlers and their tests stay light.
class JsonBody {
 public:
  // An empty body (or only whitespace) counts as {}. kInvalidArgument when it is not JSON, not
  // an object, or holds a field not in `allowed` (the message names it and lists the allowed).
  static Result<JsonBody> parse(std::string_view body, const std::vector<std::string>& allowed);

  // The field's text; nullopt when absent or null. kInvalidArgument ("note: use a string") when
  // it is another type.
  Result<std::optional<std::string>> text(const std::string& field) const;
  // The field's whole number; nullopt when absent or null. kInvalidArgument when it is another
  // type or has a fraction.
  Result<std::optional<std::int64_t>> whole_number(const std::string& field) const;

 private:
  struct Fields;
  explicit JsonBody(std::shared_ptr<const Fields> fields) : fields_(std::move(fields)) {}
  std::shared_ptr<const Fields> fields_;
};

}  // namespace orch::api
