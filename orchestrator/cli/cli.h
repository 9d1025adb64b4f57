#pragma once

namespace orch::cli {

// Parses the command line, loads the configuration and runs the command; returns the exit code.
int main(int argc, char** argv);

}  // namespace orch::cli
