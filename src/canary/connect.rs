//! The source a `[canary]` section names, made: the one place that knows
//! every kind of source (the trait, in `source`, knows none of them).

use super::command_source::CommandSource;
use super::config::{CanaryConfig, SourceKind};
use super::prometheus::PrometheusSource;
use super::sim::SimulatedSource;
use super::source::{MetricSource, SourceError};

/// The source a configuration names. `root` is where commands run;
/// `regression` starts the simulated source with the regression injected.
pub fn connect(
    config: &CanaryConfig,
    root: &std::path::Path,
    regression: bool,
) -> Result<Box<dyn MetricSource>, SourceError> {
    Ok(match config.source {
        SourceKind::Prometheus => Box::new(PrometheusSource::from_config(config)?),
        SourceKind::Command => Box::new(CommandSource::from_config(config, root)?),
        SourceKind::Simulated => {
            let sim = SimulatedSource::from_config(config);
            if regression {
                sim.set_regression(true);
            }
            Box::new(sim)
        }
    })
}
