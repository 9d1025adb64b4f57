#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace orch {

// What the caller should do about a failure, in the spirit of absl::StatusCode.
enum class ErrorCode {
  kInvalidArgument,     // Bad input: never retry.
  kNotFound,            // The thing named does not exist.
  kAlreadyExists,       // The thing to create is there already.
  kFailedPrecondition,  // The state forbids it now (e.g. the team is busy): retry once it changes.
  kUnavailable,         // A dependency (database, SMTP) is down: retry with backoff.
  // Lost a race (a unique key another writer took first), or stopped on request. Do not repeat
  // the same write; an operation that reads again may start over and then sees the winner's
  // result (SociRunStore::claim does, up to three times).
  kAborted,
  kDeadlineExceeded,  // It took too long.
  kInternal,          // A bug.
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error invalid_argument(std::string message) {
  return {ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error not_found(std::string message) {
  return {ErrorCode::kNotFound, std::move(message)};
}
inline Error failed_precondition(std::string message) {
  return {ErrorCode::kFailedPrecondition, std::move(message)};
}
inline Error unavailable(std::string message) {
  return {ErrorCode::kUnavailable, std::move(message)};
}
inline Error internal_error(std::string message) {
  return {ErrorCode::kInternal, std::move(message)};
}

// A value or an Error. Its accessors are std::expected's (has_value, value, error, *, ->), so
// code that reads a Result reads like code on std::expected; it is not a drop-in replacement:
// a Result is made from an Error implicitly, where std::expected needs std::unexpected(error),
// so moving to std::expected changes every `return error;`.
template <class T>
class [[nodiscard]] Result {
 public:
  // Implicit by design, both: `return value;` and `return error;` make a Result.
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  // NOLINTNEXTLINE(google-explicit-constructor): implicit by design, as above.
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace orch
