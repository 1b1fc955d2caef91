-- Helper macros every rule may call; the engine defines them (as temporary macros) before it
-- runs any rule. Keep each one a pure function of its arguments.

-- The tau-quantile of a list of doubles the way statrs' OrderStatistics::quantile computes it
-- (Hyndman & Fan type 8, "approximately median-unbiased"), which is what Cardinal's indicators
-- use for quartiles and percentiles: h = (n + 1/3) tau + 1/3, the minimum below the first
-- order statistic, the maximum from the last, linear interpolation between. NULL for an empty
-- list (statrs: NaN, which no comparison passes).
CREATE OR REPLACE TEMP MACRO statrs_quantile_sorted(xs, tau) AS
    CASE
        WHEN xs IS NULL OR len(xs) = 0 THEN NULL
        WHEN floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0) <= 0 OR tau = 0 THEN xs[1]
        WHEN floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0) >= len(xs) OR tau = 1 THEN xs[len(xs)]
        ELSE xs[floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0)::BIGINT]
            + (((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0)
               - floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0))
            * (xs[floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0)::BIGINT + 1]
               - xs[floor((len(xs) + 1.0 / 3.0) * tau + 1.0 / 3.0)::BIGINT])
    END;

CREATE OR REPLACE TEMP MACRO statrs_quantile(xs, tau) AS
    statrs_quantile_sorted(list_sort(xs), tau);

-- Cardinal's pipe-separated lists of procurement method details: whether a process's
-- tender.procurementMethodDetails passes an allow list (if not empty) or a deny list.
CREATE OR REPLACE TEMP MACRO cardinal_details_match(details, allow, deny) AS
    CASE
        WHEN details IS NULL THEN len(allow) = 0
        WHEN len(allow) = 0 THEN NOT list_contains(deny, details)
        ELSE list_contains(allow, details)
    END;
