# SPDX-License-Identifier: MIT
# cmake -DMESSAGE=... -P fail.cmake: a test that fails, saying why (a missing prerequisite).
message(FATAL_ERROR "${MESSAGE}")
