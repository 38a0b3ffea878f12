// Seeded hashing and a small deterministic random generator. Everything random
// in training flows from these, so results depend only on the seed and the lead
// ids, never on row order, thread count or the standard library's distributions.
#pragma once

#include <cstdint>

namespace leadscore {

// SplitMix64 finaliser: a fast, well-mixed 64-bit bijection.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a lead id under a seed; used for row order and holdout assignment.
inline uint64_t id_hash(int64_t id, uint64_t seed) {
  return mix64(static_cast<uint64_t>(id) ^ mix64(seed ^ 0x6c65616473636f72ULL));
}

// True when the lead belongs to the held-out part for this seed and fraction.
// The decision depends on the id alone, so it is stable across retrainings.
inline bool in_holdout(int64_t id, uint64_t seed, double fraction) {
  if (!(fraction > 0.0)) return false;
  uint64_t h = id_hash(id, seed ^ 0x686f6c646f7574ULL) >> 11;  // 53 bits
  return static_cast<double>(h) * (1.0 / 9007199254740992.0) < fraction;
}

// xoshiro256** seeded through SplitMix64; portable and reproducible everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      w = mix64(seed);
    }
  }
  // Next 64 random bits.
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform integer in [0, n) by multiply-shift (bias below 2^-32 for our n).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace leadscore
