//! Sending one message to one target. Bounded by the target's `timeout`
//! (10 s for webhooks and mail, 30 s for commands, whose process group is
//! then killed); the answer (HTTP status, SMTP reply, exit code) is what
//! the delivery records.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::message::Body;
use super::{Format, Kind, Target};

/// Send `body` to `target`: `Ok(result)` when it was taken (`HTTP 200`,
/// `exit 0`), else why not.
pub fn send(
    target: &Target,
    body: &Body<'_>,
    repo_root: &Path,
    recipients: &[String],
) -> Result<String, String> {
    let subject = body.subject();
    let rendered = Rendered {
        json: &body.json(),
        slack: &body.slack(),
        subject: &subject,
        text: &body.chat_text(),
    };
    send_rendered(target, &rendered, repo_root, recipients)
}

/// A notification in every form a target takes.
pub struct Rendered<'a> {
    pub json: &'a str,
    pub slack: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
}

/// [`send`] with the bodies already rendered (`json` for JSON webhooks
/// and commands, `slack` for Slack-style webhooks), so it can run on
/// another thread with owned data.
pub fn send_rendered(
    target: &Target,
    r: &Rendered<'_>,
    repo_root: &Path,
    recipients: &[String],
) -> Result<String, String> {
    let (json, slack) = (r.json, r.slack);
    match target.kind {
        Kind::Webhook => {
            let var = target
                .url_env
                .as_deref()
                .ok_or("no url_env is configured")?;
            let url = std::env::var(var)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| format!("the environment variable {var} (url_env) is not set"))?;
            let payload = match target.format {
                Format::Json => json,
                Format::Slack => slack,
            };
            post(&url, payload, target.time_limit())
        }
        Kind::Command => {
            let command = target
                .command
                .as_deref()
                .ok_or("no command is configured")?;
            run(command, json, repo_root, target.time_limit())
        }
        Kind::Email => {
            let var = target
                .smtp_url_env
                .as_deref()
                .ok_or("no smtp_url_env is configured")?;
            let url = std::env::var(var)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    format!("the environment variable {var} (smtp_url_env) is not set")
                })?;
            let from = target.from.as_deref().ok_or("no from is configured")?;
            mail(
                &url,
                from,
                recipients,
                r.subject,
                r.text,
                target.time_limit(),
            )
        }
    }
}

/// One message to every recipient, over the SMTP URL (TLS, STARTTLS or
/// plain as the URL says; credentials in it).
fn mail(
    url: &str,
    from: &str,
    to: &[String],
    subject: &str,
    text: &str,
    limit: Duration,
) -> Result<String, String> {
    use lettre::Transport as _;
    if to.is_empty() {
        return Err(
            "nobody to write to: no one holds the roles, and the audiences are empty".into(),
        );
    }
    let mut builder = lettre::Message::builder()
        .from(from.parse().map_err(|e| format!("from `{from}`: {e}"))?)
        .subject(subject)
        .header(lettre::message::header::ContentType::TEXT_PLAIN);
    for address in to {
        builder = builder.to(address
            .parse()
            .map_err(|e| format!("recipient `{address}`: {e}"))?);
    }
    let message = builder.body(text.to_string()).map_err(|e| e.to_string())?;
    let mailer = lettre::SmtpTransport::from_url(url)
        .map_err(|e| format!("the SMTP URL does not read: {e}"))?
        .timeout(Some(limit))
        .build();
    let response = mailer.send(&message).map_err(|e| e.to_string())?;
    Ok(format!("SMTP {} to {}", response.code(), to.join(", ")))
}

fn post(url: &str, payload: &str, limit: Duration) -> Result<String, String> {
    let agent = crate::http::agent(limit);
    let response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(payload)
        .map_err(|e| e.to_string())?;
    let code = response.status().as_u16();
    if (200..300).contains(&code) {
        Ok(format!("HTTP {code}"))
    } else {
        Err(format!("HTTP {code}"))
    }
}

fn run(command: &str, stdin: &str, repo_root: &Path, limit: Duration) -> Result<String, String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(repo_root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        // Its own group, killed whole when it runs over its time.
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if let Some(mut input) = child.stdin.take() {
        // A command that does not read its input is its own business.
        let _ = input.write_all(stdin.as_bytes());
    }
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return match status.code() {
                    Some(0) => Ok("exit 0".into()),
                    Some(c) => Err(format!(
                        "exit {c}{}",
                        last_line(&err)
                            .map(|l| format!(": {l}"))
                            .unwrap_or_default()
                    )),
                    None => Err("ended by a signal".into()),
                };
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = crate::exec::group::signal_group(child.id(), crate::exec::group::SIGKILL);
                let _ = child.wait();
                return Err(format!(
                    "timed out after {}",
                    humantime::format_duration(limit)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn last_line(text: &str) -> Option<String> {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| crate::text::escape(l.trim()).into_owned())
}
