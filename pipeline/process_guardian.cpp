#include "pipeline/process_guardian.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <system_error>

#include "pipeline/run_sweep.h"

namespace orch::pipeline {
namespace {

enum Op : std::int32_t { kGuard = 1, kWatch = 2, kRelease = 3 };

constexpr std::size_t kRunIdBytes = 56;  // run ids are 20 characters; tests' may be longer
constexpr int kChannelFd = 3;            // where the guardian keeps its end of the channel

// One message, sent whole over a SOCK_SEQPACKET socket: the guardian reads it whole or not at all.
struct Message {
  std::int32_t op = 0;
  std::int32_t group = 0;
  std::array<char, kRunIdBytes> run_id = {};
};

struct Entry {
  std::array<char, kRunIdBytes> run_id;
  pid_t group;
  bool used;
};

// Runs at once on the same service; more than this many at once is far past any max_parallel_runs
// a 2-core or 64-core host would use, and a run past it is only swept by id at the next start.
constexpr std::size_t kCapacity = 16384;

// The guardian's table of runs, in memory it maps itself after the fork: the service's heap may
// be mid-change in another thread. `ids` has room for a pointer to each entry's run id.
struct Table {
  Entry* entries;
  const char** ids;
};

// What the guardian keeps of the service's: the channel, as kChannelFd, and nothing else. No
// database file, no socket, and not its standard streams either, or a reader of the service's
// output (a shell's $(...), a test) would wait for the guardian too. A Ctrl-C or a SIGTERM meant
// for the service must not take the guardian with it: it ends when the service does.
void detach_from_service(int channel) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) {
    ::sigaction(signal, &ignore, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  // The forked guardian has a single thread, for which sigprocmask is defined.
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe)
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    for (int stream = 0; stream <= 2; ++stream) {
      ::dup2(null, stream);
    }
  }
  if (channel != kChannelFd) {
    ::dup2(channel, kChannelFd);
  }
  ::syscall(SYS_close_range, kChannelFd + 1U, ~0U, 0U);
  if (channel != kChannelFd) {
    ::close(channel);  // (closed by close_range already when above 3)
  }
}

Table map_table() {
  void* memory = ::mmap(nullptr, (sizeof(Entry) + sizeof(const char*)) * kCapacity,
                        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    ::_exit(1);
  }
  auto* entries = static_cast<Entry*>(memory);
  return {entries, reinterpret_cast<const char**>(entries + kCapacity)};
}

// Keeps `message` in the table: a run guarded or watched takes its entry, or a free one; a run
// released frees its entry. A run past the capacity is not kept.
void record(const Table& table, const Message& message) {
  Entry* slot = nullptr;
  Entry* free_slot = nullptr;
  for (std::size_t i = 0; i < kCapacity; ++i) {
    Entry& entry = table.entries[i];
    if (entry.used && std::strcmp(entry.run_id.data(), message.run_id.data()) == 0) {
      slot = &entry;
      break;
    }
    if (!entry.used && free_slot == nullptr) {
      free_slot = &entry;
    }
  }
  if (message.op == kRelease) {
    if (slot != nullptr) {
      slot->used = false;
    }
    return;
  }
  if (slot == nullptr) {
    slot = free_slot;
  }
  if (slot == nullptr) {
    return;
  }
  slot->run_id = message.run_id;
  slot->used = true;
  slot->group = message.op == kWatch ? message.group : 0;
}

// Kills the group of every run still kept, then sweeps for their run ids.
void kill_kept_runs(const Table& table) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < kCapacity; ++i) {
    const Entry& entry = table.entries[i];
    if (!entry.used) {
      continue;
    }
    if (entry.group > 1) {
      ::kill(-entry.group, SIGKILL);
    }
    table.ids[count++] = entry.run_id.data();
  }
  // Twice: a process that forked while the first sweep was reading /proc is found by the second.
  for (int pass = 0; pass < 2 && count > 0; ++pass) {
    sweep_run_processes(table.ids, count);
  }
}

// The guardian's whole life, in the forked child. Only async-signal-safe calls from here on.
[[noreturn]] void guard_until_orphaned(int channel) {
  ::prctl(PR_SET_NAME, "orch-guardian", 0, 0, 0);
  detach_from_service(channel);
  const Table table = map_table();
  Message message;
  while (true) {
    const ssize_t got = ::recv(kChannelFd, &message, sizeof(message), 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got != static_cast<ssize_t>(sizeof(message))) {
      break;  // end-of-file: the service is gone (or stopped cleanly)
    }
    message.run_id.back() = '\0';
    record(table, message);
  }
  kill_kept_runs(table);
  ::_exit(0);
}

// Tells the guardian at the other end of `channel`; false when it cannot be told.
bool send_message(int channel, Op op, std::string_view run_id, pid_t group) {
  Message message;
  message.op = op;
  message.group = group;
  std::memcpy(message.run_id.data(), run_id.data(), run_id.size());
  while (true) {
    const ssize_t sent = ::send(channel, &message, sizeof(message), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(sizeof(message))) {
      return true;
    }
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    return false;
  }
}

Result<std::pair<int, pid_t>> fork_guardian() {
  std::array<int, 2> ends{-1, -1};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends.data()) != 0) {
    return unavailable("cannot start the process guardian: socketpair: " +
                       std::generic_category().message(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    return unavailable("cannot start the process guardian: fork: " +
                       std::generic_category().message(error));
  }
  if (pid == 0) {
    ::close(ends[0]);
    guard_until_orphaned(ends[1]);
  }
  ::close(ends[1]);
  return std::pair<int, pid_t>{ends[0], pid};
}

}  // namespace

Result<std::unique_ptr<ProcessGuardian>> ProcessGuardian::start() {
  auto forked = fork_guardian();
  if (!forked) {
    return forked.error();
  }
  return std::unique_ptr<ProcessGuardian>(new ProcessGuardian(forked->first, forked->second));
}

ProcessGuardian::~ProcessGuardian() {
  std::lock_guard lock(mutex_);
  if (channel_ >= 0) {
    ::close(channel_);
  }
  if (pid_ > 0) {
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

pid_t ProcessGuardian::pid() const {
  std::lock_guard lock(mutex_);
  return pid_;
}

void ProcessGuardian::guard(std::string_view run_id) {
  if (run_id.empty() || run_id.size() >= kRunIdBytes) {
    return;
  }
  std::lock_guard lock(mutex_);
  runs_[std::string(run_id)] = 0;
  if (!send_message(channel_, kGuard, run_id, 0)) {
    restart_locked();
  }
}

void ProcessGuardian::watch(std::string_view run_id, pid_t group) {
  if (run_id.empty() || run_id.size() >= kRunIdBytes) {
    return;
  }
  std::lock_guard lock(mutex_);
  runs_[std::string(run_id)] = group;
  if (!send_message(channel_, kWatch, run_id, group)) {
    restart_locked();
  }
}

void ProcessGuardian::release(std::string_view run_id) {
  if (run_id.empty() || run_id.size() >= kRunIdBytes) {
    return;
  }
  std::lock_guard lock(mutex_);
  runs_.erase(std::string(run_id));
  if (!send_message(channel_, kRelease, run_id, 0)) {
    restart_locked();
  }
}

void ProcessGuardian::restart_locked() {
  if (channel_ >= 0) {
    ::close(channel_);
  }
  channel_ = -1;
  if (pid_ > 0) {
    ::waitpid(pid_, nullptr, WNOHANG);
  }
  pid_ = -1;
  auto forked = fork_guardian();
  if (!forked) {
    return;
  }
  channel_ = forked->first;
  pid_ = forked->second;
  for (const auto& [run_id, group] : runs_) {
    send_message(channel_, group > 0 ? kWatch : kGuard, run_id, group);
  }
}

}  // namespace orch::pipeline
