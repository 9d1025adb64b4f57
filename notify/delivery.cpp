#include "notify/delivery.h"

#include <array>
#include <utility>

namespace orch::notify {
namespace {

// The names the notifications table stores (and the store reads back through to_string()).
constexpr std::array<std::pair<DeliveryStatus, const char*>, 4> kStatusNames{{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kSent, "sent"},
    {DeliveryStatus::kFailed, "failed"},
    {DeliveryStatus::kDropped, "dropped"},
}};

}  // namespace

const char* to_string(DeliveryStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "pending";
}

}  // namespace orch::notify
