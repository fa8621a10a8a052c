//! What a pane or an overlay hands back to the app when it handles a key
//! or a message: effects for the driver, a status line, overlays to open,
//! and requests only the app can carry out (focus another pane, hand the
//! keyboard over, route a prompt's text or a confirmation's yes to its
//! owner). Panes and overlays never see the app; this is how they ask.

use super::action::Effect;
use super::overlay::{Intent, Overlay, Purpose};
use super::place::Pane;
use super::theme::Tone;

/// The status line: what just happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub tone: Tone,
}

/// A request only the app can carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// Focus this pane.
    Focus(Pane),
    /// Focus the Sign-off pane on `step`'s first undecided role.
    ShowSignoff { step: String },
    /// Hand the keyboard to the person at this index of the roster.
    HandOver(usize),
    /// A prompt's text, for whoever asked it (`Purpose` says who), and
    /// the override reason the prompt carries, if any.
    Submitted {
        purpose: Purpose,
        text: String,
        override_reason: Option<String>,
    },
    /// The session's rules refuse what the person is about to do (checked
    /// before they type anything): say why, and offer an override.
    Refused { why: String, offer: Offer },
    /// A confirmation was answered yes: do what it asked.
    Confirmed(Intent),
}

/// What an override with a reason would carry out, after a refusal.
#[derive(Debug, Clone, PartialEq)]
pub enum Offer {
    /// Record this command, breaking the rules that refused it.
    Perform(Box<(crate::session::Command, crate::session::Who)>),
    /// Open this prompt; what it submits breaks the rules.
    Prompt(Box<super::overlay::Prompt>),
}

/// Everything a handler asks for, in order.
#[derive(Debug, Default)]
pub struct Out {
    pub effects: Vec<Effect>,
    pub status: Option<Status>,
    /// Overlays to open, on top of what is open.
    pub open: Vec<Overlay>,
    pub asks: Vec<Ask>,
}

impl Out {
    pub fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            tone,
        });
    }

    pub fn effect(&mut self, e: Effect) {
        self.effects.push(e);
    }

    pub fn open(&mut self, o: impl Into<Overlay>) {
        self.open.push(o.into());
    }

    pub fn ask(&mut self, a: Ask) {
        self.asks.push(a);
    }

    /// Open `prompt` unless the session's rules refuse what it would
    /// submit (`probe`, with stand-in text): then say why at the key
    /// press, before anything is typed, and offer the override (which
    /// opens the prompt, carrying the reason).
    pub fn open_unless_refused(
        &mut self,
        ctx: &super::ctx::Ctx,
        probe: &crate::session::Command,
        prompt: super::overlay::Prompt,
    ) {
        match ctx.refusal(probe) {
            None => self.open(prompt),
            Some((why, true)) => self.ask(Ask::Refused {
                why,
                offer: Offer::Prompt(Box::new(prompt)),
            }),
            Some((why, false)) => self.say(Tone::Bad, format!("✘ {why}")),
        }
    }
}
