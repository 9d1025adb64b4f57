#include "orchestrator/store/control_bell.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "config/base/owned_fd.h"

namespace orch::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Wake = ControlListener::Wake;

constexpr const char* kChannel = "orchestrator_control";
// How long a listener that could not listen waits before it tries again.
constexpr milliseconds kRetryListening{5000};

// What both listeners share: the stop, and the wait for one descriptor (or none) to be readable.
class Waiter {
 public:
  Waiter() : stop_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  void stop() {
    stopped_ = true;
    std::uint64_t one = 1;
    // A full counter (never, at one write per stop) would only mean it is signalled already.
    [[maybe_unused]] auto written = ::write(stop_fd_.get(), &one, sizeof one);
  }
  bool stopped() const { return stopped_; }

  // Waits until `fd` is readable (-1: nothing to wait for but the stop), `deadline` passes or
  // stop() is called. Nothing when `fd` is readable, else the wake that ends the wait.
  std::optional<Wake> until(int fd, Clock::time_point deadline) const {
    while (!stopped_) {
      auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return Wake::kTimedOut;
      }
      std::array<pollfd, 2> fds{pollfd{stop_fd_.get(), POLLIN, 0}, pollfd{fd, POLLIN, 0}};
      int count = ::poll(fds.data(), fd >= 0 ? 2 : 1,
                         static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
      if (count < 0 && errno != EINTR) {
        return Wake::kTimedOut;  // nothing sensible to wait on: the caller polls instead
      }
      if (count > 0 && fds[1].revents != 0) {
        return std::nullopt;
      }
    }
    return Wake::kStopped;
  }

 private:
  OwnedFd stop_fd_;
  std::atomic<bool> stopped_{false};
};

// When a listener that cannot listen tries again, and what listening again means. After a failure
// it waits kRetryListening before the next try; listening again after any earlier try (a failure,
// a dropped connection, a watch that ended) counts as a ring, since one may have been missed
// meanwhile, while the first listening does not.
class Relistening {
 public:
  bool due() const { return Clock::now() >= next_try_; }
  // Records a try that did or did not listen; whether it counts as a ring.
  bool tried(bool listening) {
    bool again = std::exchange(tried_before_, true);
    if (!listening) {
      failed();
      return false;
    }
    return again;
  }
  void failed() { next_try_ = Clock::now() + kRetryListening; }

 private:
  Clock::time_point next_try_{};
  bool tried_before_ = false;
};

// SQLite: an inotify watch for IN_ATTRIB on the database file. A write by SQLite is IN_MODIFY and
// does not wake it; only a ring (or a chmod, harmless) does.
class SqliteListener final : public ControlListener {
 public:
  explicit SqliteListener(std::string file) : file_(std::move(file)) {}

  Wake wait(milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    if (!inotify_.valid() && relistening_.due() && relistening_.tried(watch())) {
      return Wake::kRang;
    }
    if (auto ended = waiter_.until(inotify_.get(), deadline)) {
      return *ended;
    }
    drain();
    return Wake::kRang;
  }

  void stop() override { waiter_.stop(); }

 private:
  // Whether the file is watched now.
  bool watch() {
    OwnedFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!fd.valid() || ::inotify_add_watch(fd.get(), file_.c_str(), IN_ATTRIB) < 0) {
      return false;
    }
    inotify_ = std::move(fd);
    return true;
  }

  // Reads every queued event: rings that came together are one wake. IN_IGNORED (the file was
  // deleted or replaced) ends the watch; the next wait() watches the path again.
  void drain() {
    alignas(inotify_event) std::array<char, 4096> buffer{};
    for (;;) {
      auto got = ::read(inotify_.get(), buffer.data(), buffer.size());
      if (got <= 0) {
        return;
      }
      for (std::size_t at = 0; at < static_cast<std::size_t>(got);) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        if ((event->mask & IN_IGNORED) != 0) {
          inotify_.reset();
          return;
        }
        at += sizeof(inotify_event) + event->len;
      }
    }
  }

  std::string file_;
  OwnedFd inotify_;
  Waiter waiter_;
  Relistening relistening_;
};

// The few libpq calls SOCI does not wrap, found in the libpq SOCI's PostgreSQL backend loaded:
// linking libpq would load it (and its TLS and Kerberos libraries) into every SQLite service.
struct LibPq {
  int (*socket)(const PGconn*) = nullptr;
  int (*consume_input)(PGconn*) = nullptr;
  PGnotify* (*notifies)(PGconn*) = nullptr;
  void (*freemem)(void*) = nullptr;

  static const LibPq* loaded() {
    static const std::optional<LibPq> found = []() -> std::optional<LibPq> {
      void* handle = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_NOLOAD);
      if (handle == nullptr) {
        return std::nullopt;
      }
      LibPq pq;
      pq.socket = reinterpret_cast<decltype(pq.socket)>(::dlsym(handle, "PQsocket"));
      pq.consume_input =
          reinterpret_cast<decltype(pq.consume_input)>(::dlsym(handle, "PQconsumeInput"));
      pq.notifies = reinterpret_cast<decltype(pq.notifies)>(::dlsym(handle, "PQnotifies"));
      pq.freemem = reinterpret_cast<decltype(pq.freemem)>(::dlsym(handle, "PQfreemem"));
      if (pq.socket == nullptr || pq.consume_input == nullptr || pq.notifies == nullptr ||
          pq.freemem == nullptr) {
        return std::nullopt;
      }
      return pq;
    }();
    return found ? &*found : nullptr;
  }
};

// PostgreSQL: a connection of its own that LISTENs on the channel, and waits on its socket.
class PostgresListener final : public ControlListener {
 public:
  explicit PostgresListener(std::string connect) : connect_(std::move(connect)) {}

  Wake wait(milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    if (conn_ == nullptr && relistening_.due() && relistening_.tried(listen())) {
      return Wake::kRang;
    }
    for (;;) {
      if (conn_ != nullptr && take_notifications()) {
        return Wake::kRang;
      }
      int fd = conn_ != nullptr ? pq_->socket(conn_) : -1;
      if (auto ended = waiter_.until(fd, deadline)) {
        return *ended;
      }
      if (pq_->consume_input(conn_) == 0) {
        drop();  // the server or the network is gone: listen again later
        return Wake::kRang;
      }
    }
  }

  void stop() override { waiter_.stop(); }

 private:
  bool listen() {
    pq_ = LibPq::loaded();
    try {
      session_.emplace();
      session_->open("postgresql", connect_);
      *session_ << "LISTEN " << kChannel;
      auto* backend = static_cast<soci::postgresql_session_backend*>(session_->get_backend());
      conn_ = backend != nullptr && pq_ != nullptr ? backend->conn_ : nullptr;
    } catch (const std::exception&) {
      conn_ = nullptr;
    }
    if (conn_ == nullptr) {
      drop();
      return false;
    }
    return true;
  }

  void drop() {
    conn_ = nullptr;
    session_.reset();
    relistening_.failed();
  }

  // Takes every notification already received; whether there was one.
  bool take_notifications() {
    bool any = false;
    while (PGnotify* notification = pq_->notifies(conn_)) {
      pq_->freemem(notification);
      any = true;
    }
    return any;
  }

  std::string connect_;
  const LibPq* pq_ = nullptr;
  std::optional<soci::session> session_;
  PGconn* conn_ = nullptr;
  Waiter waiter_;
  Relistening relistening_;
};

}  // namespace

void ring_postgres_bell(soci::session& sql) {
  sql << "NOTIFY " << kChannel;
}

void ring_sqlite_bell(const std::string& file) {
  // Best effort: a listener that misses it sees the change at its next look.
  ::utimensat(AT_FDCWD, file.c_str(), nullptr, 0);
}

std::unique_ptr<ControlListener> listen_to_postgres(std::string connect) {
  return std::make_unique<PostgresListener>(std::move(connect));
}

std::unique_ptr<ControlListener> listen_to_sqlite(const std::string& file) {
  return std::make_unique<SqliteListener>(file);
}

}  // namespace orch::store
