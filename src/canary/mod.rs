//! Canary analysis: metric sources, the judge, the canary plan.
