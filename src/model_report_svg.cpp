// SQL: leadscore.model_report_svg(version int) -> text
// Placeholder so that the 0.3.0 install script can declare the function (a C
// function's symbol must exist at CREATE time); the report itself replaces this file.
#include "core/errors.hpp"
#include "pg/guard.hpp"

LEADSCORE_FUNCTION(model_report_svg) { throw leadscore::InvalidInput("model_report_svg is not built yet"); }
