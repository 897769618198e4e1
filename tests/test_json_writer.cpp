// SPDX-License-Identifier: MIT
// The library's one JSON writer: exact compact output, pretty output that a strict parser reads
// back to the same values, non-finite numbers as null, and misuse caught as a logic_error.
#include "support/json_checker.hpp"
#include "support/test_framework.hpp"

#include <gputime/report/detail/json_writer.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

using gputime::detail::JsonWriter;

TEST_CASE("JsonWriter: compact output is exact") {
    JsonWriter w(0);
    w.begin_object()
        .key("name")
        .value("conv \"1\"\n")
        .key("p50_ns")
        .value(1234.5)
        .key("count")
        .value(std::size_t{3})
        .key("delta")
        .value(-7)
        .key("min")
        .value(std::numeric_limits<std::int64_t>::min())
        .key("ok")
        .value(true)
        .key("nan")
        .value(std::nan(""))
        .key("none")
        .null()
        .key("list")
        .begin_array()
        .value(1)
        .value(2.25)
        .begin_object()
        .end_object()
        .begin_array()
        .end_array()
        .end_array()
        .end_object();
    CHECK(std::move(w).str() ==
          R"({"name":"conv \"1\"\n","p50_ns":1234.5,"count":3,"delta":-7,"min":-9223372036854775808,)"
          R"("ok":true,"nan":null,"none":null,"list":[1,2.25,{},[]]})");
}

TEST_CASE("JsonWriter: pretty output parses back to the same values") {
    JsonWriter w(2);
    w.begin_object().key("samples").begin_array();
    for (int i = 0; i < 5; ++i) w.value(0.1 * i + 1e12);
    w.end_array().key("raw").raw(R"({"a": [true]})").end_object();
    const std::string text = std::move(w).str();
    CHECK(text.find("\n  \"samples\": [\n    ") != std::string::npos);
    const gputime_test::JsonValue doc = gputime_test::parse_json(text);
    for (int i = 0; i < 5; ++i) CHECK(doc["samples"][static_cast<std::size_t>(i)].number == 0.1 * i + 1e12);
    CHECK(doc["raw"]["a"][0].boolean);
}

TEST_CASE("JsonWriter: misuse is a logic_error, not a broken file") {
    CHECK_THROWS_AS(JsonWriter().begin_object().value(1), std::logic_error);  // value without key
    CHECK_THROWS_AS(JsonWriter().begin_array().key("k"), std::logic_error);   // key in an array
    CHECK_THROWS_AS(JsonWriter().begin_object().key("a").key("b"), std::logic_error);
    CHECK_THROWS_AS(JsonWriter().begin_object().end_array(), std::logic_error);  // unbalanced
    CHECK_THROWS_AS(JsonWriter().begin_object().key("a").end_object(), std::logic_error);
    CHECK_THROWS_AS(JsonWriter().value(1).value(2), std::logic_error);  // two documents
    JsonWriter open;
    open.begin_array();
    CHECK_FALSE(open.complete());
    CHECK_THROWS_AS(std::move(open).str(), std::logic_error);
}
