#pragma once

// The C interface between the orchestrator and its network plugin, orch_notify_net.so, which
// holds every use of Poco and OpenSSL (SMTP, HTTPS webhooks). The binary loads the plugin only
// when email or Slack is on, so that a service with the log alone never maps those libraries.
// Plain C types only, so that the two sides need not agree on a C++ library's layouts. Any change
// to what follows is a new version: a new table type and entry symbol (v2), never an edit of v1.

// This header is C, so the C++ spellings clang-tidy suggests (<cstdint>, `using`) cannot apply.
// NOLINTBEGIN(modernize-deprecated-headers, modernize-use-using)
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Text that need not end with a NUL.
typedef struct {
  const char* data;
  size_t size;
} orch_net_text;

// One mail and the SMTP server to send it through (config::SmtpConfig and notify::Mail).
typedef struct {
  orch_net_text host;
  int32_t port;
  int32_t tls;  // kOrchNetPlain, kOrchNetStartTls or kOrchNetTls
  orch_net_text user;
  orch_net_text password;
  orch_net_text ca_file;
  int64_t timeout_seconds;
  orch_net_text from;
  const orch_net_text* to;
  size_t to_count;
  orch_net_text subject;
  orch_net_text body;
} orch_net_mail;

// How the SMTP connection is secured (config::SmtpTls).
enum { kOrchNetPlain = 0, kOrchNetStartTls = 1, kOrchNetTls = 2 };

// One webhook POST (notify::WebhookPost and notify::WebhookSettings).
typedef struct {
  orch_net_text url;
  orch_net_text json;
  orch_net_text ca_file;
  int64_t timeout_seconds;
} orch_net_webhook;

// What became of a try, by what the caller should do about it (orch::ErrorCode's meaning).
enum {
  kOrchNetSent = 0,
  kOrchNetRetry = 1,      // kUnavailable: refused, timed out, a 5xx answer
  kOrchNetUntrusted = 2,  // kFailedPrecondition: TLS refused; do not retry
  kOrchNetRefused = 3,    // kInvalidArgument: the server refused the request; do not retry
};

// Receives the reason of a failed try, once, before the call returns (the text is not kept).
typedef void (*orch_net_error_sink)(void* context, const char* message, size_t size);

// Both block for at most the request's timeout per network step, never throw, and may be called
// from several threads at once.
typedef struct {
  int (*send_mail)(const orch_net_mail* mail, orch_net_error_sink sink, void* context);
  int (*post_webhook)(const orch_net_webhook* request, orch_net_error_sink sink, void* context);
} orch_notify_net_v1;

// The plugin's one exported symbol.
#define ORCH_NOTIFY_NET_V1_ENTRY "orch_notify_net_v1_table"
const orch_notify_net_v1* orch_notify_net_v1_table(void);

#ifdef __cplusplus
}
#endif
// NOLINTEND(modernize-deprecated-headers, modernize-use-using)
