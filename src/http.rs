//! One HTTP client setup for every request greenlight makes (Prometheus
//! queries, notification webhooks): native TLS, greenlight's user agent,
//! a time limit for the whole exchange, and HTTP error statuses returned
//! as answers for the caller to judge, not as errors.

use std::time::Duration;

pub fn agent(limit: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(limit))
        .http_status_as_error(false)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .provider(ureq::tls::TlsProvider::NativeTls)
                .build(),
        )
        .user_agent(concat!("greenlight/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}
