// SPDX-License-Identifier: MIT
// Stand-ins for README fragments of a test (the framework is the fragment's own first include).
#include <chrono>

using namespace std::chrono_literals;
// --- locals ---
