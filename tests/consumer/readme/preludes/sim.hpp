// SPDX-License-Identifier: MIT
// Stand-ins for README fragments on the simulated GPU.
#include <gputime/gputime.hpp>
#include <gputime/sim/runtime.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;
// --- locals ---
