#include "notify/retry_rule.h"

namespace orch::notify {

ReplyClass smtp_reply_class(int code) {
  // RFC 5321 4.2.1: 4yz is a transient negative completion (the same command may succeed
  // later), 5yz a permanent one (a wrong address or a refused login stays refused).
  return code >= 500 && code <= 599 ? ReplyClass::kPermanent : ReplyClass::kTransient;
}

ReplyClass http_reply_class(int status) {
  // RFC 9110: 5xx is the server's failure, 408 and 429 ask the client to come back; every other
  // answer (a hook that is gone, a wrong token, a redirect) stays the same on a second try.
  if (status >= 500 || status == 408 || status == 429) {
    return ReplyClass::kTransient;
  }
  return ReplyClass::kPermanent;
}

ErrorCode error_code(ReplyClass reply) {
  switch (reply) {
    case ReplyClass::kNoAnswer:
    case ReplyClass::kTransient:
      return ErrorCode::kUnavailable;
    case ReplyClass::kPermanent:
      return ErrorCode::kInvalidArgument;
    case ReplyClass::kUntrusted:
      return ErrorCode::kFailedPrecondition;
  }
  return ErrorCode::kUnavailable;
}

bool worth_retrying(ErrorCode code) {
  return code == ErrorCode::kUnavailable || code == ErrorCode::kDeadlineExceeded;
}

}  // namespace orch::notify
