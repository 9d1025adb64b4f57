#pragma once

// What a fuzz target asserts beyond "no crash": a broken promise prints what broke and aborts, so
// that libFuzzer keeps the input as a crash and the corpus replay test fails on it.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace orch::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace orch::fuzz

#define FUZZ_CHECK(condition)                             \
  do {                                                    \
    if (!(condition)) {                                   \
      ::orch::fuzz::fail(__FILE__, __LINE__, #condition); \
    }                                                     \
  } while (false)
