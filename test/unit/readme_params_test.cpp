// The README's list of training parameters is the declaration in params.hpp,
// rendered: same names, order, allowed values, defaults and help. When this
// fails, it prints the list to paste under the `params` bullet of the README's
// "Training and scoring" section.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/params.hpp"

using namespace leadscore;

namespace {

// One README line per parameter, from the table.
std::string rendered_list() {
  const TrainParams defaults;
  std::string out;
  for (const ParamInfo& p : param_table())
    out += std::string("  - `") + p.name + "` (" + allowed_values(p) + "; default `" + value_text(p, p.get(defaults)) +
           "`): " + p.help + ".\n";
  return out;
}

// The README's parameter lines: those indented under the `params` bullet of
// the "Training and scoring" section.
std::string readme_list(std::string* problem) {
  std::ifstream in(LEADSCORE_README);
  if (!in) return *problem = "cannot read " LEADSCORE_README, "";
  std::string line, out;
  bool in_section = false, in_bullet = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Training and scoring";
    if (!in_section) continue;
    if (line.rfind("- `params`", 0) == 0) {
      in_bullet = true;
    } else if (in_bullet && line.rfind("  - `", 0) == 0) {
      out += line + "\n";
    } else if (in_bullet && !out.empty()) {
      break;
    }
  }
  if (!in_bullet) *problem = "no `params` bullet under \"## Training and scoring\"";
  return out;
}

}  // namespace

TEST(ReadmeParams, ListsEveryParameterAsDeclared) {
  std::string problem;
  std::string readme = readme_list(&problem);
  ASSERT_TRUE(problem.empty()) << problem;
  EXPECT_EQ(readme, rendered_list()) << "the README's list should read:\n" << rendered_list();
}
