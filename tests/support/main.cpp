// SPDX-License-Identifier: MIT
// tests/support/main.cpp - the test runner's main(), for whichever framework is selected.
#if defined(GPUTIME_TEST_WITH_DOCTEST)
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#else
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif
