// The names of leadscore's tables, columns, types and functions that the C++
// reads, writes or calls, each declared once. The glue builds its SQL from
// them as string literals, so every query is still one constant (as pg_cron
// builds its queries from its table names), and test/e2e/06_catalog_names.t
// reads this file and checks every name declared here against an installed
// database: a name changed in sql/ and not here fails that test instead of a
// query in production.
//
// Each name is declared through the macro that says what it is:
//   LS_TABLE(table)                 leadscore.table, for SQL
//   LS_RELNAME(table)               table, for catalog lookups
//   LS_TYPE(type)                   leadscore.type, a composite type
//   LS_COLUMN(table, column, type)  column, an attribute of a table or
//                                   composite type, whose SQL type as
//                                   format_type() spells it is type
//   LS_FUNCTION(function, args)     leadscore.function, whose argument types
//                                   (as regprocedure spells them) are args
//   LS_INDEX(table, index)          index, an index of leadscore.table, for
//                                   catalog lookups
// The types and arguments expand to nothing: they are there for the reader
// and for the test.
#pragma once

#define LS_SCHEMA "leadscore"
#define LS_TABLE(table) LS_SCHEMA "." #table
#define LS_RELNAME(table) #table
#define LS_TYPE(type) LS_SCHEMA "." #type
#define LS_COLUMN(table, column, type) #column
#define LS_FUNCTION(function, args) LS_SCHEMA "." #function
#define LS_INDEX(table, index) #index

// The model registry: one immutable row per trained model.
#define LS_MODELS LS_TABLE(models)
#define LS_MODELS_RELNAME LS_RELNAME(models)
#define LS_MODELS_VERSION LS_COLUMN(models, version, "integer")
#define LS_MODELS_STATUS LS_COLUMN(models, status, "text")
#define LS_MODELS_CREATED_AT LS_COLUMN(models, created_at, "timestamp with time zone")
#define LS_MODELS_ALGORITHM LS_COLUMN(models, algorithm, "text")
#define LS_MODELS_PARAMS LS_COLUMN(models, params, "jsonb")
#define LS_MODELS_FEATURE_SPEC LS_COLUMN(models, feature_spec, "jsonb")
#define LS_MODELS_METRICS LS_COLUMN(models, metrics, "jsonb")
#define LS_MODELS_TRAINING_ROWS LS_COLUMN(models, training_rows, "integer")
#define LS_MODELS_BLOB LS_COLUMN(models, blob, "bytea")
#define LS_ACTIVATE_MODEL LS_FUNCTION(activate_model, "integer")
// The partial unique index of the active model (status = 'active' only).
#define LS_MODELS_ONE_ACTIVE LS_INDEX(models, models_one_active)

// The weights of rules-based scoring.
#define LS_RULE_WEIGHTS LS_TABLE(rule_weights)
#define LS_RULE_WEIGHTS_FACTOR LS_COLUMN(rule_weights, factor, "text")
#define LS_RULE_WEIGHTS_KEY LS_COLUMN(rule_weights, key, "text")
#define LS_RULE_WEIGHTS_POINTS LS_COLUMN(rule_weights, points, "double precision")

// Letter grades as percentile bands.
#define LS_GRADE_BANDS LS_TABLE(grade_bands)
#define LS_GRADE_BANDS_RELNAME LS_RELNAME(grade_bands)
#define LS_GRADE_BANDS_GRADE LS_COLUMN(grade_bands, grade, "text")
#define LS_GRADE_BANDS_MIN_PERCENTILE LS_COLUMN(grade_bands, min_percentile, "double precision")
#define LS_GRADE_BANDS_MAX_PERCENTILE LS_COLUMN(grade_bands, max_percentile, "double precision")

// Leads: the features that training and scoring read from a row of this table.
#define LS_LEADS LS_TABLE(leads)
#define LS_LEADS_ID LS_COLUMN(leads, id, "bigint")
#define LS_LEADS_ADDRESS LS_COLUMN(leads, address, "text")
#define LS_LEADS_PERMIT_VALUE LS_COLUMN(leads, permit_value, "numeric")
#define LS_LEADS_TRADE_TAGS LS_COLUMN(leads, trade_tags, "text[]")
#define LS_LEADS_CREATED_AT LS_COLUMN(leads, created_at, "timestamp with time zone")
#define LS_LEADS_ATTRIBUTES LS_COLUMN(leads, attributes, "jsonb")
#define LS_LEADS_UPDATED_AT LS_COLUMN(leads, updated_at, "timestamp with time zone")

// The rated leads training may use (a view: win label, or NULL while pending;
// best rating, deal value and its band's range), and whether there are enough.
#define LS_LABELLED_LEADS LS_TABLE(labelled_leads)
#define LS_LABELLED_LEADS_LEAD_ID LS_COLUMN(labelled_leads, lead_id, "bigint")
#define LS_LABELLED_LEADS_WIN_LABEL LS_COLUMN(labelled_leads, win_label, "boolean")
#define LS_LABELLED_LEADS_LEAD LS_COLUMN(labelled_leads, lead, "leadscore.leads")
#define LS_LABELLED_LEADS_TRAINABLE LS_COLUMN(labelled_leads, trainable, "boolean")
#define LS_LABELLED_LEADS_BEST_RATING LS_COLUMN(labelled_leads, best_rating, "leadscore.lead_rating")
#define LS_LABELLED_LEADS_DEAL_VALUE LS_COLUMN(labelled_leads, deal_value, "numeric")
#define LS_LABELLED_LEADS_QUOTE_AGE_DAYS LS_COLUMN(labelled_leads, quote_age_days, "double precision")
#define LS_LABELLED_LEADS_DAYS_TO_WIN LS_COLUMN(labelled_leads, days_to_win, "double precision")
#define LS_LABELLED_LEADS_DEAL_VALUE_MIN LS_COLUMN(labelled_leads, deal_value_min, "numeric")
#define LS_LABELLED_LEADS_DEAL_VALUE_MAX LS_COLUMN(labelled_leads, deal_value_max, "numeric")
#define LS_LABELLED_LEADS_HAS_LEAD_ROW LS_COLUMN(labelled_leads, has_lead_row, "boolean")
#define LS_READINESS_VERDICT LS_FUNCTION(readiness_verdict, "bigint, bigint, bigint, bigint, bigint, bigint, integer")

// The result of score_lead(), filled attribute by attribute in this order.
#define LS_LEAD_SCORE LS_TYPE(lead_score)
#define LS_LEAD_SCORE_LEAD_ID LS_COLUMN(lead_score, lead_id, "bigint")
#define LS_LEAD_SCORE_SCORE LS_COLUMN(lead_score, score, "integer")
#define LS_LEAD_SCORE_GRADE LS_COLUMN(lead_score, grade, "text")
#define LS_LEAD_SCORE_WIN_PROB LS_COLUMN(lead_score, win_prob, "double precision")
#define LS_LEAD_SCORE_CONFIDENCE LS_COLUMN(lead_score, confidence, "text")
#define LS_LEAD_SCORE_CONFIDENCE_VALUE LS_COLUMN(lead_score, confidence_value, "double precision")
#define LS_LEAD_SCORE_METHOD LS_COLUMN(lead_score, method, "text")
#define LS_LEAD_SCORE_MODEL_VERSION LS_COLUMN(lead_score, model_version, "integer")
#define LS_LEAD_SCORE_PERCENTILE LS_COLUMN(lead_score, percentile, "double precision")
#define LS_LEAD_SCORE_WIN_PROB_LOW LS_COLUMN(lead_score, win_prob_low, "double precision")
#define LS_LEAD_SCORE_WIN_PROB_HIGH LS_COLUMN(lead_score, win_prob_high, "double precision")
#define LS_LEAD_SCORE_CONTACT_PROB LS_COLUMN(lead_score, contact_prob, "double precision")
#define LS_LEAD_SCORE_QUOTE_PROB LS_COLUMN(lead_score, quote_prob, "double precision")
#define LS_LEAD_SCORE_VALUE_IF_WON LS_COLUMN(lead_score, value_if_won, "double precision")
#define LS_LEAD_SCORE_EXPECTED_VALUE LS_COLUMN(lead_score, expected_value, "double precision")
