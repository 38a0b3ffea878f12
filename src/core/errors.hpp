// The few exception types the core throws. The glue layer maps each one to a
// SQLSTATE (see src/pg/guard.cpp); keeping the set small keeps that map exact.
#pragma once

#ifdef PG_VERSION_NUM
#error "src/core is pure C++: include core headers before any Postgres header"
#endif

#include <stdexcept>
#include <string>

namespace leadscore {

// Base of every error the core raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The caller handed the core something it cannot use (bad parameter, malformed lead).
class InvalidInput : public Error {
 public:
  using Error::Error;
};

// A serialized model failed its magic, version, bounds or checksum checks.
class CorruptModel : public Error {
 public:
  using Error::Error;
};

// The "should I stop?" callback said yes; work was abandoned and nothing leaked.
class Cancelled : public Error {
 public:
  Cancelled() : Error("operation cancelled") {}
};

// Out of memory is plain std::bad_alloc; it needs no type of its own.

}  // namespace leadscore
