// JSON text: escaping and non-finite numbers.
#include <gtest/gtest.h>

#include <cmath>

#include "core/json.hpp"

using namespace leadscore;

TEST(Json, EscapesStrings) {
  JsonWriter w;
  w.begin_object().key("a\"b").value("line\nbreak\\ \x01").key("n").value(std::nan("")).end_object();
  EXPECT_EQ(w.str(), "{\"a\\\"b\":\"line\\nbreak\\\\ \\u0001\",\"n\":null}");
}

TEST(Json, ArraysAndNesting) {
  JsonWriter w;
  w.begin_array().value(1).begin_object().key("x").value(true).end_object().value(0.5).end_array();
  EXPECT_EQ(w.str(), "[1,{\"x\":true},0.5]");
}
