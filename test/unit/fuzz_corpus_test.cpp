// The fuzzer's seed corpus, including inputs that once crashed the reader,
// replayed on every test run: each blob loads and scores, or is refused.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <sstream>

#include "core/model_format.hpp"

using namespace leadscore;

TEST(FuzzCorpus, EveryBlobLoadsAndScoresOrIsRefused) {
  const std::string dir = LEADSCORE_FUZZ_CORPUS_DIR;
  DIR* d = opendir(dir.c_str());
  if (!d) GTEST_SKIP() << "no corpus at " << dir;
  int files = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string blob = ss.str();
    // Also with a recomputed checksum, as the fuzzer does, to reach the parsers.
    for (int reseal = 0; reseal < 2; ++reseal) {
      if (reseal && blob.size() > 24) {
        uint32_t c = crc32(reinterpret_cast<const uint8_t*>(blob.data()), blob.size() - 4);
        for (int i = 0; i < 4; ++i) blob[blob.size() - 4 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
      }
      try {
        Model m = deserialize(blob);
        Lead l;
        l.attributes["score"] = 50.0;
        Score s = m.score(l, 1.7e9);
        EXPECT_GE(s.win_prob, 0.0);
        EXPECT_LE(s.win_prob, 1.0);
      } catch (const CorruptModel&) {
      }
    }
    ++files;
  }
  closedir(d);
  EXPECT_GE(files, 3);
}
