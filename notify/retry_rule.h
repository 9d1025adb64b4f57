#pragma once

#include "config/base/result.h"

namespace orch::notify {

// The one rule, for mail and webhooks alike, that decides whether a failed delivery is tried
// again. A transport classes what the server answered, or that it did not answer; the class
// gives the attempt's error code (error_code()); the delivery queue retries by that code
// (worth_retrying()). Plain C++: the network plugin compiles it too.
enum class ReplyClass {
  kNoAnswer,   // refused, reset, timed out, the host not found: retried
  kTransient,  // SMTP 4xx; HTTP 5xx, 408 and 429: retried
  kPermanent,  // SMTP 5xx; any other HTTP answer but 2xx: not retried
  kUntrusted,  // TLS: the certificate is not trusted, or no STARTTLS is offered: not retried
};

// An SMTP reply code that refused a step (e.g. 550 to RCPT, 451 to DATA). A code outside
// 400-599 (a server that broke off, or answered out of turn) counts as transient.
ReplyClass smtp_reply_class(int code);

// An HTTP status other than 2xx.
ReplyClass http_reply_class(int status);

// kUnavailable for the classes retried, kInvalidArgument for kPermanent, kFailedPrecondition for
// kUntrusted.
ErrorCode error_code(ReplyClass reply);

// Whether a delivery whose attempt failed with `code` is tried again while attempts remain:
// kUnavailable and kDeadlineExceeded are.
bool worth_retrying(ErrorCode code);

}  // namespace orch::notify
