#include "orchestrator/api/json_body.h"

#include <cstdint>

#include <nlohmann/json.hpp>

namespace orch::api {

// The analysis counts nlohmann::json's destructor as throwing; it does not throw.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct JsonBody::Fields {
  nlohmann::json object;
};

Result<JsonBody> JsonBody::parse(std::string_view body, const std::vector<std::string>& allowed) {
  auto fields = std::make_shared<Fields>();
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    fields->object = nlohmann::json::object();
    return JsonBody(std::move(fields));
  }
  fields->object = nlohmann::json::parse(body, nullptr, false);
  if (fields->object.is_discarded()) {
    return invalid_argument(R"(the body is not JSON: send an object such as {"note": "..."})");
  }
  if (!fields->object.is_object()) {
    return invalid_argument(R"(the body is not a JSON object: send one such as {"note": "..."})");
  }
  std::string names;
  for (const std::string& name : allowed) {
    names += (names.empty() ? "" : ", ") + name;
  }
  for (const auto& item : fields->object.items()) {
    bool known = false;
    for (const std::string& name : allowed) {
      known = known || item.key() == name;
    }
    if (!known) {
      return invalid_argument("unknown field '" + item.key() +
                              "' in the body (allowed: " + (names.empty() ? "none" : names) + ")");
    }
  }
  return JsonBody(std::move(fields));
}

Result<std::optional<std::string>> JsonBody::text(const std::string& field) const {
  auto it = fields_->object.find(field);
  if (it == fields_->object.end() || it->is_null()) {
    return std::optional<std::string>();
  }
  if (!it->is_string()) {
    return invalid_argument(field + ": use a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

Result<std::optional<std::int64_t>> JsonBody::whole_number(const std::string& field) const {
  auto it = fields_->object.find(field);
  if (it == fields_->object.end() || it->is_null()) {
    return std::optional<std::int64_t>();
  }
  if (!it->is_number_integer() ||
      (it->is_number_unsigned() &&
       it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    return invalid_argument(field + ": use a whole number");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

}  // namespace orch::api
