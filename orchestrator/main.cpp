#include <exception>
#include <iostream>

#include "orchestrator/cli/cli.h"

int main(int argc, char** argv) {
  try {
    return orch::cli::main(argc, argv);
  } catch (const std::exception& e) {
    // The last resort: every layer below turns failures into results; this is a bug.
    std::cerr << "error: internal error: " << e.what() << "\n";
    return 1;
  }
}
