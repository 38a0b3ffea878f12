// Which model serves, and its deserialized form.
//
// The active version is read from leadscore.models once per statement (per
// call site), in the statement's snapshot, so activating another model takes
// effect at the next statement and nothing uncommitted by others is ever seen.
// It is read straight from the index of the active model, which costs a few
// microseconds where a query cost about a tenth of a millisecond per call.
// Model rows are immutable, so a backend caches the deserialized model by
// version and deserializes each version at most once; the cache holds one
// model, so memory stays bounded whatever the history.
#pragma once

#include <memory>
#include <string>

#include "core/model.hpp"

namespace leadscore::pg {

struct ServingModel {
  int version = 0;                     // 0 when there is none
  std::shared_ptr<const Model> model;  // null when there is none or it is unreadable
  std::string problem;                 // why there is no model: "no active model", "model unreadable: ..."
};

// The active model, or the reason there is none. Throws PgError for database errors.
ServingModel active_model();

}  // namespace leadscore::pg
